//! `analyze kwic`: every occurrence of the words asked for, with its context, on the seed pages and on
//! records made of their articles; counts per group and period that add up; whole words; order; a reader
//! that stops early.

mod common;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// The CSV rows `kwic --format csv` prints, as maps from column to value.
fn csv_rows(stdout: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(stdout);
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn without_whitespace(text: &str) -> String {
    text.split_whitespace().collect()
}

/// The seed pages' articles as JSONL records, each with a date and a county field.
fn dated_records(dates: &[&str]) -> Vec<serde_json::Value> {
    let pages = analyze::read::read_inputs(&[seeds()], &Default::default()).unwrap();
    analyze::split::articles_from_records(pages.records)
        .into_iter()
        .filter(|a| a.kind == analyze::split::ArticleKind::Article)
        .enumerate()
        .map(|(i, a)| {
            serde_json::json!({"id": a.id, "title": a.title, "text": a.text, "date": dates[i % dates.len()]})
        })
        .collect()
}

fn write_jsonl(path: &Path, records: &[serde_json::Value]) {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

#[test]
fn every_occurrence_in_the_seed_pages_is_found_with_its_context() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::ok(
        dir.path(),
        &["kwic", "-w", "非遗,养老", "--format", "csv", "-q"],
    );
    let rows = csv_rows(&out.stdout);
    let pages: Vec<String> = std::fs::read_dir(seeds())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for term in ["非遗", "养老"] {
        let written: usize = pages.iter().map(|p| p.matches(term).count()).sum();
        let found = rows.iter().filter(|r| r["term"] == term).count();
        assert_eq!(
            found, written,
            "{term}: every occurrence in the pages, once"
        );
    }
    // The splitter joins a page's lines broken in mid-sentence: compared without whitespace.
    let bare: Vec<String> = pages.iter().map(|p| without_whitespace(p)).collect();
    for row in &rows {
        let (left, right) = (&row["left"], &row["right"]);
        assert!(
            left.chars().count() <= 20 && right.chars().count() <= 20,
            "{row:?}"
        );
        assert!(!left.contains('\n') && !right.contains('\n'), "{row:?}");
        let line = without_whitespace(&format!("{left}{}{right}", row["term"]));
        assert!(
            bare.iter().any(|p| p.contains(&line)),
            "the context is the page's own text: {line}"
        );
        assert!(["title", "subtitle", "text", "caption"].contains(&row["field"].as_str()));
    }
    // The aligned text format: the word stands in the same column on every line.
    let text = common::ok(dir.path(), &["kwic", "-w", "非遗", "--width", "8", "-q"]);
    let lines = String::from_utf8(text.stdout).unwrap();
    assert_eq!(
        lines.lines().count(),
        rows.iter().filter(|r| r["term"] == "非遗").count()
    );
    for line in lines.lines() {
        let before: String = line.split("  非遗  ").next().unwrap().to_string();
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(before.as_str()),
            16,
            "{line}"
        );
    }
}

#[test]
fn counts_per_county_and_year_add_up_to_the_hits_and_articles() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = dated_records(&["2024-05-01", "20250301", "no date"]);
    let repeat = records[0].clone();
    let mut repeat = repeat.as_object().unwrap().clone();
    repeat.insert("id".into(), "reprint".into());
    records.push(serde_json::Value::Object(repeat));
    records.push(serde_json::json!({"id": "empty", "text": ""}));
    write_jsonl(&dir.path().join("news.jsonl"), &records);
    let hits = common::ok(
        dir.path(),
        &["kwic", "news.jsonl", "-w", "非遗,党建", "--format", "csv"],
    );
    let hit_rows = csv_rows(&hits.stdout);
    let summary = common::stderr(&hits);
    let articles = records.len() - 2;
    assert!(
        summary.contains(&format!(
            "in {articles} article(s) from {} record(s)",
            records.len()
        )),
        "{summary}"
    );
    assert!(summary.contains("1 repeat(s)"), "{summary}");
    assert!(
        summary.contains(&format!("news.jsonl:{}: empty `text`", records.len())),
        "the skipped record is named with its line: {summary}"
    );

    // With --strict the first record skipped stops the run, before any hit of its chunk is printed.
    let strict = common::run(
        dir.path(),
        &["kwic", "news.jsonl", "-w", "非遗", "--strict"],
    );
    assert_eq!(strict.status.code(), Some(1));
    assert!(strict.stdout.is_empty());
    assert!(
        common::stderr(&strict).contains(&format!("news.jsonl:{}: empty `text`", records.len())),
        "{}",
        common::stderr(&strict)
    );

    let counted = common::ok(
        dir.path(),
        &[
            "kwic",
            "news.jsonl",
            "-w",
            "非遗,党建",
            "--by",
            "county",
            "--period",
            "year",
            "--format",
            "csv",
            "-q",
        ],
    );
    let cells = csv_rows(&counted.stdout);
    let periods: std::collections::BTreeSet<&str> =
        cells.iter().map(|c| c["period"].as_str()).collect();
    assert_eq!(
        periods.into_iter().collect::<Vec<_>>(),
        ["(无 none)", "2024", "2025"],
        "undated articles have a period of their own"
    );
    for term in ["非遗", "党建"] {
        let of_term: Vec<_> = cells.iter().filter(|c| c["term"] == term).collect();
        let total = |column: &str| -> usize {
            of_term
                .iter()
                .map(|c| c[column].parse::<usize>().unwrap())
                .sum()
        };
        assert_eq!(
            total("articles"),
            articles,
            "{term}: each article in one cell"
        );
        assert_eq!(
            total("hits"),
            hit_rows.iter().filter(|r| r["term"] == term).count()
        );
        let with_term: std::collections::BTreeSet<&str> = hit_rows
            .iter()
            .filter(|r| r["term"] == term)
            .map(|r| r["id"].as_str())
            .collect();
        assert_eq!(total("with_term"), with_term.len());
        for c in &of_term {
            let (n, with) = (
                c["articles"].parse::<f64>().unwrap(),
                c["with_term"].parse::<f64>().unwrap(),
            );
            assert!(
                (c["share"].parse::<f64>().unwrap() - with / n).abs() < 1e-4,
                "{c:?}"
            );
        }
    }
    // The county of a hit is the county its cell is counted under.
    for hit in &hit_rows {
        let county = if hit["county"].is_empty() {
            "(无 none)"
        } else {
            hit["county"].as_str()
        };
        assert!(cells
            .iter()
            .any(|c| c["group"] == county && c["term"] == hit["term"] && c["hits"] != "0"));
    }
}

#[test]
fn whole_words_leave_out_the_word_inside_a_longer_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = "村里建设养老院，推动养老服务发展，大家关心养老问题。";
    write_jsonl(
        &dir.path().join("a.jsonl"),
        &[serde_json::json!({"id": "a", "title": "标题", "text": text})],
    );
    let rows = |extra: &[&str]| {
        let out = common::ok(
            dir.path(),
            &[
                &["kwic", "a.jsonl", "-w", "养老", "--format", "csv", "-q"],
                extra,
            ]
            .concat(),
        );
        csv_rows(&out.stdout)
    };
    let anywhere = rows(&[]);
    let whole = rows(&["--whole-words"]);
    assert_eq!(
        anywhere.len(),
        3,
        "as written, also inside 养老院 and 养老服务"
    );
    assert!(!whole.is_empty() && whole.len() < anywhere.len());
    assert!(
        whole.iter().all(|r| !r["right"].starts_with('院')),
        "{whole:?}"
    );
    assert!(whole.iter().all(|w| anywhere.contains(w)));
}

#[test]
fn sorting_by_either_side_keeps_every_hit() {
    let dir = tempfile::tempdir().unwrap();
    let rows = |sort: &str| {
        let out = common::ok(
            dir.path(),
            &[
                "kwic",
                "-w",
                "非遗,社区",
                "--sort",
                sort,
                "--format",
                "csv",
                "-q",
            ],
        );
        csv_rows(&out.stdout)
    };
    let (input, right, left) = (rows("input"), rows("right"), rows("left"));
    let sorted = |mut v: Vec<BTreeMap<String, String>>| {
        v.sort();
        v
    };
    assert_eq!(sorted(input.clone()), sorted(right.clone()));
    assert_eq!(sorted(input), sorted(left.clone()));
    for pair in right.windows(2) {
        assert!((&pair[0]["term"], &pair[0]["right"]) <= (&pair[1]["term"], &pair[1]["right"]));
    }
    let backwards = |r: &BTreeMap<String, String>| r["left"].chars().rev().collect::<String>();
    for pair in left.windows(2) {
        assert!((&pair[0]["term"], backwards(&pair[0])) <= (&pair[1]["term"], backwards(&pair[1])));
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    // Texts that differ, so that none is left out as a repeat: megabytes of hits, far more than a pipe holds.
    let lines: String = (0..40_000)
        .map(|i| format!("{{\"text\": \"第{i}条：推动非遗保护传承，非遗进社区。\"}}\n"))
        .collect();
    std::fs::write(dir.path().join("many.jsonl"), lines).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_analyze"))
        .args(["kwic", "many.jsonl", "-w", "非遗"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("非遗"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!common::stderr(&out).contains("panicked"));
}

#[test]
fn a_missing_or_empty_word_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = common::run(dir.path(), &["kwic", "-w", " "]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        common::stderr(&empty).contains("--word"),
        "{}",
        common::stderr(&empty)
    );
    let none = common::run(dir.path(), &["kwic"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        common::stderr(&none).contains("--word"),
        "{}",
        common::stderr(&none)
    );
}

/// On the dated corpus: the share of articles that mention 非遗 per year, and the articles searched, are
/// those of the hits themselves.
#[test]
fn the_dated_corpus_counts_per_year() {
    let Some(news) = common::news34k() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let news = news.to_str().unwrap();
    let hits = common::ok(
        dir.path(),
        &["kwic", news, "-w", "非遗", "--format", "jsonl", "-q"],
    );
    let years = common::ok(
        dir.path(),
        &[
            "kwic", news, "-w", "非遗", "--period", "year", "--format", "jsonl", "-q",
        ],
    );
    let mut per_year: BTreeMap<String, usize> = BTreeMap::new();
    for line in String::from_utf8(hits.stdout).unwrap().lines() {
        let hit: serde_json::Value = serde_json::from_str(line).unwrap();
        let date = analyze::dates::parse_date(hit["date"].as_str().unwrap()).unwrap();
        *per_year.entry(date.year.to_string()).or_default() += 1;
    }
    let counted: BTreeMap<String, usize> = String::from_utf8(years.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|c| {
            (
                c["period"].as_str().unwrap().to_string(),
                c["hits"].as_u64().unwrap() as usize,
            )
        })
        .filter(|(_, hits)| *hits > 0)
        .collect();
    assert_eq!(per_year, counted);
    assert!(counted.len() >= 5, "{counted:?}");
}

#[test]
fn the_chart_draws_each_word_per_period_with_the_gaps_in_time() {
    let dir = tempfile::tempdir().unwrap();
    // Two years apart: the year between has no article, and the axis keeps it.
    write_jsonl(
        &dir.path().join("news.jsonl"),
        &dated_records(&["2023-05-01", "2025-03-01"]),
    );
    let args = [
        "kwic",
        "news.jsonl",
        "-w",
        "非遗,党建",
        "--period",
        "year",
        "-q",
    ];
    common::ok(dir.path(), &[&args[..], &["--chart", "trend.svg"]].concat());
    let svg = std::fs::read_to_string(dir.path().join("trend.svg")).unwrap();
    for label in ["非遗", "党建", "2023", "2024", "2025"] {
        assert!(svg.contains(label), "{label} is drawn");
    }
    assert!(
        !svg.contains("2022") && !svg.contains("2026"),
        "the axis spans the dates"
    );
    common::ok(dir.path(), &[&args[..], &["--chart", "trend.png"]].concat());
    let png = std::fs::read(dir.path().join("trend.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000, "a drawn chart, not an empty one");
    // Without --period: a bar per county and word, with its counts.
    common::ok(
        dir.path(),
        &[
            "kwic",
            "news.jsonl",
            "-w",
            "非遗",
            "--by",
            "county",
            "--chart",
            "share.svg",
            "-q",
        ],
    );
    let bars = std::fs::read_to_string(dir.path().join("share.svg")).unwrap();
    assert!(
        bars.contains("平遥县 · 非遗") && bars.contains("(2/"),
        "{bars}"
    );
    let wrong = common::run(dir.path(), &[&args[..], &["--chart", "trend.pdf"]].concat());
    assert_eq!(wrong.status.code(), Some(2));
    assert!(common::stderr(&wrong).contains(".svg or a .png"));
}
