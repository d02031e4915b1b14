//! The cluster map: every article as a point at the first two principal components of its reduced vector,
//! coloured by cluster, with each cluster's label at the centre of its points and a legend.

use super::{
    clip, colour, draw_svg, font, plot_error, separate, text_size, title, Chart, HEIGHT, WIDTH,
};
use crate::error::Result;
use crate::topics::TopicsReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const LEGEND_W: i32 = 330;
/// Points drawn at most. Beyond it every `step`-th article is drawn (cluster_map.csv keeps them all), so that
/// the SVG, and the page that embeds it, stay a few megabytes at a million articles instead of a hundred.
const MAX_POINTS: usize = 40_000;

pub fn cluster_map(report: &TopicsReport) -> Result<Chart> {
    let points: Vec<[f64; 2]> = report.articles.iter().map(|a| a.map).collect();
    let (min, max) = bounds(&points);
    let plot = (40, 80, WIDTH as i32 - LEGEND_W - 40, HEIGHT as i32 - 40);
    let inner = (plot.0 + 30, plot.1 + 30, plot.2 - 30, plot.3 - 30);
    let to_px = |p: [f64; 2]| -> (i32, i32) {
        let fx = (p[0] - min[0]) / (max[0] - min[0]).max(1e-9);
        let fy = (p[1] - min[1]) / (max[1] - min[1]).max(1e-9);
        (
            inner.0 + (fx * (inner.2 - inner.0) as f64) as i32,
            inner.3 - (fy * (inner.3 - inner.1) as f64) as i32,
        )
    };
    let step = points.len().div_ceil(MAX_POINTS).max(1);
    let heading = match step {
        1 => "主题地图 Cluster map · 每个点是一篇文章 each point is an article (PCA)".to_string(),
        _ => format!("主题地图 Cluster map · 每{step}篇画一点 one point per {step} articles (PCA)"),
    };
    let radius = if points.len() > 2000 {
        2
    } else if points.len() > 300 {
        3
    } else {
        7
    };
    let svg = draw_svg(|area| {
        title(area, &heading)?;
        area.draw(&Rectangle::new(
            [(plot.0 - 10, plot.1 - 10), (plot.2 + 10, plot.3 + 10)],
            RGBColor(200, 200, 200),
        ))
        .map_err(plot_error)?;
        for (a, p) in report.articles.iter().zip(&points).step_by(step) {
            let c = colour(a.cluster);
            area.draw(&Circle::new(to_px(*p), radius, c.mix(0.75).filled()))
                .map_err(plot_error)?;
        }
        let labels: Vec<(usize, String, (i32, i32))> = report
            .clusters
            .iter()
            .filter_map(|c| {
                let members: Vec<[f64; 2]> = report
                    .articles
                    .iter()
                    .filter(|a| a.cluster == c.id)
                    .map(|a| a.map)
                    .collect();
                let n = members.len() as f64;
                let centre = [
                    members.iter().map(|p| p[0]).sum::<f64>() / n,
                    members.iter().map(|p| p[1]).sum::<f64>() / n,
                ];
                (!members.is_empty()).then(|| (c.id, short_label(report, c.id), to_px(centre)))
            })
            .collect();
        let half: Vec<(f64, f64)> = labels
            .iter()
            .map(|(_, t, _)| {
                let (w, h) = text_size(t, 18.0);
                (w as f64 / 2.0 + 5.0, h as f64 / 2.0 + 3.0)
            })
            .collect();
        let mut at: Vec<(f64, f64)> = labels
            .iter()
            .map(|(_, _, p)| (p.0 as f64, p.1 as f64))
            .collect();
        separate(
            &mut at,
            &half,
            (plot.0 as f64, plot.1 as f64, plot.2 as f64, plot.3 as f64),
        );
        for ((id, text, _), (p, h)) in labels.iter().zip(at.iter().zip(&half)) {
            let (x, y, hw, hh) = (p.0 as i32, p.1 as i32, h.0 as i32, h.1 as i32);
            area.draw(&Rectangle::new(
                [(x - hw, y - hh), (x + hw, y + hh)],
                WHITE.mix(0.85).filled(),
            ))
            .map_err(plot_error)?;
            let ink = colour(*id);
            area.draw(&Rectangle::new(
                [(x - hw, y - hh), (x + hw, y + hh)],
                ink.stroke_width(1),
            ))
            .map_err(plot_error)?;
            let style = font(18.0)
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(text.clone(), (x, y), style))
                .map_err(plot_error)?;
        }
        legend(area, report)
    })?;
    let rows = report
        .articles
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                format!("{:.4}", a.map[0]),
                format!("{:.4}", a.map[1]),
                a.cluster.to_string(),
                a.theme.clone(),
                a.title.clone(),
            ]
        })
        .collect();
    Ok(Chart {
        name: "cluster_map".into(),
        title: "主题地图 Cluster map".into(),
        svg,
        csv_header: vec!["id", "x", "y", "cluster", "theme", "title"],
        csv_rows: rows,
    })
}

/// `0 非遗与文化传承` or, where several clusters share a theme, `3 消防·安全` (its top keywords).
fn short_label(report: &TopicsReport, id: usize) -> String {
    let c = &report.clusters[id];
    let shared = report
        .clusters
        .iter()
        .filter(|o| o.theme == c.theme)
        .count()
        > 1;
    if shared || c.theme == crate::themes::OTHER {
        let words: Vec<&str> = c.keywords.iter().take(2).map(|k| k.word.as_str()).collect();
        format!("{id} {}", words.join("·"))
    } else {
        format!("{id} {}", report.themes.label(&c.theme))
    }
}

/// One entry a cluster: its theme label and size, then its top keywords in grey.
fn legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    report: &TopicsReport,
) -> Result<()> {
    let x = WIDTH as i32 - LEGEND_W + 10;
    let row = ((HEIGHT as i32 - 120) / report.clusters.len().max(1) as i32).min(54);
    let small = row < 40;
    for (i, c) in report.clusters.iter().enumerate() {
        let y = 90 + i as i32 * row;
        area.draw(&Circle::new((x + 8, y + 10), 8, colour(c.id).filled()))
            .map_err(plot_error)?;
        let head = clip(
            &format!("{} {} ({})", c.id, report.themes.label(&c.theme), c.size),
            18,
        );
        area.draw(&Text::new(
            head,
            (x + 24, y),
            font(if small { 14.0 } else { 17.0 }),
        ))
        .map_err(plot_error)?;
        if !small {
            let words: Vec<&str> = c.keywords.iter().take(4).map(|k| k.word.as_str()).collect();
            let grey = font(14.0).color(&RGBColor(110, 110, 110));
            area.draw(&Text::new(
                clip(&words.join(" "), 20),
                (x + 24, y + 22),
                grey,
            ))
            .map_err(plot_error)?;
        }
    }
    Ok(())
}

fn bounds(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for p in points {
        for d in 0..2 {
            min[d] = min[d].min(p[d]);
            max[d] = max[d].max(p[d]);
        }
    }
    if !min[0].is_finite() {
        return ([0.0; 2], [1.0; 2]);
    }
    (min, max)
}
