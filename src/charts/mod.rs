//! Charts of a topics report, as SVG and PNG, each with the CSV of the data behind it.
//!
//! plotters draws every chart as SVG with the embedded Noto Sans CJK SC font registered, so that label widths
//! are measured with the font that will show them; resvg rasterises the same SVG to PNG with the same font
//! loaded into its font database. The PNGs therefore show Chinese on a machine with no CJK font, and
//! typographically right (plotters' own bitmap text ignores glyph bearings).
//!
//! Before drawing, every label is checked against the font's character map; characters the font lacks are
//! reported once as a warning rather than drawn as boxes silently.

mod bars;
mod cloud;
mod compare;
mod correspondence;
mod heatmap;
mod kcurve;
mod kwic;
mod map;
mod network;

use crate::error::{Error, Result};
use crate::output::{write_atomic, write_atomic_with, write_csv};
use crate::topics::TopicsReport;
use plotters::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once, OnceLock};

pub use compare::compare_charts;
pub use heatmap::CountyRow;
pub use kwic::kwic_chart;

/// The county × theme table behind the heatmap: theme ids, and one row a county.
pub fn heatmap_table(report: &TopicsReport) -> (Vec<String>, Vec<CountyRow>) {
    let themes = report.theme_ids();
    let rows = heatmap::county_table(report, &themes);
    (themes, rows)
}

pub const FONT_BYTES: &[u8] = include_bytes!("../data/fonts/NotoSansCJKsc-Regular-subset.otf");
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 800;

/// Twelve colours that stay distinct side by side (Tableau 10 plus two), one per cluster.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
    RGBColor(31, 119, 180),
    RGBColor(140, 86, 75),
];

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Formats {
    pub svg: bool,
    pub png: bool,
}

/// One chart: its stable file stem, Chinese and English title, the SVG, and the data behind it.
pub struct Chart {
    pub name: String,
    pub title: String,
    pub svg: String,
    pub csv_header: Vec<&'static str>,
    pub csv_rows: Vec<Vec<String>>,
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the embedded font is a valid OpenType font"));
    });
}

pub fn font(size: f64) -> TextStyle<'static> {
    register_font();
    TextStyle::from((FONT_FAMILY, size).into_font()).color(&BLACK)
}

fn face() -> &'static ttf_parser::Face<'static> {
    static FACE: OnceLock<ttf_parser::Face<'static>> = OnceLock::new();
    FACE.get_or_init(|| ttf_parser::Face::parse(FONT_BYTES, 0).expect("the embedded font parses"))
}

/// Width and height in pixels of a text as drawn with `font(size)`. Measured from the font's advance widths
/// at the size plotters writes into the SVG (`size / 1.24`); plotters' own measure scales by line height
/// instead and comes out about 17 % narrower than what renders for this font.
pub fn text_size(text: &str, size: f64) -> (u32, u32) {
    let face = face();
    let em = size / 1.24;
    let per_unit = em / face.units_per_em() as f64;
    let width: f64 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(em, |a| a as f64 * per_unit)
        })
        .sum();
    let height = (face.ascender() as f64 - face.descender() as f64) * per_unit;
    (width.ceil() as u32, height.ceil() as u32)
}

/// Characters of `texts` that the embedded font has no glyph for.
pub fn missing_glyphs<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<char> {
    let face = face();
    texts
        .into_iter()
        .flat_map(str::chars)
        .filter(|c| !c.is_control() && !c.is_whitespace() && face.glyph_index(*c).is_none())
        .collect()
}

/// Rasterises an SVG with the embedded font.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>> {
    static FONTS: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(FONT_BYTES.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        Arc::new(db)
    });
    let options = resvg::usvg::Options {
        fontdb: fonts.clone(),
        font_family: FONT_FAMILY.to_string(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::Usage(format!("chart SVG: {e}")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error::Usage("chart has no size".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Usage(format!("PNG encoding: {e}")))
}

/// Draws on a fresh 1200×800 SVG and returns it.
pub fn draw_svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<()>,
) -> Result<String> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        draw(&root)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

pub fn plot_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Usage(format!("drawing a chart failed: {e}"))
}

/// A chart title across the top.
pub fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    text: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    area.draw(&Text::new(text.to_string(), (30, 22), font(30.0)))
        .map_err(|e| Error::Usage(format!("drawing a chart failed: {e}")))
}

/// Pushes apart labels whose boxes overlap (pixel positions, box half-sizes).
pub(crate) fn separate(pts: &mut [(f64, f64)], half: &[(f64, f64)], bounds: (f64, f64, f64, f64)) {
    for _ in 0..200 {
        let mut moved = false;
        for i in 0..pts.len() {
            for j in i + 1..pts.len() {
                let ox = half[i].0 + half[j].0 - (pts[i].0 - pts[j].0).abs();
                let oy = half[i].1 + half[j].1 - (pts[i].1 - pts[j].1).abs();
                if ox > 0.0 && oy > 0.0 {
                    moved = true;
                    let (sx, sy) = (
                        if pts[i].0 < pts[j].0 { -1.0 } else { 1.0 },
                        if pts[i].1 < pts[j].1 { -1.0 } else { 1.0 },
                    );
                    if oy < ox {
                        pts[i].1 += sy * oy / 2.0 + sy;
                        pts[j].1 -= sy * oy / 2.0 + sy;
                    } else {
                        pts[i].0 += sx * ox / 2.0 + sx;
                        pts[j].0 -= sx * ox / 2.0 + sx;
                    }
                }
            }
        }
        for (p, h) in pts.iter_mut().zip(half) {
            p.0 = p.0.clamp(bounds.0 + h.0, bounds.2 - h.0);
            p.1 = p.1.clamp(bounds.1 + h.1, bounds.3 - h.1);
        }
        if !moved {
            break;
        }
    }
}

/// Cuts a label to at most `max` characters, with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Every chart of a report, drawn side by side (each on its own, so in the same order and the same bytes
/// on any number of threads).
pub fn charts(report: &TopicsReport) -> Result<Vec<Chart>> {
    type Draw<'r> = Box<dyn Fn() -> Result<Chart> + Send + Sync + 'r>;
    let mut draws: Vec<Draw> = vec![
        Box::new(|| bars::keywords(report)),
        Box::new(|| bars::themes(report)),
        Box::new(|| map::cluster_map(report)),
        Box::new(|| heatmap::theme_by_county(report)),
    ];
    if !report.k_selection.is_empty() {
        draws.push(Box::new(|| kcurve::k_selection(report)));
    }
    draws.push(Box::new(|| cloud::corpus_cloud(report)));
    for c in &report.clusters {
        draws.push(Box::new(move || cloud::cluster_cloud(report, c.id)));
    }
    draws.push(Box::new(|| network::network_chart(report)));
    draws.par_iter().map(|draw| draw()).collect()
}

/// Writes each chart as SVG and/or PNG with its CSV; warns once about characters the font lacks.
pub fn write_charts(charts: &[Chart], out: &Path, formats: Formats) -> Result<Vec<PathBuf>> {
    let missing = missing_glyphs(
        charts
            .iter()
            .flat_map(|c| c.csv_rows.iter().flatten().map(String::as_str)),
    );
    if !missing.is_empty() {
        let list: String = missing.iter().take(40).collect();
        eprintln!(
            "warning: the chart font has no glyph for {} character(s), drawn as blanks: {list}",
            missing.len()
        );
    }
    // Side by side: rendering the PNGs is most of the time.
    let written: Vec<Vec<PathBuf>> = charts
        .par_iter()
        .map(|chart| write_chart(chart, out, formats))
        .collect::<Result<_>>()?;
    Ok(written.into_iter().flatten().collect())
}

/// Writes one chart's CSV, and its SVG and PNG as asked; returns the paths written.
fn write_chart(chart: &Chart, out: &Path, formats: Formats) -> Result<Vec<PathBuf>> {
    let base = out.join(crate::output::safe_name(&chart.name));
    let csv = base.with_extension("csv");
    // Streamed from the chart's rows: the map's are every article's, 100 MB at a million.
    write_atomic_with(&csv, |w| write_csv(w, &chart.csv_header, &chart.csv_rows))?;
    let mut written = vec![csv];
    if formats.svg {
        let path = base.with_extension("svg");
        write_atomic(&path, chart.svg.as_bytes())?;
        written.push(path);
    }
    if formats.png {
        let path = base.with_extension("png");
        write_atomic(&path, &svg_to_png(&chart.svg)?)?;
        written.push(path);
    }
    Ok(written)
}
