//! Theme by county: the share (and count) of each county's articles in each theme, as a heatmap.

use super::{clip, draw_svg, font, plot_error, title, Chart, HEIGHT, WIDTH};
use crate::error::Result;
use crate::topics::TopicsReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

const MAX_COUNTIES: usize = 20;

/// One county's articles per theme.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyRow {
    pub county: String,
    /// Articles in each theme, in the order of the theme list.
    pub counts: Vec<usize>,
    pub total: usize,
}

/// Rows of counties, largest first; articles without a county under "(无县 none)".
pub fn county_table(report: &TopicsReport, themes: &[String]) -> Vec<CountyRow> {
    let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for a in &report.articles {
        let county = a.county.clone().unwrap_or_else(|| "(无县 none)".into());
        let row = by.entry(county).or_insert_with(|| vec![0; themes.len()]);
        if let Some(t) = themes.iter().position(|t| *t == a.theme) {
            row[t] += 1;
        }
    }
    let mut rows: Vec<CountyRow> = by
        .into_iter()
        .map(|(county, counts)| CountyRow {
            total: counts.iter().sum(),
            county,
            counts,
        })
        .collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.county.cmp(&b.county)));
    rows
}

pub fn theme_by_county(report: &TopicsReport) -> Result<Chart> {
    let themes = report.theme_ids();
    let table = county_table(report, &themes);
    let heading = "县 × 主题 Theme by county · 文章占比与篇数 share and count";
    heatmap(
        report,
        "theme_by_county",
        heading,
        "county",
        &themes,
        &table,
    )
}

/// A heatmap of rows (counties or other groups) × themes: each row's share of articles per theme, and counts.
pub fn heatmap(
    report: &TopicsReport,
    name: &str,
    heading: &str,
    row_name: &'static str,
    themes: &[String],
    table: &[CountyRow],
) -> Result<Chart> {
    let shown: Vec<_> = table.iter().take(MAX_COUNTIES).collect();
    let svg = draw_svg(|area| {
        let note = if table.len() > MAX_COUNTIES {
            format!("（前 {MAX_COUNTIES} top {MAX_COUNTIES}）")
        } else {
            String::new()
        };
        title(area, &format!("{heading}{note}"))?;
        let (left, top) = (190, 150);
        let cell_w = (WIDTH as i32 - left - 120) / themes.len().max(1) as i32;
        let cell_h = ((HEIGHT as i32 - top - 20) / shown.len().max(1) as i32).min(60);
        for (j, t) in themes.iter().enumerate() {
            let x = left + j as i32 * cell_w + cell_w / 2;
            let label = clip(report.themes.label(t), 9);
            let style = font(17.0).pos(Pos::new(HPos::Center, VPos::Bottom));
            area.draw(&Text::new(label, (x, top - 30), style.clone()))
                .map_err(plot_error)?;
            let id_style = font(14.0)
                .color(&RGBColor(100, 100, 100))
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            area.draw(&Text::new(t.clone(), (x, top - 8), id_style))
                .map_err(plot_error)?;
        }
        let total_x = left + themes.len() as i32 * cell_w + 50;
        let total_style = font(15.0).pos(Pos::new(HPos::Center, VPos::Bottom));
        area.draw(&Text::new("篇数 n", (total_x, top - 8), total_style))
            .map_err(plot_error)?;
        for (
            i,
            CountyRow {
                county,
                counts,
                total,
            },
        ) in shown.iter().enumerate()
        {
            let y = top + i as i32 * cell_h;
            let style = font(17.0).pos(Pos::new(HPos::Right, VPos::Center));
            area.draw(&Text::new(
                clip(county, 9),
                (left - 10, y + cell_h / 2),
                style,
            ))
            .map_err(plot_error)?;
            for (j, &n) in counts.iter().enumerate() {
                let share = n as f64 / (*total).max(1) as f64;
                let x = left + j as i32 * cell_w;
                let fill = shade(share);
                area.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + cell_w - 1, y + cell_h - 1)],
                    fill.filled(),
                ))
                .map_err(plot_error)?;
                let ink = if share > 0.55 { WHITE } else { BLACK };
                let text = if n == 0 {
                    "·".to_string()
                } else {
                    format!("{:.0}% ({n})", share * 100.0)
                };
                let style = font(15.0)
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                area.draw(&Text::new(text, (x + cell_w / 2, y + cell_h / 2), style))
                    .map_err(plot_error)?;
            }
            let style = font(15.0).pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(
                total.to_string(),
                (total_x, y + cell_h / 2),
                style,
            ))
            .map_err(plot_error)?;
        }
        Ok(())
    })?;
    let mut rows = Vec::new();
    for CountyRow {
        county,
        counts,
        total,
    } in table
    {
        for (t, &n) in themes.iter().zip(counts) {
            rows.push(vec![
                county.clone(),
                t.clone(),
                report.themes.label(t).to_string(),
                n.to_string(),
                total.to_string(),
                format!("{:.4}", n as f64 / (*total).max(1) as f64),
            ]);
        }
    }
    Ok(Chart {
        name: name.into(),
        title: heading.split(" · ").next().unwrap_or(heading).into(),
        svg,
        csv_header: vec![row_name, "theme", "label", "articles", "total", "share"],
        csv_rows: rows,
    })
}

/// White to dark blue by share.
fn shade(share: f64) -> RGBColor {
    let s = share.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * s).round() as u8;
    RGBColor(lerp(247.0, 8.0), lerp(251.0, 69.0), lerp(255.0, 148.0))
}
