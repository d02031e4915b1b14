//! Charts and the HTML report: Chinese drawn with the embedded font, PNGs with real text, input escaped.

mod common;

use analyze::charts::{self, missing_glyphs};
use analyze::topics::{self, TopicsOptions};
use std::path::Path;

fn seed_report() -> topics::TopicsReport {
    topics::run(&TopicsOptions::new()).unwrap()
}

#[test]
fn the_font_covers_every_label_of_the_seed_charts() {
    let report = seed_report();
    let charts = charts::charts(&report).unwrap();
    let texts = charts.iter().flat_map(|c| {
        c.csv_rows
            .iter()
            .flatten()
            .map(String::as_str)
            .chain([c.title.as_str()])
    });
    let missing = missing_glyphs(texts);
    assert!(missing.is_empty(), "no glyph for {missing:?}");
    assert_eq!(missing_glyphs(["平遥县非遗市集"]).len(), 0);
    assert!(
        missing_glyphs(["𠀀"]).contains(&'𠀀'),
        "a rare character outside the subset is reported"
    );
}

/// Share of pixels in a box of a PNG whose red + green + blue is below `limit` (765 is white).
fn share_below(png: &[u8], (x0, y0, x1, y1): (u32, u32, u32, u32), limit: u32) -> f64 {
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).unwrap();
    let mut dark = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = pixmap.pixel(x, y).unwrap();
            if (p.red() as u32 + p.green() as u32 + p.blue() as u32) < limit {
                dark += 1;
            }
        }
    }
    dark as f64 / ((x1 - x0) * (y1 - y0)) as f64
}

#[test]
fn pngs_are_drawn_with_text_where_the_titles_are() {
    let report = seed_report();
    for chart in charts::charts(&report).unwrap() {
        let png = charts::svg_to_png(&chart.svg).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(
            (pixmap.width(), pixmap.height()),
            (1200, 800),
            "{}",
            chart.name
        );
        let title = if chart.name == "k_selection" {
            (300, 25, 900, 65)
        } else {
            (30, 15, 600, 55)
        };
        let share = share_below(&png, title, 300);
        assert!(
            share > 0.03,
            "{}: title band has {share:.3} dark pixels",
            chart.name
        );
        let body = share_below(&png, (0, 80, 1200, 800), 700);
        assert!(
            body > 0.01,
            "{}: the chart body is blank ({body:.4})",
            chart.name
        );
    }
}

#[test]
fn svg_charts_name_the_embedded_font_and_hold_the_chinese_labels() {
    let report = seed_report();
    let charts = charts::charts(&report).unwrap();
    let heatmap = charts.iter().find(|c| c.name == "theme_by_county").unwrap();
    assert!(heatmap.svg.contains("font-family=\"Noto Sans CJK SC\""));
    assert!(heatmap.svg.contains("平遥县") && heatmap.svg.contains("养老服务"));
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    for n in [
        "keywords",
        "themes",
        "cluster_map",
        "theme_by_county",
        "k_selection",
        "wordcloud",
        "wordcloud_0",
        "network",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
}

#[test]
fn word_cloud_and_network_labels_do_not_overlap() {
    let report = seed_report();
    for chart in charts::charts(&report)
        .unwrap()
        .iter()
        .filter(|c| c.name.starts_with("wordcloud"))
    {
        let boxes: Vec<(f64, f64, f64, f64)> = chart
            .csv_rows
            .iter()
            .map(|r| {
                let size: f64 = r[2].parse().unwrap();
                let (w, h) = charts::text_size(&r[0], size);
                (
                    r[3].parse().unwrap(),
                    r[4].parse().unwrap(),
                    w as f64 / 2.0,
                    h as f64 / 2.0,
                )
            })
            .collect();
        assert!(
            boxes.len() >= 10,
            "{} placed only {} words",
            chart.name,
            boxes.len()
        );
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart =
                    (a.0 - b.0).abs() >= a.2 + b.2 - 1.0 || (a.1 - b.1).abs() >= a.3 + b.3 - 1.0;
                assert!(apart, "{}: words overlap at {a:?} and {b:?}", chart.name);
            }
        }
    }
}

/// The report page of `topics -k 2` on some JSONL lines, written into `dir/out`.
fn page_of(dir: &Path, lines: &str) -> String {
    std::fs::write(dir.join("x.jsonl"), lines).unwrap();
    common::ok(dir, &["topics", "x.jsonl", "-k", "2", "-q", "-o", "out"]);
    std::fs::read_to_string(dir.join("out/index.html")).unwrap()
}

#[test]
fn input_text_is_escaped_in_html_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = [
        ("<script>alert(1)</script>", "<script>alert(2)</script>", "平遥县贺兰桥社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺。"),
        ("秋粮丰收", "宁国镇", "宁国镇秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红。"),
        ("社区网格", "平遥县", "平遥县社区网格员走访居民,收集诉求,党支部推动老旧小区改造,居民满意。"),
    ]
    .iter()
    .map(|(t, c, x)| serde_json::json!({"title": t, "county": c, "text": x}).to_string() + "\n")
    .collect();
    let html = page_of(dir.path(), &lines);
    assert!(!html.contains("<script>alert"), "raw script in the HTML");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the title is shown as text"
    );
    assert!(
        html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
        "the county is shown as text"
    );
    let svg = std::fs::read_to_string(dir.path().join("out/charts/theme_by_county.svg")).unwrap();
    assert!(!svg.contains("<script>"), "raw script in the SVG");
    assert!(
        svg.contains("&lt;script&gt;"),
        "the county label is escaped in the SVG"
    );
}

#[test]
fn the_report_page_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    common::ok(dir.path(), &["topics", "-q"]);
    let html = std::fs::read_to_string(dir.path().join("reports/index.html")).unwrap();
    assert!(
        html.contains("@font-face{font-family:'Noto Sans CJK SC';src:url(data:font/otf;base64,")
    );
    assert_eq!(
        html.matches("<svg ").count(),
        std::fs::read_dir(dir.path().join("reports/charts"))
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg"))
            .count()
    );
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    for needle in [
        "非遗与文化传承",
        "平遥县",
        "topics.json",
        "articles.csv",
        "charts/keywords.csv",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    assert!(Path::new(&dir.path().join("reports/charts/cluster_map.png")).exists());
}

/// A map of more articles than it draws shows every n-th one and says so; its CSV keeps them all.
#[test]
fn a_large_cluster_map_draws_every_nth_article_and_keeps_all_in_its_csv() {
    let map = |report: &topics::TopicsReport| {
        charts::charts(report)
            .unwrap()
            .into_iter()
            .find(|c| c.name == "cluster_map")
            .unwrap()
    };
    let mut report = seed_report();
    let small = map(&report);
    let legend = small.svg.matches("<circle").count() - report.articles.len();
    assert!(small.svg.contains("each point is an article"));
    report.articles = report
        .articles
        .iter()
        .cycle()
        .take(80_001)
        .cloned()
        .collect();
    let large = map(&report);
    // 80,001 articles and at most 40,000 points: every third is drawn, 26,667 in all.
    assert_eq!(large.svg.matches("<circle").count() - legend, 26_667);
    assert!(large.svg.contains("one point per 3 articles"));
    assert_eq!(large.csv_rows.len(), 80_001);
}

/// The page lists at most 100 skipped records and says where the rest are: at a million articles the
/// lists would be longer than anyone reads, and took minutes to build.
#[test]
fn the_report_page_cuts_long_lists_and_says_where_the_rest_are() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        "平遥县贺兰桥社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺。",
        "宁国镇秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红。",
        "平遥县社区网格员走访居民,收集诉求,党支部推动老旧小区改造,居民满意。",
    ];
    let lines: String = (0..153)
        .map(|i| {
            serde_json::json!({"id": format!("a{i}"), "text": texts[i % 3]}).to_string() + "\n"
        })
        .collect();
    let html = page_of(dir.path(), &lines);
    let skipped = html.split("<h2>未分析 Skipped</h2>").nth(1).unwrap();
    let skipped = skipped.split("</ul>").next().unwrap();
    assert_eq!(skipped.matches("duplicate text").count(), 100);
    assert!(
        skipped.contains("… and 50 more: all 150 in skipped.csv"),
        "{skipped}"
    );
}

/// The county table on the page shows the 30 largest counties and says where all of them are: a national
/// corpus names two thousand, and the page was a table of thousands of rows.
#[test]
fn the_county_table_on_the_page_shows_the_largest_counties() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        "社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺",
        "秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红",
    ];
    // 平遥县 has three articles, 县1 … 县34 one each.
    let lines: String = (0..37)
        .map(|i| {
            let county = if i < 3 {
                "平遥县".to_string()
            } else {
                format!("县{}", i - 2)
            };
            let text = format!("{}（第{i}期）", texts[i % 2]);
            serde_json::json!({"county": county, "text": text}).to_string() + "\n"
        })
        .collect();
    let html = page_of(dir.path(), &lines);
    let table = html.split("Counties and themes</h2>").nth(1).unwrap();
    let table = table.split("</table>").next().unwrap();
    assert_eq!(table.matches("<tr><td>").count(), 30, "{table}");
    assert!(table.contains("<tr><td>平遥县</td>"), "the largest first");
    assert!(
        table.contains("… and 5 more counties with 5 article(s)")
            && table.contains("charts/theme_by_county.csv"),
        "{table}"
    );
    let csv = std::fs::read_to_string(dir.path().join("out/charts/theme_by_county.csv")).unwrap();
    assert!(csv.contains("县34,"), "the CSV holds every county");
}

/// The number in `attribute="…"` of an SVG element's line.
fn attribute(line: &str, name: &str) -> f64 {
    let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    line[start..].split('"').next().unwrap().parse().unwrap()
}

/// A box in an SVG's pixels: left, top, right, bottom.
type Box = (f64, f64, f64, f64);
/// A circle in an SVG's pixels: centre and radius.
type Circle = (f64, f64, f64);

/// The box of the one-standard-error line's label (the white box drawn under it) in a k-selection chart,
/// and every point and ring drawn on the curve.
fn label_and_points(svg: &str) -> (Box, Vec<Circle>) {
    let lines: Vec<&str> = svg.lines().collect();
    let text = lines
        .iter()
        .position(|l| l.contains("standard error"))
        .unwrap();
    let rect = lines[..text]
        .iter()
        .rev()
        .find(|l| l.starts_with("<rect"))
        .unwrap();
    let (x, y) = (attribute(rect, "x"), attribute(rect, "y"));
    let label = (
        x,
        y,
        x + attribute(rect, "width"),
        y + attribute(rect, "height"),
    );
    let points = lines
        .iter()
        .filter(|l| l.starts_with("<circle"))
        .map(|l| (attribute(l, "cx"), attribute(l, "cy"), attribute(l, "r")))
        .collect();
    (label, points)
}

/// The label of the one-standard-error line meets no point of the curve nor the chosen k's ring: on the
/// seeds (the best k in the middle) and on a curve that rises to its last k, as news_34k's does, where the
/// ring of the chosen k was drawn over the label's end.
#[test]
fn the_standard_error_label_stays_clear_of_the_points() {
    let mut report = seed_report();
    let mut rising = report.clone();
    let scores = &mut rising.k_selection;
    for (i, s) in scores.iter_mut().enumerate() {
        s.k = 4 + i;
        s.silhouette = 0.10 + 0.04 * i as f64;
        s.silhouette_error = 0.002;
    }
    let last = scores.last().unwrap().k;
    rising.meta.k = last;
    for report in [&mut report, &mut rising] {
        let chart = charts::charts(report)
            .unwrap()
            .into_iter()
            .find(|c| c.name == "k_selection")
            .unwrap();
        let ((x0, y0, x1, y1), points) = label_and_points(&chart.svg);
        assert!(
            points.len() > report.k_selection.len(),
            "points and the ring"
        );
        for (cx, cy, r) in points {
            let apart = cx + r < x0 || cx - r > x1 || cy + r < y0 || cy - r > y1;
            assert!(
                apart,
                "a point at ({cx}, {cy}) meets the label at ({x0}, {y0})–({x1}, {y1})"
            );
        }
    }
}
