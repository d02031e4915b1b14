//! `analyze kwic --chart`: how widely the words are written, as the share of articles that use them: a line
//! per word (or per group and word) over the periods of `--period`, or else a bar per group and word.

use super::{clip, colour, draw_svg, font, plot_error, Chart};
use crate::concordance::Count;
use crate::dates::Period;
use crate::error::Result;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Lines a trend chart holds before it keeps only the series with the most articles using the word.
const MAX_LINES: usize = 8;
/// Bars a share chart holds, likewise.
const MAX_BARS: usize = 25;
/// A period with fewer articles than this is drawn hollow: its share says little.
const FEW: usize = 5;

/// One line or bar: a word, in one group when counted by group.
struct Series<'c> {
    label: String,
    cells: Vec<&'c Count>,
}

/// The chart of a concordance's counts; `period`: the one they were counted by, if any.
pub fn kwic_chart(counts: &[Count], period: Option<Period>) -> Result<Chart> {
    let all = series(counts);
    let limit = if period.is_some() {
        MAX_LINES
    } else {
        MAX_BARS
    };
    let shown: Vec<&Series> = all.iter().take(limit).collect();
    let left_out = all.len() - shown.len();
    let words: Vec<&str> = unique(counts.iter().map(|c| c.term.as_str()));
    let mut heading = format!(
        "关键词 KWIC · 使用文章占比 share of articles using {}",
        words.join("、")
    );
    if left_out > 0 {
        heading += &format!(" · {} of {} most used", shown.len(), all.len());
    }
    let svg = match period {
        Some(period) => trend_svg(&heading, &shown, period)?,
        None => bars_svg(&heading, &shown, &words)?,
    };
    let rows = shown
        .iter()
        .flat_map(|s| &s.cells)
        .map(|c| {
            vec![
                c.group.clone().unwrap_or_default(),
                c.period.clone().unwrap_or_default(),
                c.term.clone(),
                c.articles.to_string(),
                c.with_term.to_string(),
                format!("{:.4}", c.share()),
                c.hits.to_string(),
            ]
        })
        .collect();
    Ok(Chart {
        name: if period.is_some() {
            "kwic_trend"
        } else {
            "kwic_share"
        }
        .into(),
        title: heading,
        svg,
        csv_header: vec![
            "group",
            "period",
            "term",
            "articles",
            "with_term",
            "share",
            "hits",
        ],
        csv_rows: rows,
    })
}

/// The series of the counts, those whose word is in the most articles first (ties in order of label).
fn series(counts: &[Count]) -> Vec<Series<'_>> {
    let mut by_label: BTreeMap<String, Vec<&Count>> = BTreeMap::new();
    for c in counts {
        let label = match &c.group {
            Some(group) => format!("{} · {}", clip(group, 12), c.term),
            None => c.term.clone(),
        };
        by_label.entry(label).or_default().push(c);
    }
    let mut all: Vec<Series> = by_label
        .into_iter()
        .map(|(label, cells)| Series { label, cells })
        .collect();
    let using = |s: &Series| s.cells.iter().map(|c| c.with_term).sum::<usize>();
    all.sort_by_key(|s| std::cmp::Reverse(using(s)));
    all
}

fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// A line per series over every period from the first to the last, in calendar order: a period where a
/// series has no article is a gap in its line, and undated articles are left out.
fn trend_svg(heading: &str, shown: &[&Series], period: Period) -> Result<String> {
    let index = |c: &Count| period.index_of_label(c.period.as_deref()?);
    let indices: Vec<i64> = shown
        .iter()
        .flat_map(|s| s.cells.iter().filter_map(|c| index(c)))
        .collect();
    let first = indices.iter().copied().min().unwrap_or(0);
    let last = indices.iter().copied().max().unwrap_or(0);
    let periods: Vec<String> = (first..=last).map(|i| period.label(i)).collect();
    let points = |s: &Series| -> Vec<(f64, f64, usize)> {
        s.cells
            .iter()
            .filter_map(|c| Some(((index(c)? - first) as f64, 100.0 * c.share(), c.articles)))
            .collect()
    };
    let top = shown
        .iter()
        .flat_map(|s| points(s))
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let n = periods.len().max(1);
    draw_svg(|area| {
        let mut chart = ChartBuilder::on(area)
            .caption(heading, font(26.0))
            .margin(30)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..(top * 1.15).max(1.0))
            .map_err(plot_error)?;
        let label_of = |x: &f64| {
            let i = x.round();
            match (i - x).abs() < 1e-6 && i >= 0.0 {
                true => periods
                    .get(i as usize)
                    .map_or(String::new(), |p| p.to_string()),
                false => String::new(),
            }
        };
        chart
            .configure_mesh()
            .x_desc("时期 period · 空心: 少于5篇 hollow: under 5 articles")
            .y_desc("使用该词的文章 % of articles")
            .x_labels(n.min(16))
            .x_label_formatter(&label_of)
            .y_label_formatter(&|y| format!("{y:.1}%"))
            .label_style(font(16.0))
            .axis_desc_style(font(18.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(plot_error)?;
        for (i, s) in shown.iter().enumerate() {
            let line = points(s);
            let style = colour(i).stroke_width(3);
            for pair in line.windows(2).filter(|w| w[1].0 == w[0].0 + 1.0) {
                chart
                    .draw_series(LineSeries::new(
                        [(pair[0].0, pair[0].1), (pair[1].0, pair[1].1)],
                        style,
                    ))
                    .map_err(plot_error)?;
            }
            chart
                .draw_series(line.iter().map(|&(x, y, articles)| match articles < FEW {
                    true => Circle::new((x, y), 5, colour(i).stroke_width(2)),
                    false => Circle::new((x, y), 5, colour(i).filled()),
                }))
                .map_err(plot_error)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour(i).filled())
                });
        }
        chart
            .configure_series_labels()
            .label_font(font(16.0))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(plot_error)?;
        Ok(())
    })
}

/// A bar per series: the share of its articles that use the word, with the counts behind it.
fn bars_svg(heading: &str, shown: &[&Series], words: &[&str]) -> Result<String> {
    // The most used at the top: the first bar is drawn at the bottom.
    let cells: Vec<(&str, &Count)> = shown
        .iter()
        .rev()
        .filter_map(|s| Some((s.label.as_str(), *s.cells.first()?)))
        .collect();
    let top = cells
        .iter()
        .map(|(_, c)| 100.0 * c.share())
        .fold(0.0f64, f64::max);
    let n = cells.len().max(1);
    draw_svg(|area| {
        let mut chart = ChartBuilder::on(area)
            .caption(heading, font(26.0))
            .margin(30)
            .x_label_area_size(50)
            .y_label_area_size(220)
            .build_cartesian_2d(0.0..(top * 1.3).clamp(1.0, 115.0), -0.5..(n as f64 - 0.5))
            .map_err(plot_error)?;
        let label_of = |y: &f64| {
            let i = y.round();
            match (i - y).abs() < 1e-6 && i >= 0.0 {
                true => cells
                    .get(i as usize)
                    .map_or(String::new(), |(l, _)| l.to_string()),
                false => String::new(),
            }
        };
        chart
            .configure_mesh()
            .x_desc("使用该词的文章 % of articles")
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| format!("{x:.1}%"))
            .disable_y_mesh()
            .label_style(font(16.0))
            .axis_desc_style(font(18.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(plot_error)?;
        // A colour a word, in the order they were asked for, so that the bars of several words tell apart.
        for (w, word) in words.iter().enumerate() {
            let bars = cells
                .iter()
                .enumerate()
                .filter(|(_, (_, c))| c.term == *word);
            chart
                .draw_series(bars.map(|(i, (_, c))| {
                    let y = i as f64;
                    Rectangle::new(
                        [(0.0, y - 0.35), (100.0 * c.share(), y + 0.35)],
                        colour(w).filled(),
                    )
                }))
                .map_err(plot_error)?
                .label(word.to_string())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour(w).filled())
                });
        }
        chart
            .draw_series(cells.iter().enumerate().map(|(i, (_, c))| {
                Text::new(
                    format!(
                        " {:.1}% ({}/{})",
                        100.0 * c.share(),
                        c.with_term,
                        c.articles
                    ),
                    (100.0 * c.share(), i as f64 + 0.2),
                    font(15.0),
                )
            }))
            .map_err(plot_error)?;
        chart
            .configure_series_labels()
            .label_font(font(16.0))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(plot_error)?;
        Ok(())
    })
}
