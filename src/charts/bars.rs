//! Horizontal bar charts: keywords of the corpus and of each theme, and the size of each theme.

use super::{clip, colour, draw_svg, font, plot_error, text_size, title, Chart, HEIGHT, WIDTH};
use crate::error::Result;
use crate::topics::{Keyword, TopicsReport};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Bars of (label, value) in a box `(x, y, w, h)` of `area`, values printed at the bar ends.
pub(super) fn hbars(
    area: &Area,
    rect: (i32, i32, i32, i32),
    items: &[(String, f64)],
    fill: &dyn Fn(usize) -> RGBColor,
    size: f64,
    digits: usize,
) -> Result<()> {
    let (x, y, w, h) = rect;
    if items.is_empty() {
        return Ok(());
    }
    let label_w = items
        .iter()
        .map(|(l, _)| text_size(l, size).0 as i32)
        .max()
        .unwrap_or(0)
        + 10;
    let value_w =
        text_size(&format!("{:.*}", digits, items[0].1.max(1.0) * 10.0), size).0 as i32 + 8;
    let bar_space = (w - label_w - value_w).max(20);
    let max = items
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let row = h / items.len() as i32;
    let bar_h = (row as f64 * 0.72) as i32;
    for (i, (label, value)) in items.iter().enumerate() {
        let top = y + i as i32 * row;
        let mid = top + row / 2;
        let label_style = font(size).pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(
            label.clone(),
            (x + label_w - 8, mid),
            label_style,
        ))
        .map_err(plot_error)?;
        let len = ((value / max) * bar_space as f64).round().max(1.0) as i32;
        let x0 = x + label_w;
        area.draw(&Rectangle::new(
            [(x0, mid - bar_h / 2), (x0 + len, mid + bar_h / 2)],
            fill(i).filled(),
        ))
        .map_err(plot_error)?;
        let value_style = font(size * 0.85)
            .color(&RGBColor(80, 80, 80))
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(
            format!("{value:.digits$}"),
            (x0 + len + 5, mid),
            value_style,
        ))
        .map_err(plot_error)?;
    }
    Ok(())
}

fn words(keywords: &[Keyword], n: usize) -> Vec<(String, f64)> {
    keywords
        .iter()
        .take(n)
        .map(|k| (k.word.clone(), k.weight))
        .collect()
}

/// Top words of the corpus (mean TF-IDF) and of each theme (c-TF-IDF), as small multiples.
pub fn keywords(report: &TopicsReport) -> Result<Chart> {
    let corpus = words(&report.corpus_keywords, 20);
    let clusters: Vec<_> = report.clusters.iter().take(12).collect();
    let cols = match clusters.len() {
        0..=4 => 2,
        5..=9 => 3,
        _ => 4,
    };
    let rows = clusters.len().div_ceil(cols).max(1);
    let svg = draw_svg(|area| {
        title(
            area,
            "关键词 Keywords · 全部文章（左）与各主题 corpus (left) and each theme",
        )?;
        let left_w = 330;
        area.draw(&Text::new("全部 corpus", (30, 80), font(20.0)))
            .map_err(plot_error)?;
        hbars(
            area,
            (20, 110, left_w - 20, HEIGHT as i32 - 130),
            &corpus,
            &|_| RGBColor(90, 90, 90),
            17.0,
            3,
        )?;
        let panel_w = (WIDTH as i32 - left_w - 20) / cols as i32;
        let panel_h = (HEIGHT as i32 - 80) / rows as i32;
        let per_panel = ((panel_h - 40) / 24).clamp(3, 10) as usize;
        for (i, c) in clusters.iter().enumerate() {
            let px = left_w + (i % cols) as i32 * panel_w;
            let py = 70 + (i / cols) as i32 * panel_h;
            let head = clip(
                &format!("{} {}", c.id, c.label),
                (panel_w / 18).max(6) as usize,
            );
            area.draw(&Text::new(
                head,
                (px + 10, py + 8),
                font(18.0).color(&colour(c.id)),
            ))
            .map_err(plot_error)?;
            let items = words(&c.keywords, per_panel);
            hbars(
                area,
                (px, py + 36, panel_w - 10, panel_h - 46),
                &items,
                &|_| colour(c.id),
                15.0,
                3,
            )?;
        }
        Ok(())
    })?;
    let mut rows_out: Vec<Vec<String>> = report
        .corpus_keywords
        .iter()
        .take(20)
        .map(|k| {
            vec![
                "corpus".into(),
                String::new(),
                k.word.clone(),
                format!("{:.4}", k.weight),
            ]
        })
        .collect();
    for c in &report.clusters {
        for k in &c.keywords {
            rows_out.push(vec![
                format!("cluster {}", c.id),
                c.label.clone(),
                k.word.clone(),
                format!("{:.4}", k.weight),
            ]);
        }
    }
    Ok(Chart {
        name: "keywords".into(),
        title: "关键词 Keywords".into(),
        svg,
        csv_header: vec!["scope", "label", "word", "weight"],
        csv_rows: rows_out,
    })
}

/// Number of articles in each theme (cluster), with its label.
pub fn themes(report: &TopicsReport) -> Result<Chart> {
    let items: Vec<(String, f64)> = report
        .clusters
        .iter()
        .map(|c| (clip(&format!("{} {}", c.id, c.label), 28), c.size as f64))
        .collect();
    let svg = draw_svg(|area| {
        title(
            area,
            "主题规模 Themes · 每个主题的文章数 articles per theme",
        )?;
        let height = (items.len() as i32 * 70).min(HEIGHT as i32 - 120);
        hbars(
            area,
            (30, 90, WIDTH as i32 - 60, height),
            &items,
            &colour,
            20.0,
            0,
        )
    })?;
    let rows = report
        .clusters
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.theme.clone(),
                c.label.clone(),
                c.size.to_string(),
            ]
        })
        .collect();
    Ok(Chart {
        name: "themes".into(),
        title: "主题规模 Themes".into(),
        svg,
        csv_header: vec!["cluster", "theme", "label", "articles"],
        csv_rows: rows,
    })
}
