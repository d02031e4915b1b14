//! Word clouds: words placed along an Archimedean spiral from the centre, largest first, each at the first
//! spot where its box overlaps no word placed before; font size by the square root of the weight.

use super::{clip, colour, draw_svg, font, plot_error, text_size, title, Chart, HEIGHT, WIDTH};
use crate::error::Result;
use crate::topics::{Keyword, TopicsReport};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const MAX_WORDS: usize = 80;
const MIN_SIZE: f64 = 16.0;
const MAX_SIZE: f64 = 96.0;

/// A placed word: text, font size, centre and box half-sizes.
struct Placed {
    word: String,
    weight: f64,
    size: f64,
    x: i32,
    y: i32,
    half: (i32, i32),
}

fn layout(words: &[Keyword], bounds: (i32, i32, i32, i32)) -> Vec<Placed> {
    let max = words
        .iter()
        .map(|k| k.weight)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let (x0, y0, x1, y1) = bounds;
    let centre = ((x0 + x1) / 2, (y0 + y1) / 2);
    let mut placed: Vec<Placed> = Vec::new();
    for k in words.iter().take(MAX_WORDS) {
        let size = MIN_SIZE + (MAX_SIZE - MIN_SIZE) * (k.weight / max).sqrt();
        let (w, h) = text_size(&k.word, size);
        let half = (w as i32 / 2 + 3, h as i32 / 2 + 2);
        let spot = (0..4000).find_map(|step| {
            let t = step as f64 * 0.12;
            let r = 2.2 * t;
            let x = centre.0 + (r * t.cos() * 1.5) as i32;
            let y = centre.1 + (r * t.sin()) as i32;
            let inside =
                x - half.0 >= x0 && x + half.0 <= x1 && y - half.1 >= y0 && y + half.1 <= y1;
            let free = placed.iter().all(|p| {
                (p.x - x).abs() >= p.half.0 + half.0 || (p.y - y).abs() >= p.half.1 + half.1
            });
            (inside && free).then_some((x, y))
        });
        if let Some((x, y)) = spot {
            placed.push(Placed {
                word: k.word.clone(),
                weight: k.weight,
                size,
                x,
                y,
                half,
            });
        }
    }
    placed
}

fn cloud_chart(
    name: String,
    heading: &str,
    words: &[Keyword],
    tint: Option<RGBColor>,
) -> Result<Chart> {
    let placed = layout(words, (20, 70, WIDTH as i32 - 20, HEIGHT as i32 - 10));
    let svg = draw_svg(|area| {
        title(area, heading)?;
        for (i, p) in placed.iter().enumerate() {
            let c = tint.unwrap_or_else(|| colour(i % 10));
            let style = font(p.size)
                .color(&c)
                .pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(p.word.clone(), (p.x, p.y), style))
                .map_err(plot_error)?;
        }
        Ok(())
    })?;
    let rows = placed
        .iter()
        .map(|p| {
            vec![
                p.word.clone(),
                format!("{:.4}", p.weight),
                format!("{:.1}", p.size),
                p.x.to_string(),
                p.y.to_string(),
            ]
        })
        .collect();
    Ok(Chart {
        name,
        title: heading.to_string(),
        svg,
        csv_header: vec!["word", "weight", "font_size", "x", "y"],
        csv_rows: rows,
    })
}

/// The corpus's word cloud (mean TF-IDF).
pub fn corpus_cloud(report: &TopicsReport) -> Result<Chart> {
    cloud_chart(
        "wordcloud".into(),
        "词云 Word cloud · 全部文章 corpus",
        &report.corpus_keywords,
        None,
    )
}

/// One theme's word cloud (c-TF-IDF).
pub fn cluster_cloud(report: &TopicsReport, id: usize) -> Result<Chart> {
    let c = &report.clusters[id];
    let heading = format!("词云 Word cloud · 主题 {} {}", c.id, clip(&c.label, 24));
    cloud_chart(
        format!("wordcloud_{id}"),
        &heading,
        &c.keywords,
        Some(colour(id)),
    )
}
