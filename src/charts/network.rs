//! The keyword co-occurrence network, laid out with Fruchterman–Reingold forces from a fixed start (a
//! circle in keyword order), so the picture is the same on every run; a last pass pushes overlapping
//! labels apart.

use super::{colour, draw_svg, font, plot_error, separate, text_size, title, Chart, HEIGHT, WIDTH};
use crate::cooccur::Network;
use crate::error::Result;
use crate::topics::TopicsReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const ITERATIONS: usize = 400;

/// Fruchterman–Reingold positions in the unit square.
fn layout(net: &Network) -> Vec<(f64, f64)> {
    let n = net.nodes.len();
    if n == 0 {
        return Vec::new();
    }
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            (0.5 + 0.4 * a.cos(), 0.5 + 0.4 * a.sin())
        })
        .collect();
    let k = (1.0 / n as f64).sqrt();
    let mut temperature = 0.1;
    for _ in 0..ITERATIONS {
        let mut disp = vec![(0.0, 0.0); n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                    let d = (dx * dx + dy * dy).sqrt().max(1e-4);
                    let f = k * k / d;
                    disp[i].0 += dx / d * f;
                    disp[i].1 += dy / d * f;
                }
            }
        }
        for e in &net.edges {
            let (i, j) = (e.source, e.target);
            let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
            let d = (dx * dx + dy * dy).sqrt().max(1e-4);
            let f = d * d / k * (0.5 + e.jaccard);
            disp[i].0 -= dx / d * f;
            disp[i].1 -= dy / d * f;
            disp[j].0 += dx / d * f;
            disp[j].1 += dy / d * f;
        }
        for i in 0..n {
            // A pull to the centre keeps loosely connected words from the edges of the page.
            disp[i].0 += (0.5 - pos[i].0) * 4.0 * k;
            disp[i].1 += (0.5 - pos[i].1) * 4.0 * k;
            let len = (disp[i].0 * disp[i].0 + disp[i].1 * disp[i].1)
                .sqrt()
                .max(1e-9);
            let step = len.min(temperature);
            pos[i].0 = (pos[i].0 + disp[i].0 / len * step).clamp(0.0, 1.0);
            pos[i].1 = (pos[i].1 + disp[i].1 / len * step).clamp(0.0, 1.0);
        }
        temperature = (temperature * 0.985).max(0.002);
    }
    pos
}

/// The network without words that co-occur with none of the others.
fn connected(net: &Network) -> Network {
    let linked: Vec<bool> = (0..net.nodes.len())
        .map(|i| net.edges.iter().any(|e| e.source == i || e.target == i))
        .collect();
    let mut new_index = vec![usize::MAX; net.nodes.len()];
    let mut nodes = Vec::new();
    for (i, n) in net.nodes.iter().enumerate().filter(|(i, _)| linked[*i]) {
        new_index[i] = nodes.len();
        nodes.push(n.clone());
    }
    let edges = net
        .edges
        .iter()
        .map(|e| crate::cooccur::Edge {
            source: new_index[e.source],
            target: new_index[e.target],
            ..e.clone()
        })
        .collect();
    Network { nodes, edges }
}

pub fn network_chart(report: &TopicsReport) -> Result<Chart> {
    let net = &connected(&report.network);
    let unit = layout(net);
    let bounds = (40.0, 80.0, WIDTH as f64 - 40.0, HEIGHT as f64 - 30.0);
    let max_w = net
        .nodes
        .iter()
        .map(|n| n.weight)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let sizes: Vec<f64> = net
        .nodes
        .iter()
        .map(|n| 15.0 + 15.0 * (n.weight / max_w).sqrt())
        .collect();
    let half: Vec<(f64, f64)> = net
        .nodes
        .iter()
        .zip(&sizes)
        .map(|(n, &s)| {
            let (w, h) = text_size(&n.word, s);
            (w as f64 / 2.0 + 6.0, h as f64 / 2.0 + 4.0)
        })
        .collect();
    let mut pts: Vec<(f64, f64)> = unit
        .iter()
        .map(|&(x, y)| {
            (
                bounds.0 + 60.0 + x * (bounds.2 - bounds.0 - 120.0),
                bounds.1 + 20.0 + y * (bounds.3 - bounds.1 - 40.0),
            )
        })
        .collect();
    separate(&mut pts, &half, bounds);
    let max_j = net
        .edges
        .iter()
        .map(|e| e.jaccard)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let svg = draw_svg(|area| {
        title(
            area,
            "共现网络 Co-occurrence network · 同篇出现的关键词 keywords in the same articles",
        )?;
        for e in &net.edges {
            let (a, b) = (pts[e.source], pts[e.target]);
            let width = 1 + (4.0 * e.jaccard / max_j).round() as u32;
            let style = RGBColor(150, 150, 150)
                .mix(0.35 + 0.5 * e.jaccard / max_j)
                .stroke_width(width);
            area.draw(&PathElement::new(
                vec![(a.0 as i32, a.1 as i32), (b.0 as i32, b.1 as i32)],
                style,
            ))
            .map_err(plot_error)?;
        }
        for ((node, p), (s, h)) in net.nodes.iter().zip(&pts).zip(sizes.iter().zip(&half)) {
            let (x, y) = (p.0 as i32, p.1 as i32);
            let c = colour(node.cluster);
            area.draw(&Rectangle::new(
                [
                    (x - h.0 as i32, y - h.1 as i32),
                    (x + h.0 as i32, y + h.1 as i32),
                ],
                WHITE.mix(0.9).filled(),
            ))
            .map_err(plot_error)?;
            area.draw(&Rectangle::new(
                [
                    (x - h.0 as i32, y - h.1 as i32),
                    (x + h.0 as i32, y + h.1 as i32),
                ],
                c.stroke_width(2),
            ))
            .map_err(plot_error)?;
            let style = font(*s).color(&c).pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(node.word.clone(), (x, y), style))
                .map_err(plot_error)?;
        }
        Ok(())
    })?;
    let mut rows: Vec<Vec<String>> = net
        .edges
        .iter()
        .map(|e| {
            vec![
                net.nodes[e.source].word.clone(),
                net.nodes[e.target].word.clone(),
                e.articles.to_string(),
                format!("{:.4}", e.jaccard),
            ]
        })
        .collect();
    rows.extend(net.nodes.iter().zip(&pts).map(|(n, p)| {
        vec![
            n.word.clone(),
            String::new(),
            n.articles.to_string(),
            format!("node cluster {} at {:.0},{:.0}", n.cluster, p.0, p.1),
        ]
    }));
    Ok(Chart {
        name: "network".into(),
        title: "共现网络 Co-occurrence network".into(),
        svg,
        csv_header: vec!["word", "with", "articles", "jaccard"],
        csv_rows: rows,
    })
}
