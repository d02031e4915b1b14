//! The correspondence map of a comparison: the largest groups and their distinctive words on the first two
//! axes of a correspondence analysis, on one scale, as KH Coder draws it.

use super::{clip, draw_svg, font, plot_error, separate, text_size, title, Chart, HEIGHT, WIDTH};
use crate::correspondence::{Correspondence, MapPoint};
use crate::error::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const GROUP_INK: RGBColor = RGBColor(196, 58, 49);
const WORD_INK: RGBColor = RGBColor(70, 70, 70);

pub fn correspondence_map(ca: &Correspondence, by: &str) -> Result<Chart> {
    let plot = (60, 80, WIDTH as i32 - 40, HEIGHT as i32 - 60);
    let to_px = scale(ca, plot);
    let heading = format!("对应分析 Correspondence analysis · {by} 与特征词 and distinctive words");
    let svg = draw_svg(|area| {
        title(area, &heading)?;
        axes(area, ca, plot, &to_px, by)?;
        let points: Vec<(&MapPoint, bool)> = ca
            .rows
            .iter()
            .map(|p| (p, true))
            .chain(ca.columns.iter().map(|p| (p, false)))
            .collect();
        for &(p, is_group) in &points {
            let at = to_px(p);
            match is_group {
                true => area.draw(&Rectangle::new(
                    [(at.0 - 5, at.1 - 5), (at.0 + 5, at.1 + 5)],
                    GROUP_INK.filled(),
                )),
                false => area.draw(&Circle::new(at, 3, WORD_INK.mix(0.6).filled())),
            }
            .map_err(plot_error)?;
        }
        labels(area, &points, plot, &to_px)
    })?;
    let rows = [("group", &ca.rows), ("word", &ca.columns)]
        .into_iter()
        .flat_map(|(kind, points)| {
            points.iter().map(move |p| {
                vec![
                    kind.to_string(),
                    p.label.clone(),
                    format!("{:.6}", p.mass),
                    format!("{:.6}", p.x),
                    format!("{:.6}", p.y),
                ]
            })
        })
        .collect();
    Ok(Chart {
        name: "compare_correspondence".into(),
        title: "对应分析 Correspondence analysis".into(),
        svg,
        csv_header: vec!["kind", "label", "mass", "x", "y"],
        csv_rows: rows,
    })
}

/// Pixels of a point, one scale on both axes (a CA map's distances mean the same across and up).
fn scale(ca: &Correspondence, plot: (i32, i32, i32, i32)) -> impl Fn(&MapPoint) -> (i32, i32) {
    let all = || ca.rows.iter().chain(&ca.columns);
    let (x0, x1) = all().fold((0.0f64, 0.0f64), |(l, h), p| (l.min(p.x), h.max(p.x)));
    let (y0, y1) = all().fold((0.0f64, 0.0f64), |(l, h), p| (l.min(p.y), h.max(p.y)));
    let inner = (plot.0 + 70, plot.1 + 30, plot.2 - 70, plot.3 - 30);
    let per_unit = f64::min(
        f64::from(inner.2 - inner.0) / (x1 - x0).max(1e-9),
        f64::from(inner.3 - inner.1) / (y1 - y0).max(1e-9),
    );
    let centre = (
        f64::from(inner.0 + inner.2) / 2.0 - (x0 + x1) / 2.0 * per_unit,
        f64::from(inner.1 + inner.3) / 2.0 + (y0 + y1) / 2.0 * per_unit,
    );
    move |p: &MapPoint| {
        (
            (centre.0 + p.x * per_unit).round() as i32,
            (centre.1 - p.y * per_unit).round() as i32,
        )
    }
}

fn axes(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    ca: &Correspondence,
    plot: (i32, i32, i32, i32),
    to_px: &impl Fn(&MapPoint) -> (i32, i32),
    by: &str,
) -> Result<()> {
    let grey = RGBColor(200, 200, 200);
    area.draw(&Rectangle::new([(plot.0, plot.1), (plot.2, plot.3)], grey))
        .map_err(plot_error)?;
    let origin = to_px(&MapPoint {
        label: String::new(),
        mass: 0.0,
        x: 0.0,
        y: 0.0,
    });
    for line in [
        [(plot.0, origin.1), (plot.2, origin.1)],
        [(origin.0, plot.1), (origin.0, plot.3)],
    ] {
        area.draw(&PathElement::new(line.to_vec(), grey.stroke_width(1)))
            .map_err(plot_error)?;
    }
    let [first, second] = ca.explained.map(|e| e * 100.0);
    let note = font(17.0).color(&RGBColor(90, 90, 90));
    area.draw(&Text::new(
        format!("维度1 Dim 1 ({first:.1} %) →"),
        (plot.2 - 220, plot.3 + 12),
        note.clone(),
    ))
    .map_err(plot_error)?;
    area.draw(&Text::new(
        format!("↑ 维度2 Dim 2 ({second:.1} %)"),
        (plot.0, plot.1 - 26),
        note.clone(),
    ))
    .map_err(plot_error)?;
    let key = format!(
        "■ {by} (前 {n} 组 largest {n})   ● 词 word   近处 = 多用 near = used more",
        n = ca.rows.len()
    );
    area.draw(&Text::new(key, (plot.0, plot.3 + 12), note))
        .map_err(plot_error)?;
    Ok(())
}

/// Labels beside their points, pushed apart where they overlap, with a thin line back to a point whose
/// label had to move.
fn labels(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    points: &[(&MapPoint, bool)],
    plot: (i32, i32, i32, i32),
    to_px: &impl Fn(&MapPoint) -> (i32, i32),
) -> Result<()> {
    let size = |is_group: bool| if is_group { 19.0 } else { 15.0 };
    let texts: Vec<String> = points.iter().map(|(p, _)| clip(&p.label, 10)).collect();
    let half: Vec<(f64, f64)> = texts
        .iter()
        .zip(points)
        .map(|(t, &(_, g))| {
            let (w, h) = text_size(t, size(g));
            (f64::from(w) / 2.0 + 2.0, f64::from(h) / 2.0 + 1.0)
        })
        .collect();
    let anchors: Vec<(f64, f64)> = points
        .iter()
        .map(|(p, _)| {
            let (x, y) = to_px(p);
            (f64::from(x), f64::from(y) - 12.0)
        })
        .collect();
    let mut at = anchors.clone();
    let bounds = (plot.0, plot.1, plot.2, plot.3);
    separate(
        &mut at,
        &half,
        (
            f64::from(bounds.0),
            f64::from(bounds.1),
            f64::from(bounds.2),
            f64::from(bounds.3),
        ),
    );
    // Lines first, then the words' labels, then the groups' on top of everything.
    for (i, &(p, _)) in points.iter().enumerate() {
        let moved = (at[i].0 - anchors[i].0).hypot(at[i].1 - anchors[i].1);
        if moved > half[i].1 * 2.0 {
            let label = (at[i].0 as i32, at[i].1 as i32);
            area.draw(&PathElement::new(
                vec![to_px(p), label],
                RGBColor(180, 180, 180).stroke_width(1),
            ))
            .map_err(plot_error)?;
        }
    }
    for groups in [false, true] {
        for (i, &(_, is_group)) in points.iter().enumerate() {
            if is_group != groups {
                continue;
            }
            let (x, y) = (at[i].0 as i32, at[i].1 as i32);
            let (hw, hh) = (half[i].0 as i32, half[i].1 as i32);
            area.draw(&Rectangle::new(
                [(x - hw, y - hh), (x + hw, y + hh)],
                WHITE.mix(0.75).filled(),
            ))
            .map_err(plot_error)?;
            let ink = if is_group { GROUP_INK } else { WORD_INK };
            let style = font(size(is_group))
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(texts[i].clone(), (x, y), style))
                .map_err(plot_error)?;
        }
    }
    Ok(())
}
