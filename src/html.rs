//! The HTML report: one self-contained page with the charts inline as SVG, the CSS and the chart font inline
//! (so Chinese shows on a machine with no CJK font), no network, the run's options, the themes with keywords
//! and example articles, the county table and links to the data files. Everything that comes from the input
//! is escaped.

use crate::charts::{heatmap_table, Chart, CountyRow, Formats, FONT_BYTES, FONT_FAMILY};
use crate::compare::{Comparison, SHOWN_GROUPS};
use crate::error::Result;
use crate::output::write_atomic;
use crate::topics::TopicsReport;
use base64::Engine;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:'Noto Sans CJK SC',sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}\
h1{font-size:1.8em}h2{margin-top:2em;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f6f8}\
figure{margin:1.5em 0}figure svg{width:100%;height:auto;border:1px solid #eee}figcaption{color:#555}\
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:50%;margin-right:.3em;vertical-align:-.1em}\
.muted{color:#777}pre{background:#f6f8fa;padding:1em;overflow-x:auto;font-size:.85em}";

/// Writes `index.html` into `out`; chart files are linked from `charts/`.
pub fn write_report(
    report: &TopicsReport,
    charts: &[Chart],
    comparison: Option<&Comparison>,
    out: &Path,
    formats: Formats,
) -> Result<PathBuf> {
    let path = out.join("index.html");
    write_atomic(&path, page(report, charts, comparison, formats).as_bytes())?;
    Ok(path)
}

pub fn page(
    report: &TopicsReport,
    charts: &[Chart],
    comparison: Option<&Comparison>,
    formats: Formats,
) -> String {
    let m = &report.meta;
    let font = base64::engine::general_purpose::STANDARD.encode(FONT_BYTES);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>analyze · 主题报告</title>\
         <style>@font-face{{font-family:'{FONT_FAMILY}';src:url(data:font/otf;base64,{font}) format('opentype')}}{CSS}</style></head><body>\n"
    );
    let _ = writeln!(
        h,
        "<h1>主题报告 Topics report</h1><p>{} 篇文章 articles ({} captions) from {} file(s); {} skipped; \
         {} themes, seed {}, silhouette {:.3}. <span class=\"muted\">analyze {}</span></p>",
        m.counts.articles, m.counts.captions, m.counts.files, m.counts.skipped, m.k, m.seed, m.silhouette, m.version
    );
    themes_section(&mut h, report);
    county_section(&mut h, report);
    if let Some(c) = comparison {
        compare_section(&mut h, c, report);
    }
    charts_section(&mut h, charts, formats);
    lists_section(&mut h, report);
    let options = serde_json::to_string_pretty(&m.options).unwrap_or_default();
    let inputs: Vec<String> = m.inputs.iter().map(|i| escape(i)).collect();
    let _ = writeln!(
        h,
        "<h2>运行参数 Options</h2><p>Inputs: {}</p><pre>{}</pre>\
         <h2>数据文件 Data files</h2><ul><li><a href=\"topics.json\">topics.json</a></li>\
         <li><a href=\"articles.csv\">articles.csv</a></li><li><a href=\"clusters.csv\">clusters.csv</a></li>\
         <li><a href=\"skipped.csv\">skipped.csv</a></li>{}</ul></body></html>",
        inputs.join(", "),
        escape(&options),
        charts
            .iter()
            .map(|c| {
                let name = escape(&crate::output::safe_name(&c.name));
                format!("<li><a href=\"charts/{name}.csv\">charts/{name}.csv</a> ({})</li>", escape(&c.title))
            })
            .collect::<String>()
    );
    h
}

fn themes_section(h: &mut String, report: &TopicsReport) {
    h.push_str("<h2>主题 Themes</h2><table><tr><th>#</th><th>主题 theme</th><th>篇数 n</th><th>关键词 keywords</th><th>例文 examples</th></tr>\n");
    for c in &report.clusters {
        let words: Vec<String> = c
            .keywords
            .iter()
            .take(10)
            .map(|k| escape(&k.word))
            .collect();
        let examples: Vec<String> = c
            .examples
            .iter()
            .take(3)
            .filter_map(|id| report.articles.iter().find(|a| &a.id == id))
            .map(|a| {
                format!(
                    "{} <span class=\"muted\">{}</span>",
                    escape(&a.title),
                    escape(a.county.as_deref().unwrap_or("—"))
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            crate::charts::hex(crate::charts::colour(c.id)),
            c.id,
            escape(&c.label),
            escape(&c.theme),
            c.size,
            words.join(" "),
            examples.join("<br>")
        );
    }
    h.push_str("</table>\n");
}

fn county_section(h: &mut String, report: &TopicsReport) {
    let (themes, rows) = heatmap_table(report);
    h.push_str("<h2>县 × 主题 Counties and themes</h2><table><tr><th>县 county</th>");
    for t in &themes {
        let _ = write!(
            h,
            "<th>{}<br><span class=\"muted\">{}</span></th>",
            escape(report.themes.label(t)),
            escape(t)
        );
    }
    h.push_str("<th>篇数 n</th></tr>\n");
    let (shown, more) = rows.split_at(rows.len().min(COUNTY_ROWS));
    for CountyRow {
        county,
        counts,
        total,
    } in shown
    {
        let cells: String = counts.iter().map(|n| format!("<td>{n}</td>")).collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td>{cells}<td>{total}</td></tr>",
            escape(county)
        );
    }
    if !more.is_empty() {
        let articles: usize = more.iter().map(|r| r.total).sum();
        let _ = writeln!(
            h,
            "<tr><td colspan=\"{}\" class=\"muted\">… and {} more counties with {articles} article(s): \
             all in <a href=\"charts/theme_by_county.csv\">charts/theme_by_county.csv</a></td></tr>",
            themes.len() + 2,
            more.len()
        );
    }
    h.push_str("</table>\n");
}

/// Counties the table on the page shows at most, the largest first: a national corpus names two thousand.
const COUNTY_ROWS: usize = 30;

fn charts_section(h: &mut String, charts: &[Chart], formats: Formats) {
    h.push_str("<h2>图表 Charts</h2>\n");
    for c in charts {
        let links = [(formats.svg, "svg"), (formats.png, "png"), (true, "csv")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, ext)| {
                format!(
                    "<a href=\"charts/{}.{ext}\">{ext}</a>",
                    escape(&crate::output::safe_name(&c.name))
                )
            })
            .collect::<Vec<_>>()
            .join(" · ");
        let svg = c.svg.trim_start_matches(|ch| ch != '<');
        let svg = svg
            .strip_prefix("<?xml")
            .map_or(svg, |rest| rest.split_once("?>").map_or(rest, |(_, r)| r));
        let _ = writeln!(
            h,
            "<figure>{svg}<figcaption>{} — {links}</figcaption></figure>",
            escape(&c.title)
        );
    }
}

/// Items a list on the page shows at most: the page stays readable at a million articles, and the whole
/// lists are in topics.json and the CSV files.
const LIST_ITEMS: usize = 100;

fn lists_section(h: &mut String, report: &TopicsReport) {
    if !report.low_confidence.is_empty() {
        h.push_str("<h2>介于两个主题之间 Between two themes</h2><ul>");
        let between = report
            .articles
            .iter()
            .filter(|a| a.confidence < crate::topics::LOW_CONFIDENCE);
        for a in between.take(LIST_ITEMS) {
            let _ = write!(
                h,
                "<li>{} — theme {} or {} (confidence {:.3})</li>",
                escape(&a.title),
                a.cluster,
                a.runner_up,
                a.confidence
            );
        }
        more_items(
            h,
            report.low_confidence.len(),
            "<code>low_confidence</code> in topics.json",
        );
        h.push_str("</ul>\n");
    }
    if !report.skipped.is_empty() {
        h.push_str("<h2>未分析 Skipped</h2><ul>");
        for s in report.skipped.iter().take(LIST_ITEMS) {
            let line = s.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = write!(
                h,
                "<li>{}{line}: {}</li>",
                escape(&s.source),
                escape(&s.reason)
            );
        }
        more_items(h, report.skipped.len(), "skipped.csv");
        h.push_str("</ul>\n");
    }
}

/// The last item of a list cut at [`LIST_ITEMS`]: how many more, and where they all are.
fn more_items(h: &mut String, total: usize, whole_list: &str) {
    if total > LIST_ITEMS {
        let _ = write!(
            h,
            "<li class=\"muted\">… and {} more: all {total} in {whole_list}</li>",
            total - LIST_ITEMS
        );
    }
}

fn compare_section(h: &mut String, c: &Comparison, report: &TopicsReport) {
    let _ = writeln!(h, "<h2>比较 Comparison by {}</h2><ul>", escape(&c.by));
    let shown = c.shares.len().min(SHOWN_GROUPS);
    let (said, unsaid) = c.statements_shown(shown);
    for statement in said {
        let _ = write!(h, "<li>{}</li>", escape(&statement.text));
    }
    if unsaid > 0 {
        let _ = write!(
            h,
            "<li class=\"muted\">{unsaid} more statements on the smaller groups, each of which may be \
             chance: all in <a href=\"compare.json\">compare.json</a></li>"
        );
    }
    h.push_str("</ul><table><tr><th>group</th><th>n</th>");
    for t in &c.themes {
        let _ = write!(
            h,
            "<th>{}<br><span class=\"muted\">{}</span></th>",
            escape(report.themes.label(t)),
            escape(t)
        );
    }
    h.push_str("<th>特色词 distinctive words (G²; counts group:rest)</th></tr>\n");
    for g in &c.shares[..shown] {
        let cells: String = g
            .themes
            .iter()
            .map(|t| {
                format!(
                    "<td>{} ({:.0}%)<br><span class=\"muted\">95% {:.0}–{:.0}%</span></td>",
                    t.count,
                    t.share * 100.0,
                    t.low * 100.0,
                    t.high * 100.0
                )
            })
            .collect();
        let words: Vec<String> = c
            .keyness
            .iter()
            .find(|k| k.group == g.group)
            .map(|k| {
                k.words
                    .iter()
                    .take(8)
                    .map(|w| format!("{} {}:{}", escape(&w.word), w.group_count, w.rest_count))
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td>{cells}<td>{}</td></tr>",
            escape(&g.group),
            g.articles,
            words.join(" · ")
        );
    }
    if c.shares.len() > shown {
        let _ = writeln!(
            h,
            "<tr><td colspan=\"{}\" class=\"muted\">… and {} smaller groups: all in \
             <a href=\"compare_shares.csv\">compare_shares.csv</a> and \
             <a href=\"compare_keyness.csv\">compare_keyness.csv</a></td></tr>",
            c.themes.len() + 3,
            c.shares.len() - shown
        );
    }
    h.push_str("</table>\n");
    if c.period.is_some() && c.undated > 0 {
        let unreadable = match c.unreadable_dates.len() {
            0 => String::new(),
            n => format!(
                "; {n} of them with a date field that is not a date (all in compare.json, `unreadable_dates`)"
            ),
        };
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} 篇无日期 undated article(s): in the shares above, not in the trends{unreadable}.</p>",
            c.undated
        );
    }
}
