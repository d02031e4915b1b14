//! Choosing k: the silhouette of each k tried by `-k auto` with its standard error, the line one standard
//! error below the best, and the chosen k (the smallest that reaches the line) marked.

use super::{colour, draw_svg, font, plot_error, text_size, Chart};
use crate::error::Result;
use crate::topics::TopicsReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub fn k_selection(report: &TopicsReport) -> Result<Chart> {
    let scores = &report.k_selection;
    let ks: Vec<usize> = scores.iter().map(|s| s.k).collect();
    let (k_min, k_max) = (
        *ks.iter().min().unwrap_or(&2),
        *ks.iter().max().unwrap_or(&2),
    );
    let (lo, hi) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| {
            (
                l.min(s.silhouette - s.silhouette_error),
                h.max(s.silhouette + s.silhouette_error),
            )
        });
    let pad = ((hi - lo) * 0.15).max(0.005);
    let chosen = report.meta.k;
    let caption = match scores.first().map(|s| s.documents) {
        Some(sample) if sample < report.meta.counts.articles => format!(
            "选择主题数 Choosing k · 轮廓系数 silhouette (cosine) · 抽样 sample of {sample} articles"
        ),
        _ => "选择主题数 Choosing k · 轮廓系数 silhouette (cosine)".to_string(),
    };
    let svg = draw_svg(|area| {
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font(30.0))
            .margin(30)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(
                (k_min as f64 - 0.5)..(k_max as f64 + 0.5),
                (lo - pad)..(hi + pad),
            )
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc("主题数 k")
            .y_desc("轮廓系数 silhouette")
            .x_labels((k_max - k_min + 1).min(20))
            .x_label_formatter(&|x| format!("{:.0}", x))
            .y_label_formatter(&|y| format!("{:.3}", y))
            .label_style(font(18.0))
            .axis_desc_style(font(20.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(plot_error)?;
        let whiskers = scores.iter().map(|s| {
            let (k, e) = (s.k as f64, s.silhouette_error);
            PathElement::new(
                vec![(k, s.silhouette - e), (k, s.silhouette + e)],
                colour(0).mix(0.6).stroke_width(2),
            )
        });
        chart.draw_series(whiskers).map_err(plot_error)?;
        if let Some(floor) = floor(scores) {
            let ends = [(k_min as f64 - 0.5, floor), (k_max as f64 + 0.5, floor)];
            chart
                .draw_series(DashedLineSeries::new(
                    ends,
                    8,
                    6,
                    RGBColor(150, 150, 150).stroke_width(2),
                ))
                .map_err(plot_error)?;
            // On a white box, which whiskers run behind, at an end of the line where no point lies on it.
            let label = "最佳减一个标准误 best - 1 standard error";
            let (w, h) = text_size(label, 16.0);
            let (w, h) = (w as i32, h as i32);
            let places = [
                (
                    k_max as f64 + 0.45,
                    HPos::Right,
                    VPos::Bottom,
                    [(-w - 4, -h - 3), (3, 1)],
                ),
                (
                    k_max as f64 + 0.45,
                    HPos::Right,
                    VPos::Top,
                    [(-w - 4, -1), (3, h + 3)],
                ),
                (
                    k_min as f64 - 0.45,
                    HPos::Left,
                    VPos::Bottom,
                    [(-3, -h - 3), (w + 4, 1)],
                ),
                (
                    k_min as f64 - 0.45,
                    HPos::Left,
                    VPos::Top,
                    [(-3, -1), (w + 4, h + 3)],
                ),
            ];
            let marks: Vec<((i32, i32), i32)> = scores
                .iter()
                .map(|s| {
                    let at = chart.backend_coord(&(s.k as f64, s.silhouette));
                    (at, if s.k == chosen { 14 } else { 7 })
                })
                .collect();
            // Just off the line, above or below it, so that the box leaves the line in view.
            let anchor = |x: f64, v_pos: VPos| match v_pos {
                VPos::Bottom => (x, floor + pad * 0.05),
                _ => (x, floor - pad * 0.05),
            };
            let meets =
                |&(x, _, v_pos, [(x0, y0), (x1, y1)]): &(f64, HPos, VPos, [(i32, i32); 2])| {
                    let (ax, ay) = chart.backend_coord(&anchor(x, v_pos));
                    marks
                        .iter()
                        .filter(|&&((px, py), r)| {
                            px + r >= ax + x0
                                && px - r <= ax + x1
                                && py + r >= ay + y0
                                && py - r <= ay + y1
                        })
                        .count()
                };
            let &(x, h_pos, v_pos, corners) = places
                .iter()
                .min_by_key(|place| meets(place))
                .expect("four places");
            let style = font(16.0)
                .color(&RGBColor(120, 120, 120))
                .pos(Pos::new(h_pos, v_pos));
            let boxed = EmptyElement::at(anchor(x, v_pos))
                + Rectangle::new(corners, WHITE.mix(0.9).filled())
                + Text::new(label, (0, 0), style);
            chart
                .draw_series(std::iter::once(boxed))
                .map_err(plot_error)?;
        }
        let line: Vec<(f64, f64)> = scores.iter().map(|s| (s.k as f64, s.silhouette)).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), colour(0).stroke_width(3)))
            .map_err(plot_error)?;
        chart
            .draw_series(line.iter().map(|&p| Circle::new(p, 6, colour(0).filled())))
            .map_err(plot_error)?;
        if let Some(best) = scores.iter().find(|s| s.k == chosen) {
            let p = (best.k as f64, best.silhouette);
            chart
                .draw_series(std::iter::once(Circle::new(
                    p,
                    11,
                    colour(2).stroke_width(3),
                )))
                .map_err(plot_error)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("k = {chosen}"),
                    (p.0 + 0.15, p.1 + pad * 0.4),
                    font(20.0).color(&colour(2)),
                )))
                .map_err(plot_error)?;
        }
        Ok(())
    })?;
    let rows = scores
        .iter()
        .map(|s| {
            vec![
                s.k.to_string(),
                format!("{:.6}", s.silhouette),
                format!("{:.6}", s.silhouette_error),
                format!("{:.6}", s.inertia),
                (s.k == chosen).to_string(),
                s.documents.to_string(),
            ]
        })
        .collect();
    Ok(Chart {
        name: "k_selection".into(),
        title: "选择主题数 Choosing k".into(),
        svg,
        csv_header: vec![
            "k",
            "silhouette",
            "silhouette_error",
            "inertia",
            "chosen",
            "documents",
        ],
        csv_rows: rows,
    })
}

/// The line the chosen k reaches: the best silhouette less its standard error.
fn floor(scores: &[crate::cluster::KScore]) -> Option<f64> {
    scores
        .iter()
        .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
        .map(|b| b.silhouette - b.silhouette_error)
}
