//! Writing results: `topics.json`, CSV tables (UTF-8 with a BOM so that Excel reads Chinese), and the
//! terminal summary. Files are written to a temporary name and renamed, so a run that is interrupted never
//! leaves half a file.

use crate::error::{Error, Result};
use crate::topics::{ArticleReport, TopicsReport};
use rayon::prelude::*;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A name safe to use in a file name: letters, digits, CJK, `-` and `_` kept, everything else (path
/// separators, dots, control characters) turned into `_`.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    }
}

/// Fails before any work when `--out` cannot be a folder: it, or the nearest part of its path that exists,
/// is a file. Otherwise the mistake would show only when the reports are written, after the whole run.
pub fn check_out_folder(out: &Path) -> Result<()> {
    match out.ancestors().find(|p| p.exists()) {
        Some(file) if !file.is_dir() => Err(Error::Usage(format!(
            "--out {}: {} is a file, not a folder; give --out a folder (it is made if missing)",
            out.display(),
            file.display()
        ))),
        _ => Ok(()),
    }
}

/// Refuses to write where an input file is: `--out` may point at the input folder, but the outputs must
/// not replace what the user gave. Only outputs that exist already can be inputs, and the inputs are
/// resolved once for all of them: a folder of 10,000 pages, resolved once for each output, took 0.2 s.
pub fn check_not_inputs(paths: &[PathBuf], inputs: &[String]) -> Result<()> {
    let existing: Vec<(&PathBuf, PathBuf)> = paths
        .iter()
        .filter_map(|p| Some((p, std::fs::canonicalize(p).ok()?)))
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    for input in inputs {
        let Ok(input) = std::fs::canonicalize(input) else {
            continue;
        };
        if let Some((path, _)) = existing.iter().find(|(_, target)| *target == input) {
            return Err(Error::Usage(format!(
                "{} is one of the input files: choose another --out folder so that it is not overwritten",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Writes bytes to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Streams `write`'s output to `path` through a temporary file in the same directory, so that a large
/// report is never held in memory as bytes, and a failed run leaves no half-written file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut (dyn std::io::Write + Send)) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let written = write(&mut out).and_then(|()| out.flush());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    drop(out);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// A CSV table with a BOM, streamed; rows of owned or borrowed fields.
pub fn write_csv<R, F>(
    out: &mut dyn std::io::Write,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> std::io::Result<()>
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    out.write_all(BOM)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.flush()
}

/// A CSV table as UTF-8 bytes with a BOM.
pub fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_csv(&mut bytes, header, rows).expect("writing to memory");
    bytes
}

pub fn json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("report types serialise");
    bytes.push(b'\n');
    bytes
}

/// Writes `topics.json`, `articles.csv`, `clusters.csv` and `skipped.csv`; returns the paths written.
pub fn write_topics(report: &TopicsReport, out: &Path) -> Result<Vec<PathBuf>> {
    type Writer = fn(&TopicsReport, &mut (dyn std::io::Write + Send)) -> std::io::Result<()>;
    let files: [(&str, Writer); 4] = [
        ("topics.json", topics_json),
        ("articles.csv", articles_csv),
        ("clusters.csv", clusters_csv),
        ("skipped.csv", skipped_csv),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(name, _)| out.join(name)).collect();
    check_not_inputs(&paths, &report.meta.inputs)?;
    // The files are written side by side: topics.json takes most of the time, the CSV files the rest.
    files
        .par_iter()
        .map(|(name, write)| {
            let path = out.join(name);
            write_atomic_with(&path, |w| write(report, w))?;
            Ok(path)
        })
        .collect()
}

/// `topics.json`: the report pretty-printed as `serde_json::to_writer_pretty` writes it, except that each
/// article (nine tenths of the file) is one compact line, rendered in parallel. Pretty-printed, an article
/// took 55 lines and 1.2 KB; on one line it takes 0.7 KB, and `grep` finds articles whole.
fn topics_json(r: &TopicsReport, w: &mut (dyn std::io::Write + Send)) -> std::io::Result<()> {
    let shell = serde_json::to_vec_pretty(&TopicsJson {
        meta: &r.meta,
        clusters: &r.clusters,
        articles: (),
        captions: &r.captions,
        skipped: &r.skipped,
        low_confidence: &r.low_confidence,
        k_selection: &r.k_selection,
        themes: &r.themes,
        corpus_keywords: &r.corpus_keywords,
        network: &r.network,
    })?;
    // A JSON string never holds a raw newline, so this text occurs once, where the articles go.
    let slot = b"\n  \"articles\": null";
    let at = shell
        .windows(slot.len())
        .position(|w| w == slot)
        .expect("the report has an articles field");
    w.write_all(&shell[..at + slot.len() - b"null".len()])?;
    if r.articles.is_empty() {
        w.write_all(b"[]")?;
    } else {
        w.write_all(b"[")?;
        let mut first = true;
        write_blocks(
            w,
            &r.articles,
            |block| {
                // Pieces of at most 64 articles, so that a core back from another file finds some to take.
                block
                    .par_iter()
                    .with_max_len(64)
                    .map(|article| {
                        // Room for a typical article (0.7 KB), so that the buffer is rarely grown.
                        let mut json = Vec::with_capacity(1024);
                        serde_json::to_writer(&mut json, article).map(|()| json)
                    })
                    .collect::<serde_json::Result<_>>()
                    .map_err(std::io::Error::from)
            },
            |w, rendered| {
                for json in rendered {
                    w.write_all(if first { b"\n    " } else { b",\n    " })?;
                    w.write_all(&json)?;
                    first = false;
                }
                Ok(())
            },
        )?;
        w.write_all(b"\n  ]")?;
    }
    w.write_all(&shell[at + slot.len()..])?;
    w.write_all(b"\n")
}

/// Articles rendered in parallel before they are written.
const RENDERED_AT_ONCE: usize = 4096;

/// Writes `items` a block of [`RENDERED_AT_ONCE`] at a time, so that memory holds a few thousand rendered
/// items, not a million: `render` gives a block's bytes in pieces, in order, and `write` writes them. A block
/// is rendered (in parallel) while the one before it is written: written after it, on one core, the last
/// blocks of `topics.json` left the other core idle for about 30 ms at the end of a run on news_34k.
fn write_blocks<'a, T: Sync>(
    out: &mut (dyn std::io::Write + Send),
    items: &'a [T],
    render: impl Fn(&'a [T]) -> std::io::Result<Vec<Vec<u8>>> + Sync,
    mut write: impl FnMut(&mut (dyn std::io::Write + Send), Vec<Vec<u8>>) -> std::io::Result<()> + Send,
) -> std::io::Result<()> {
    // The block rendered last, waiting to be written.
    let mut waiting: Option<Vec<Vec<u8>>> = None;
    for block in items.chunks(RENDERED_AT_ONCE) {
        // The writing goes on here; the rendering is taken by the other cores, and then by this one.
        let (wrote, rendered) = rayon::join(
            || waiting.take().map_or(Ok(()), |pieces| write(out, pieces)),
            || render(block),
        );
        wrote?;
        waiting = Some(rendered?);
    }
    waiting.map_or(Ok(()), |pieces| write(out, pieces))
}

/// [`TopicsReport`] with its articles left out (`null`, to be filled in): the same fields in the same order
/// (a test checks that the file is what serialising the report itself gives).
#[derive(serde::Serialize)]
struct TopicsJson<'a> {
    meta: &'a crate::topics::Meta,
    clusters: &'a [crate::topics::ClusterReport],
    articles: (),
    captions: &'a [crate::topics::CaptionReport],
    skipped: &'a [crate::read::Skipped],
    low_confidence: &'a [String],
    k_selection: &'a [crate::cluster::KScore],
    themes: &'a crate::themes::Lexicon,
    corpus_keywords: &'a [crate::topics::Keyword],
    network: &'a crate::cooccur::Network,
}

/// A CSV field borrowed from the report.
fn field(s: &str) -> Cow<'_, [u8]> {
    Cow::Borrowed(s.as_bytes())
}

fn owned(s: String) -> Cow<'static, [u8]> {
    Cow::Owned(s.into_bytes())
}

fn opt(s: &Option<String>) -> Cow<'_, [u8]> {
    field(s.as_deref().unwrap_or_default())
}

fn articles_csv(
    report: &TopicsReport,
    out: &mut (dyn std::io::Write + Send),
) -> std::io::Result<()> {
    write_csv_in_parallel(
        out,
        &ARTICLES_HEADER,
        &report.articles,
        ROWS_PER_TASK,
        |a| article_row(report, a),
    )
}

const ARTICLES_HEADER: [&str; 15] = [
    "id",
    "source",
    "file",
    "line",
    "title",
    "county",
    "county_code",
    "city",
    "province",
    "date",
    "cluster",
    "theme",
    "theme_label",
    "confidence",
    "keywords",
];

/// An article's row of `articles.csv`. Fields are borrowed where the report holds them: a row of owned
/// copies was most of the time of this file.
fn article_row<'r>(report: &'r TopicsReport, a: &'r ArticleReport) -> [Cow<'r, [u8]>; 15] {
    [
        field(&a.id),
        field(&a.source),
        field(&a.file),
        owned(a.line.map(|l| l.to_string()).unwrap_or_default()),
        field(&a.title),
        opt(&a.county),
        opt(&a.county_code),
        opt(&a.city),
        opt(&a.province),
        opt(&a.date),
        owned(a.cluster.to_string()),
        field(&a.theme),
        field(report.themes.label(&a.theme)),
        owned(format!("{:.4}", a.confidence)),
        owned(
            a.keywords
                .iter()
                .map(|k| k.word.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]
}

/// Rows of `articles.csv` rendered by one task.
const ROWS_PER_TASK: usize = 256;

/// [`write_csv`] for a table with a row per item, its rows rendered in parallel: a few hundred rows a task,
/// each task with its own CSV writer, written out in order a block of [`RENDERED_AT_ONCE`] items at a time.
/// A CSV row's bytes depend on its fields alone, so the file is the one `write_csv` writes. Rendered on one
/// core, `articles.csv` of news_34k was still being written 40 ms after `topics.json` was done, with the
/// other core idle, in a profiled run.
fn write_csv_in_parallel<'a, T, R, F>(
    out: &mut (dyn std::io::Write + Send),
    header: &[&str],
    items: &'a [T],
    rows_per_task: usize,
    row: impl Fn(&'a T) -> R + Sync,
) -> std::io::Result<()>
where
    T: Sync,
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    write_csv(out, header, std::iter::empty::<[&[u8]; 0]>())?;
    write_blocks(
        out,
        items,
        |block| {
            block
                .par_chunks(rows_per_task.max(1))
                .with_max_len(1)
                .map(|rows| {
                    let mut writer = csv::Writer::from_writer(Vec::new());
                    for item in rows {
                        writer.write_record(row(item))?;
                    }
                    writer.into_inner().map_err(|e| e.into_error())
                })
                .collect()
        },
        |out, rendered| rendered.iter().try_for_each(|bytes| out.write_all(bytes)),
    )
}

fn clusters_csv(
    report: &TopicsReport,
    out: &mut (dyn std::io::Write + Send),
) -> std::io::Result<()> {
    let header = [
        "id",
        "size",
        "theme",
        "label",
        "theme_share",
        "keywords",
        "weights",
    ];
    let rows = report.clusters.iter().map(|c| {
        vec![
            c.id.to_string(),
            c.size.to_string(),
            c.theme.clone(),
            c.label.clone(),
            format!("{:.4}", c.theme_share),
            c.keywords
                .iter()
                .map(|k| k.word.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            c.keywords
                .iter()
                .map(|k| format!("{:.4}", k.weight))
                .collect::<Vec<_>>()
                .join(" "),
        ]
    });
    write_csv(out, &header, rows)
}

fn skipped_csv(
    report: &TopicsReport,
    out: &mut (dyn std::io::Write + Send),
) -> std::io::Result<()> {
    let rows = report.skipped.iter().map(|s| {
        vec![
            s.source.clone(),
            s.line.map(|l| l.to_string()).unwrap_or_default(),
            s.reason.clone(),
        ]
    });
    write_csv(out, &["source", "line", "reason"], rows)
}

/// Writes `compare.json` and its tables `compare_shares.csv`, `compare_keyness.csv`, `compare_trends.csv`.
pub fn write_compare(
    c: &crate::compare::Comparison,
    out: &Path,
    inputs: &[String],
) -> Result<Vec<PathBuf>> {
    let (shares, keyness, trends) = (c.shares_table(), c.keyness_table(), c.trends_table(None));
    let files = [
        ("compare.json", json_bytes(c)),
        ("compare_shares.csv", csv_bytes(&shares.header, shares.rows)),
        (
            "compare_keyness.csv",
            csv_bytes(&keyness.header, keyness.rows),
        ),
        ("compare_trends.csv", csv_bytes(&trends.header, trends.rows)),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(name, _)| out.join(name)).collect();
    check_not_inputs(&paths, inputs)?;
    for (path, (_, bytes)) in paths.iter().zip(&files) {
        write_atomic(path, bytes)?;
    }
    Ok(paths)
}

/// Articles of a theme listed whole in the terminal summary; a larger theme shows those nearest its centre
/// (a listing of 33,760 articles buried the rest of the summary), as the other lists stop at ten.
const LISTED_PER_THEME: usize = 10;

/// The terminal summary: themes with sizes, labels and keywords, then the articles of each theme (of a large
/// theme, those nearest its centre).
pub fn summary(report: &TopicsReport) -> String {
    let m = &report.meta;
    let mut s = String::new();
    let k_how = match m.k_choice {
        crate::cluster::KChoice::Auto { .. } => format!("chosen by silhouette {:.3}", m.silhouette),
        crate::cluster::KChoice::Fixed { .. } => format!("given; silhouette {:.3}", m.silhouette),
    };
    let _ = writeln!(
        s,
        "{} articles (+{} captions) from {} file(s), {} record(s) read, {} skipped; {} themes ({k_how}), seed {}",
        m.counts.articles, m.counts.captions, m.counts.files, m.counts.records, m.counts.skipped, m.k, m.seed
    );
    // The articles nearest the centres of the themes, found in one pass over the articles.
    let examples: std::collections::HashSet<&str> = report
        .clusters
        .iter()
        .flat_map(|c| c.examples.iter().map(String::as_str))
        .collect();
    let example_by_id: std::collections::HashMap<&str, &ArticleReport> = report
        .articles
        .iter()
        .filter(|a| examples.contains(a.id.as_str()))
        .map(|a| (a.id.as_str(), a))
        .collect();
    for c in &report.clusters {
        let words: Vec<&str> = c
            .keywords
            .iter()
            .take(10)
            .map(|k| k.word.as_str())
            .collect();
        let _ = writeln!(
            s,
            "\nTheme {} · {} [{}] · {} articles",
            c.id, c.label, c.theme, c.size
        );
        let _ = writeln!(s, "  keywords: {}", words.join(" "));
        let listed: Vec<&ArticleReport> = if c.size <= LISTED_PER_THEME {
            report
                .articles
                .iter()
                .filter(|a| a.cluster == c.id)
                .collect()
        } else {
            let _ = writeln!(s, "  nearest its centre:");
            c.examples
                .iter()
                .filter_map(|id| example_by_id.get(id.as_str()).copied())
                .collect()
        };
        for a in &listed {
            let county = a.county.as_deref().unwrap_or("(no county)");
            let own = if a.theme != c.theme {
                format!(" → {}", a.theme)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  - {county:<6} {}  ({:.2}{own})",
                display_title(&a.title),
                a.confidence
            );
        }
        if c.size > listed.len() {
            let _ = writeln!(
                s,
                "  … and {} more (articles.csv lists every article with its theme)",
                c.size - listed.len()
            );
        }
    }
    let mut by_theme: Vec<(String, usize)> = Vec::new();
    for a in &report.articles {
        match by_theme.iter_mut().find(|(t, _)| *t == a.theme) {
            Some((_, n)) => *n += 1,
            None => by_theme.push((a.theme.clone(), 1)),
        }
    }
    let parts: Vec<String> = by_theme
        .iter()
        .map(|(t, n)| format!("{} {} {n}", t, report.themes.label(t)))
        .collect();
    let _ = writeln!(s, "\nArticles by theme: {}", parts.join(", "));
    if !report.low_confidence.is_empty() {
        let _ = writeln!(
            s,
            "\n{} article(s) sit between two themes (confidence < {}):",
            report.low_confidence.len(),
            crate::topics::LOW_CONFIDENCE
        );
        for a in report
            .articles
            .iter()
            .filter(|a| a.confidence < crate::topics::LOW_CONFIDENCE)
            .take(10)
        {
            let _ = writeln!(
                s,
                "  - {} {}  (theme {} or {}, {:.3})",
                a.id,
                display_title(&a.title),
                a.cluster,
                a.runner_up,
                a.confidence
            );
        }
        if report.low_confidence.len() > 10 {
            let _ = writeln!(
                s,
                "  … and {} more (low_confidence in topics.json)",
                report.low_confidence.len() - 10
            );
        }
    }
    for sk in report.skipped.iter().take(10) {
        let line = sk.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(s, "skipped {}{line}: {}", sk.source, sk.reason);
    }
    if report.skipped.len() > 10 {
        let _ = writeln!(
            s,
            "… and {} more skipped (see skipped.csv)",
            report.skipped.len() - 10
        );
    }
    s
}

fn display_title(title: &str) -> String {
    if title.is_empty() {
        "(untitled)".into()
    } else {
        title.chars().filter(|c| !c.is_control()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parallel writer of topics.json gives the report pretty-printed in one piece, but for its
    /// articles, one a line in input order.
    #[test]
    fn topics_json_is_the_report_pretty_printed_with_one_article_a_line() {
        let report = crate::topics::run(&crate::topics::TopicsOptions::new()).unwrap();
        assert!(report.articles.len() > 10);
        let mut written = Vec::new();
        topics_json(&report, &mut written).unwrap();
        let written = String::from_utf8(written).unwrap();
        // Compared as parsed from text on both sides: serde_json's parser may round a float's last bit.
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        let whole = serde_json::to_string_pretty(&report).unwrap();
        assert!(
            parse(&written) == parse(&whole),
            "topics.json holds another report"
        );
        let article_lines: Vec<&str> = written
            .lines()
            .filter(|l| l.starts_with("    {\"id\":"))
            .collect();
        assert_eq!(article_lines.len(), report.articles.len());
        for (line, article) in article_lines.iter().zip(&report.articles) {
            let line = line.trim().trim_end_matches(',');
            assert_eq!(line, serde_json::to_string(article).unwrap());
        }
        let (before, rest) = whole.split_once("\n  \"articles\": [").unwrap();
        let after = &rest[rest.find("\n  ],\n").unwrap()..];
        assert!(written.starts_with(before) && written.ends_with(&format!("{after}\n")));
    }

    /// `articles.csv`, its rows rendered in parallel, is the table written a row at a time, in order.
    #[test]
    fn articles_csv_is_the_table_written_row_by_row() {
        let report = crate::topics::run(&crate::topics::TopicsOptions::new()).unwrap();
        assert!(report.articles.len() > 10);
        let rows = report.articles.iter().map(|a| article_row(&report, a));
        let mut serial = Vec::new();
        write_csv(&mut serial, &ARTICLES_HEADER, rows).unwrap();
        let mut written = Vec::new();
        articles_csv(&report, &mut written).unwrap();
        assert_eq!(written, serial);
        // Tasks of three rows, so that the seeds' articles are rendered by many writers.
        let mut in_tasks_of_three = Vec::new();
        write_csv_in_parallel(
            &mut in_tasks_of_three,
            &ARTICLES_HEADER,
            &report.articles,
            3,
            |a| article_row(&report, a),
        )
        .unwrap();
        assert_eq!(in_tasks_of_three, serial);
        let table = String::from_utf8(written).unwrap();
        let mut reader = csv::Reader::from_reader(table.trim_start_matches('\u{feff}').as_bytes());
        let ids: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        let expected: Vec<&str> = report.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, expected);
    }

    /// Fields that need quoting, over more blocks than are rendered at once, come out in order and as
    /// [`write_csv`] writes them.
    #[test]
    fn rows_rendered_in_parallel_keep_their_order_and_quoting() {
        let items: Vec<String> = (0..2 * RENDERED_AT_ONCE + 17)
            .map(|i| match i % 4 {
                0 => format!("第{i}条, 含逗号"),
                1 => format!("引号\"{i}\""),
                2 => format!("两行\n{i}"),
                _ => i.to_string(),
            })
            .collect();
        let row = |s: &String| [s.as_bytes().to_vec(), s.len().to_string().into_bytes()];
        let mut serial = Vec::new();
        write_csv(&mut serial, &["text", "bytes"], items.iter().map(row)).unwrap();
        let mut parallel = Vec::new();
        write_csv_in_parallel(&mut parallel, &["text", "bytes"], &items, 7, row).unwrap();
        assert_eq!(parallel, serial);
        let mut reader = csv::Reader::from_reader(&serial[BOM.len()..]);
        let read: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        assert_eq!(read, items);
    }
}
