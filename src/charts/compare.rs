//! Charts of a comparison: theme shares with 95 % intervals, the group × theme heatmap, distinctive words,
//! and trends per period (lines broken where a group has no article; point size shows the article count).

use super::heatmap::{heatmap, CountyRow};
use super::{
    bars::hbars, clip, colour, draw_svg, font, plot_error, text_size, title, Chart, HEIGHT, WIDTH,
};
use crate::compare::Comparison;
use crate::error::Result;
use crate::topics::TopicsReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const MAX_GROUPS: usize = 8;

pub fn compare_charts(c: &Comparison, report: &TopicsReport) -> Result<Vec<Chart>> {
    let mut out = vec![shares(c, report)?, group_heatmap(c, report)?, keyness(c)?];
    if let Some(ca) = &c.correspondence {
        out.push(super::correspondence::correspondence_map(ca, &c.by)?);
    }
    if !c.periods.is_empty() {
        out.push(trend_panels(c, report)?);
        for t in &c.themes {
            out.push(trend_lines(c, report, t)?);
        }
    }
    Ok(out)
}

/// Said in a title when only the largest groups are drawn (all are in the CSV).
fn shown_note(c: &Comparison) -> String {
    if c.groups.len() > MAX_GROUPS {
        format!(
            "（前 {MAX_GROUPS} 组 top {MAX_GROUPS} of {}）",
            c.groups.len()
        )
    } else {
        String::new()
    }
}

fn legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    groups: &[String],
    y: i32,
) -> Result<()> {
    let mut x = 40;
    for (i, g) in groups.iter().enumerate() {
        let label = clip(g, 14);
        area.draw(&Rectangle::new(
            [(x, y), (x + 16, y + 16)],
            colour(i).filled(),
        ))
        .map_err(plot_error)?;
        area.draw(&Text::new(label.clone(), (x + 22, y - 2), font(16.0)))
            .map_err(plot_error)?;
        x += 40 + text_size(&label, 16.0).0 as i32;
    }
    Ok(())
}

/// Grouped bars: for each theme, each group's share with its 95 % Wilson interval.
fn shares(c: &Comparison, report: &TopicsReport) -> Result<Chart> {
    let groups: Vec<String> = c.groups.iter().take(MAX_GROUPS).cloned().collect();
    let (x0, y0, x1, y1) = (90, 120, WIDTH as i32 - 30, HEIGHT as i32 - 90);
    let slot = (x1 - x0) / c.themes.len().max(1) as i32;
    let bar = ((slot - 20) / groups.len().max(1) as i32).max(4);
    let y_of = |share: f64| y1 - (share * (y1 - y0) as f64) as i32;
    let svg = draw_svg(|area| {
        title(
            area,
            &format!(
                "主题占比 Theme share by {} · 95% 区间 intervals (Wilson){}",
                c.by,
                shown_note(c)
            ),
        )?;
        legend(area, &groups, 70)?;
        for tick in 0..=4 {
            let v = tick as f64 / 4.0;
            let y = y_of(v);
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                RGBColor(225, 225, 225),
            ))
            .map_err(plot_error)?;
            let style = font(15.0).pos(Pos::new(HPos::Right, VPos::Center));
            area.draw(&Text::new(format!("{:.0}%", v * 100.0), (x0 - 8, y), style))
                .map_err(plot_error)?;
        }
        for (ti, t) in c.themes.iter().enumerate() {
            let sx = x0 + ti as i32 * slot + 10;
            for (gi, g) in groups.iter().enumerate() {
                let Some(s) = c
                    .shares
                    .iter()
                    .find(|s| &s.group == g)
                    .and_then(|s| s.themes.get(ti))
                else {
                    continue;
                };
                let bx = sx + gi as i32 * bar;
                area.draw(&Rectangle::new(
                    [(bx, y_of(s.share)), (bx + bar - 2, y1)],
                    colour(gi).mix(0.85).filled(),
                ))
                .map_err(plot_error)?;
                let mid = bx + bar / 2 - 1;
                let whisker = RGBColor(40, 40, 40).stroke_width(2);
                area.draw(&PathElement::new(
                    vec![(mid, y_of(s.low)), (mid, y_of(s.high))],
                    whisker,
                ))
                .map_err(plot_error)?;
            }
            let label = clip(report.themes.label(t), (slot / 17).max(3) as usize);
            let style = font(17.0).pos(Pos::new(HPos::Center, VPos::Top));
            area.draw(&Text::new(label, (sx + slot / 2 - 10, y1 + 10), style))
                .map_err(plot_error)?;
            let id_style = font(13.0)
                .color(&RGBColor(110, 110, 110))
                .pos(Pos::new(HPos::Center, VPos::Top));
            area.draw(&Text::new(
                t.clone(),
                (sx + slot / 2 - 10, y1 + 36),
                id_style,
            ))
            .map_err(plot_error)?;
        }
        Ok(())
    })?;
    let table = c.shares_table();
    Ok(Chart {
        name: "compare_shares".into(),
        title: "主题占比 Theme share by group".into(),
        svg,
        csv_header: table.header,
        csv_rows: table.rows,
    })
}

fn group_heatmap(c: &Comparison, report: &TopicsReport) -> Result<Chart> {
    let table: Vec<CountyRow> = c
        .shares
        .iter()
        .map(|g| CountyRow {
            county: g.group.clone(),
            counts: g.themes.iter().map(|t| t.count).collect(),
            total: g.articles,
        })
        .collect();
    let heading = format!(
        "{} × 主题 Theme by {} · 占比与篇数 share and count",
        c.by, c.by
    );
    heatmap(
        report,
        "compare_heatmap",
        &heading,
        "group",
        &c.themes,
        &table,
    )
}

/// Distinctive words of each group (G² against the rest), one panel a group.
fn keyness(c: &Comparison) -> Result<Chart> {
    let groups: Vec<_> = c.keyness.iter().take(MAX_GROUPS).collect();
    let cols = if groups.len() <= 2 {
        groups.len().max(1)
    } else if groups.len() <= 6 {
        3
    } else {
        4
    };
    let rows = groups.len().div_ceil(cols).max(1);
    let svg = draw_svg(|area| {
        title(
            area,
            "特色词 Distinctive words · 对数似然 G² (词频: 本组:其余 counts group:rest)",
        )?;
        let panel_w = (WIDTH as i32 - 20) / cols as i32;
        let panel_h = (HEIGHT as i32 - 70) / rows as i32;
        let per = ((panel_h - 40) / 26).clamp(3, 12) as usize;
        for (i, k) in groups.iter().enumerate() {
            let px = 10 + (i % cols) as i32 * panel_w;
            let py = 65 + (i / cols) as i32 * panel_h;
            area.draw(&Text::new(
                clip(&k.group, 16),
                (px + 10, py + 5),
                font(18.0).color(&colour(i)),
            ))
            .map_err(plot_error)?;
            let items: Vec<(String, f64)> = k
                .words
                .iter()
                .take(per)
                .map(|w| {
                    (
                        format!("{} {}:{}", w.word, w.group_count, w.rest_count),
                        w.g2,
                    )
                })
                .collect();
            hbars(
                area,
                (px, py + 34, panel_w - 10, panel_h - 44),
                &items,
                &|_| colour(i),
                14.0,
                1,
            )?;
        }
        Ok(())
    })?;
    let table = c.keyness_table();
    Ok(Chart {
        name: "compare_keyness".into(),
        title: "特色词 Distinctive words".into(),
        svg,
        csv_header: table.header,
        csv_rows: table.rows,
    })
}

/// Draws one trend panel: a line per group, broken where a period has no article, points sized by count.
fn trend_panel(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    c: &Comparison,
    theme: &str,
    rect: (i32, i32, i32, i32),
    groups: &[String],
    label_every: usize,
) -> Result<()> {
    let (x0, y0, x1, y1) = rect;
    let n = c.periods.len().max(1);
    let x_of = |p: usize| {
        x0 + if n == 1 {
            (x1 - x0) / 2
        } else {
            (p as i32) * (x1 - x0) / (n as i32 - 1)
        }
    };
    let y_of = |s: f64| y1 - (s * (y1 - y0) as f64) as i32;
    area.draw(&PathElement::new(
        vec![(x0, y1), (x1, y1)],
        RGBColor(180, 180, 180),
    ))
    .map_err(plot_error)?;
    area.draw(&PathElement::new(
        vec![(x0, y0), (x0, y1)],
        RGBColor(180, 180, 180),
    ))
    .map_err(plot_error)?;
    for v in [0.5, 1.0] {
        area.draw(&PathElement::new(
            vec![(x0, y_of(v)), (x1, y_of(v))],
            RGBColor(235, 235, 235),
        ))
        .map_err(plot_error)?;
        let style = font(12.0)
            .color(&RGBColor(110, 110, 110))
            .pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(
            format!("{:.0}%", v * 100.0),
            (x0 - 3, y_of(v)),
            style,
        ))
        .map_err(plot_error)?;
    }
    for (p, label) in c
        .periods
        .iter()
        .enumerate()
        .filter(|(p, _)| p % label_every == 0)
    {
        let style = font(13.0)
            .color(&RGBColor(90, 90, 90))
            .pos(Pos::new(HPos::Center, VPos::Top));
        area.draw(&Text::new(label.clone(), (x_of(p), y1 + 4), style))
            .map_err(plot_error)?;
    }
    for (gi, g) in groups.iter().enumerate() {
        let points: Vec<(usize, f64, usize)> = c
            .trends
            .iter()
            .filter(|t| &t.group == g && t.theme == theme)
            .enumerate()
            .filter_map(|(p, t)| t.share.map(|s| (p, s, t.total)))
            .collect();
        for pair in points.windows(2).filter(|w| w[1].0 == w[0].0 + 1) {
            let line = vec![
                (x_of(pair[0].0), y_of(pair[0].1)),
                (x_of(pair[1].0), y_of(pair[1].1)),
            ];
            area.draw(&PathElement::new(line, colour(gi).stroke_width(2)))
                .map_err(plot_error)?;
        }
        for &(p, s, total) in &points {
            let r = (2.0 + (total as f64).sqrt()).min(9.0) as i32;
            let style = if total < 5 {
                colour(gi).stroke_width(2)
            } else {
                colour(gi).filled()
            };
            area.draw(&Circle::new((x_of(p), y_of(s)), r, style))
                .map_err(plot_error)?;
        }
    }
    Ok(())
}

/// Small multiples: one panel a theme.
fn trend_panels(c: &Comparison, report: &TopicsReport) -> Result<Chart> {
    let groups: Vec<String> = c.groups.iter().take(MAX_GROUPS).cloned().collect();
    let cols = if c.themes.len() <= 4 { 2 } else { 3 };
    let rows = c.themes.len().div_ceil(cols).max(1);
    let label_every = c.periods.len().div_ceil(6).max(1);
    let svg = draw_svg(|area| {
        let heading = "主题趋势 Theme share over time · 点大小=篇数 point size = articles, 空心<5 hollow under 5";
        title(area, &format!("{heading}{}", shown_note(c)))?;
        legend(area, &groups, 62)?;
        let panel_w = (WIDTH as i32 - 40) / cols as i32;
        let panel_h = (HEIGHT as i32 - 100) / rows as i32;
        for (i, t) in c.themes.iter().enumerate() {
            let px = 30 + (i % cols) as i32 * panel_w;
            let py = 100 + (i / cols) as i32 * panel_h;
            area.draw(&Text::new(
                format!("{} {t}", report.themes.label(t)),
                (px + 10, py),
                font(17.0),
            ))
            .map_err(plot_error)?;
            trend_panel(
                area,
                c,
                t,
                (px + 10, py + 30, px + panel_w - 30, py + panel_h - 30),
                &groups,
                label_every,
            )?;
        }
        Ok(())
    })?;
    let table = c.trends_table(None);
    Ok(Chart {
        name: "compare_trends".into(),
        title: "主题趋势 Theme share over time".into(),
        svg,
        csv_header: table.header,
        csv_rows: table.rows,
    })
}

/// One theme's share per period, a line per group.
fn trend_lines(c: &Comparison, report: &TopicsReport, theme: &str) -> Result<Chart> {
    let groups: Vec<String> = c.groups.iter().take(MAX_GROUPS).cloned().collect();
    let label_every = c.periods.len().div_ceil(12).max(1);
    let svg = draw_svg(|area| {
        title(
            area,
            &format!(
                "趋势 Trend · {} {theme} · 占比 share per {:?}",
                report.themes.label(theme),
                c.period.unwrap_or(crate::dates::Period::Month)
            ),
        )?;
        legend(area, &groups, 62)?;
        for tick in 0..=4 {
            let v = tick as f64 / 4.0;
            let y = HEIGHT as i32 - 60 - (v * (HEIGHT as i32 - 180) as f64) as i32;
            let style = font(14.0).pos(Pos::new(HPos::Right, VPos::Center));
            area.draw(&Text::new(format!("{:.0}%", v * 100.0), (62, y), style))
                .map_err(plot_error)?;
        }
        trend_panel(
            area,
            c,
            theme,
            (70, 120, WIDTH as i32 - 40, HEIGHT as i32 - 60),
            &groups,
            label_every,
        )
    })?;
    let table = c.trends_table(Some(theme));
    Ok(Chart {
        name: format!("trend_{theme}"),
        title: format!("趋势 Trend · {}", report.themes.label(theme)),
        svg,
        csv_header: table.header,
        csv_rows: table.rows,
    })
}
