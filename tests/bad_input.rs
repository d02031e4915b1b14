//! Whatever users scraped: encodings, binaries, duplicates, degenerate corpora, huge lines, many files,
//! hostile names. Every case works or fails with a clear message naming the file; nothing panics; nothing
//! is written outside the output folder or over an input.

mod common;

use common::{run, stderr as err};
use std::path::Path;

const TEXT: &str =
    "平遥县贺兰桥社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺。";
const FARM: &str =
    "宁国镇秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红,乡村振兴有了新底气。";

fn report(dir: &Path, out: &str) -> serde_json::Value {
    common::json(dir.join(out).join("topics.json"))
}

/// Runs `topics` with `args` into the folder `out`, without charts, and reads its topics.json.
fn topics_report(dir: &Path, args: &[&str], out: &str) -> serde_json::Value {
    common::ok(
        dir,
        &[&["topics"], args, &["--format", "none", "-o", out]].concat(),
    );
    report(dir, out)
}

/// The county of each article of a report ("" for none).
fn counties(report: &serde_json::Value) -> Vec<&str> {
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["county"].as_str().unwrap_or(""))
        .collect()
}

/// Each skipped record of a report: its source, line and reason.
fn skipped(report: &serde_json::Value) -> Vec<(&str, u64, &str)> {
    report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap(),
                s["line"].as_u64().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect()
}

#[test]
fn gbk_utf16_and_bom_files_are_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (gbk, _, bad) = encoding_rs::GB18030.encode(TEXT);
    assert!(!bad);
    std::fs::write(p.join("gbk.txt"), &gbk).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(FARM.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(p.join("utf16.txt"), utf16).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(format!("{}\n", serde_json::json!({"text": "汾阳市社区网格员走访居民,党支部推动老旧小区改造,居民满意。"})).bytes());
    std::fs::write(p.join("bom.jsonl"), bom).unwrap();
    let r = topics_report(p, &["gbk.txt", "utf16.txt", "bom.jsonl", "-k", "2"], "out");
    let counties = counties(&r);
    assert_eq!(counties.len(), 3, "{r}");
    assert!(
        counties.contains(&"平遥县") && counties.contains(&"汾阳市"),
        "{counties:?}"
    );

    common::ok(
        p,
        &[
            "topics",
            "gbk.txt",
            "--encoding",
            "gbk",
            "--format",
            "none",
            "-o",
            "forced",
        ],
    );
    let o = run(p, &["topics", "gbk.txt", "--encoding", "klingon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--encoding klingon"), "{}", err(&o));
}

#[test]
fn binary_and_undecodable_files_are_skipped_by_name_and_strict_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("a.txt"), TEXT).unwrap();
    std::fs::write(p.join("b.txt"), FARM).unwrap();
    std::fs::write(
        p.join("image.txt"),
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xFF, 0x00],
    )
    .unwrap();
    std::fs::write(p.join("latin.txt"), [b'a', 0xFF, 0xFE, b'b', 0xC3]).unwrap();
    let o = common::ok(
        p,
        &[
            "topics",
            "a.txt",
            "b.txt",
            "image.txt",
            "latin.txt",
            "--encoding",
            "utf-8",
            "-k",
            "2",
            "--format",
            "none",
            "-o",
            "out",
        ],
    );
    assert!(
        err(&o).contains("image.txt") && err(&o).contains("binary"),
        "{}",
        err(&o)
    );
    let r = report(p, "out");
    let skipped = r["skipped"].as_array().unwrap();
    assert!(skipped
        .iter()
        .any(|s| s["source"].as_str().unwrap().ends_with("image.txt")
            && s["reason"].as_str().unwrap().contains("binary")));
    assert!(skipped
        .iter()
        .any(|s| s["source"].as_str().unwrap().ends_with("latin.txt")
            && s["reason"].as_str().unwrap().contains("undecodable")));
    let csv = std::fs::read_to_string(p.join("out/skipped.csv")).unwrap();
    assert!(csv.contains("image.txt") && csv.contains("latin.txt"));

    let o = run(
        p,
        &[
            "topics",
            "a.txt",
            "b.txt",
            "image.txt",
            "--strict",
            "-k",
            "2",
            "--format",
            "none",
            "-o",
            "strict",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("image.txt") && err(&o).contains("--strict"),
        "{}",
        err(&o)
    );
}

#[test]
fn duplicates_and_contentless_records_are_listed_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let lines: String = [TEXT, FARM, TEXT, "好", &format!("  {TEXT}  ")]
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("r{i}"), "text": t}).to_string() + "\n")
        .collect();
    std::fs::write(p.join("d.jsonl"), lines).unwrap();
    let o = common::ok(
        p,
        &[
            "topics", "d.jsonl", "-k", "2", "--format", "none", "-o", "out",
        ],
    );
    let r = report(p, "out");
    let skipped: Vec<(u64, String)> = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["line"].as_u64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(
        skipped[0].0 == 3 && skipped[0].1.contains("duplicate") && skipped[0].1.contains("r0"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].0 == 4 && skipped[1].1.contains("no content words"),
        "{skipped:?}"
    );
    assert!(
        skipped[2].0 == 5 && skipped[2].1.contains("duplicate"),
        "{skipped:?}"
    );
    let summary = String::from_utf8(o.stdout).unwrap();
    assert!(summary.contains("5 record(s) read, 3 skipped"), "{summary}");
}

#[test]
fn zero_one_and_two_articles() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("none.jsonl"),
        format!("{}\n", serde_json::json!({"text": "。。。"})),
    )
    .unwrap();
    let o = run(p, &["topics", "none.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no content words"), "{}", err(&o));

    std::fs::write(
        p.join("one.jsonl"),
        format!("{}\n", serde_json::json!({"text": TEXT})),
    )
    .unwrap();
    common::ok(p, &["topics", "one.jsonl", "-o", "one"]);
    assert_eq!(report(p, "one")["meta"]["k"], 1);

    let two: String = [TEXT, FARM]
        .iter()
        .map(|t| serde_json::json!({"text": t}).to_string() + "\n")
        .collect();
    std::fs::write(p.join("two.jsonl"), two).unwrap();
    common::ok(p, &["topics", "two.jsonl", "-o", "two"]);
    let o = run(p, &["topics", "two.jsonl", "-k", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("-k 3") && err(&o).contains("(2)"),
        "{}",
        err(&o)
    );

    let same: String = (0..4)
        .map(|_| serde_json::json!({"text": TEXT}).to_string() + "\n")
        .collect();
    std::fs::write(p.join("same.jsonl"), same).unwrap();
    common::ok(
        p,
        &["topics", "same.jsonl", "--format", "none", "-o", "same"],
    );
    assert_eq!(
        report(p, "same")["skipped"].as_array().unwrap().len(),
        3,
        "identical articles: one analysed"
    );
}

#[test]
fn a_ten_megabyte_line_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let big = TEXT.repeat(10 * 1024 * 1024 / TEXT.len() + 1);
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({"text": big}),
        serde_json::json!({"text": FARM})
    );
    assert!(lines.len() > 10 * 1024 * 1024);
    std::fs::write(p.join("big.jsonl"), lines).unwrap();
    common::ok(
        p,
        &[
            "topics",
            "big.jsonl",
            "-k",
            "2",
            "--format",
            "none",
            "-o",
            "out",
        ],
    );
    assert_eq!(report(p, "out")["articles"].as_array().unwrap().len(), 2);
}

#[test]
fn a_hundred_thousand_tiny_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many");
    std::fs::create_dir(&p).unwrap();
    let words = [
        "非遗", "养老", "网格", "秋粮", "苹果", "党建", "消防", "葡萄",
    ];
    for i in 0..100_000 {
        let text = format!("{}{}活动第{i}期", words[i % 8], words[(i / 8) % 8]);
        std::fs::write(p.join(format!("{i:06}.txt")), text).unwrap();
    }
    common::ok(
        dir.path(),
        &[
            "topics", "many", "-k", "8", "--format", "none", "-q", "-o", "out",
        ],
    );
    let r = report(dir.path(), "out");
    let analysed = r["meta"]["counts"]["articles"].as_u64().unwrap();
    let skipped = r["skipped"].as_array().unwrap().len() as u64;
    assert_eq!(r["meta"]["counts"]["records"], 100_000);
    assert_eq!(
        analysed + skipped,
        100_000,
        "every file analysed or skipped"
    );
}

#[test]
fn hostile_names_stay_inside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let lines: String = [
        ("../../etc/passwd\u{7}\u{1b}[31m", "2025-01-05", TEXT),
        ("<script>alert(1)</script>", "2025-02-05", FARM),
        (
            "正常标题",
            "2025-03-05",
            "汾阳市社区网格员走访居民,党支部推动老旧小区改造,居民满意。",
        ),
    ]
    .iter()
    .map(|(t, d, x)| {
        serde_json::json!({"title": t, "date": d, "text": x, "source": "../../x"}).to_string()
            + "\n"
    })
    .collect();
    std::fs::write(p.join("h.jsonl"), lines).unwrap();
    std::fs::write(
        p.join("t.toml"),
        "[[theme]]\nid = \"../../evil\"\nlabel = \"../坏\"\nseeds = [\"非遗\"]\n",
    )
    .unwrap();
    std::fs::create_dir(p.join("work")).unwrap();
    let o = common::ok(
        &p.join("work"),
        &[
            "compare",
            "../h.jsonl",
            "--themes",
            "../t.toml",
            "--by",
            "source",
            "--period",
            "month",
            "-k",
            "2",
            "-o",
            "out",
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "control characters reach the terminal"
    );
    let entries: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut expected = vec![
        "h.jsonl".to_string(),
        "t.toml".to_string(),
        "work".to_string(),
    ];
    let mut found = entries.clone();
    found.sort();
    expected.sort();
    assert_eq!(found, expected, "nothing written outside the output folder");
    let charts: Vec<String> = std::fs::read_dir(p.join("work/out/charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        charts.iter().any(|c| c.starts_with("trend_______evil")),
        "{charts:?}"
    );
    assert!(
        charts
            .iter()
            .all(|c| !c.contains("..") || c.ends_with("..")),
        "{charts:?}"
    );
}

#[test]
fn out_pointing_at_the_inputs_never_overwrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let original = two_articles_csv();
    std::fs::write(p.join("articles.csv"), &original).unwrap();
    let o = run(p, &["topics", "articles.csv", "-k", "2", "-o", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("articles.csv") && err(&o).contains("input"),
        "{}",
        err(&o)
    );
    assert_eq!(
        std::fs::read_to_string(p.join("articles.csv")).unwrap(),
        original
    );
}

/// Reports written inside the folder of inputs are not read as input by the next run, which says so.
#[test]
fn reports_inside_the_input_folder_are_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("in")).unwrap();
    std::fs::write(p.join("in/articles.csv"), two_articles_csv()).unwrap();
    let args = [
        "topics",
        "in",
        "-k",
        "2",
        "--format",
        "none",
        "-o",
        "in/reports",
    ];
    common::ok(p, &args);
    let o = common::ok(p, &args);
    assert!(
        err(&o).contains("note: in/reports: the folder of the reports (--out), not read as input"),
        "{}",
        err(&o)
    );
    let r = report(p, "in/reports");
    assert_eq!(r["meta"]["inputs"], serde_json::json!(["in/articles.csv"]));
    assert_eq!(r["meta"]["counts"]["articles"], 2);
}

fn two_articles_csv() -> String {
    format!("id,text\n1,\"{TEXT}\"\n2,\"{FARM}\"\n")
}

/// An `--out` that is a file, or lies under one, is refused before the run, not when its reports are written.
#[test]
fn out_that_is_a_file_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("articles.csv"), two_articles_csv()).unwrap();
    std::fs::write(p.join("taken"), "a file").unwrap();
    for out in ["taken", "taken/reports"] {
        let o = run(p, &["topics", "articles.csv", "-k", "2", "-o", out]);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(
            err(&o).contains(&format!("--out {out}: taken is a file, not a folder")),
            "{}",
            err(&o)
        );
    }
    assert_eq!(std::fs::read_to_string(p.join("taken")).unwrap(), "a file");
}

#[test]
fn malformed_tables_and_theme_files_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("noheader.csv"),
        format!("1,\"{TEXT}\"\n2,\"{FARM}\"\n"),
    )
    .unwrap();
    let o = run(p, &["topics", "noheader.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("noheader.csv:1") && err(&o).contains("`text`"),
        "{}",
        err(&o)
    );

    std::fs::write(
        p.join("bad.toml"),
        "[[theme]]\nid = \"x\"\nlabel = \"X\"\nseeds = [\"a\" \"b\"]\n",
    )
    .unwrap();
    let o = run(p, &["topics", "--themes", "bad.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("bad.toml:4") && err(&o).contains("column"),
        "{}",
        err(&o)
    );

    // The user dictionary loads while the input is read: its mistakes still stop the run, named by line.
    std::fs::write(p.join("dict.txt"), "非遗市集 12 n\n面塑 many n\n").unwrap();
    let o = run(p, &["topics", "--user-dict", "dict.txt", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("dict.txt:2") && err(&o).contains("`many`"),
        "{}",
        err(&o)
    );
    assert!(!p.join("out").exists(), "no report from a failed run");

    let o = run(p, &["topics", "--no-such-option"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--no-such-option"), "{}", err(&o));
    assert_eq!(
        err(&o).lines().filter(|l| l.starts_with("error")).count(),
        1,
        "one error line: {}",
        err(&o)
    );
}

/// A JSONL file is streamed in chunks: a line that is not UTF-8 far into the file (after the part that is
/// sniffed for the encoding) is skipped with its line number, and every other line is analysed.
#[test]
fn a_line_that_is_not_utf8_deep_in_a_streamed_file_is_skipped_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut bytes = Vec::new();
    let lines = 9000; // more than one chunk, and over a megabyte
    for i in 0..lines {
        if i == 8000 {
            bytes.extend(b"{\"id\": \"bad\", \"text\": \"\xB9\xFA\xBC\xD2\"}\n"); // GBK bytes
            continue;
        }
        let text = if i % 2 == 0 { TEXT } else { FARM };
        let line = serde_json::json!({"id": format!("a{i}"), "text": format!("{text}（第{i}期）")});
        bytes.extend(format!("{line}\n").bytes());
    }
    assert!(bytes.len() > 1 << 20);
    std::fs::write(p.join("big.jsonl"), bytes).unwrap();
    let r = topics_report(p, &["big.jsonl", "-k", "2", "-q"], "out");
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["line"], 8001);
    assert!(skipped[0]["reason"]
        .as_str()
        .unwrap()
        .contains("not valid UTF-8"));
    assert_eq!(r["meta"]["counts"]["articles"], lines - 1);
    assert_eq!(r["articles"][8000]["id"], "a8001", "input order is kept");
}

#[test]
fn a_large_csv_is_streamed_and_a_row_that_is_not_utf8_is_skipped_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // More than the first megabyte is UTF-8, so the file is streamed rather than read whole and its
    // encoding guessed; the GB18030 row comes after it.
    let mut csv = b"id,title,text\n".to_vec();
    let mut rows = 0;
    while csv.len() < 1_200_000 {
        rows += 1;
        let text = if rows % 2 == 0 { TEXT } else { FARM };
        csv.extend(format!("r{rows},第{rows}期,\"{rows} {text}\"\n").as_bytes());
    }
    let (gbk, _, _) = encoding_rs::GB18030.encode(TEXT);
    csv.extend(b"bad,gbk,\"");
    csv.extend(gbk.iter());
    csv.extend(b"\"\nlast,\xe6\x9c\xab,\"last ");
    csv.extend(FARM.as_bytes());
    csv.extend(b"\"\n");
    std::fs::write(p.join("big.csv"), &csv).unwrap();

    let o = common::ok(
        p,
        &[
            "topics", "big.csv", "-k", "2", "-q", "--format", "none", "-o", "out",
        ],
    );
    assert!(err(&o).is_empty(), "{}", err(&o));
    let r = report(p, "out");
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["source"], "big.csv");
    assert_eq!(skipped[0]["line"], rows + 2);
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("not valid UTF-8"),
        "{skipped:?}"
    );
    let articles = r["articles"].as_array().unwrap();
    assert_eq!(articles.len(), rows + 1);
    let last = articles.last().unwrap();
    assert_eq!(
        (&last["id"], &last["line"]),
        (&"last".into(), &(rows + 3).into())
    );
}

#[test]
fn gb18030_exports_are_streamed_and_a_bad_line_is_skipped_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let gb = |s: &str| encoding_rs::GB18030.encode(s).0.into_owned();
    let texts = [
        TEXT,
        FARM,
        "汾阳市社区网格员走访居民,党支部推动老旧小区改造,居民满意。",
    ];
    let mut jsonl = Vec::new();
    let mut csv = gb("id,title,text\n");
    for (i, text) in texts.iter().enumerate() {
        jsonl.extend(gb(&format!(
            "{}\n",
            serde_json::json!({"id": format!("j{i}"), "text": format!("本报讯 {text}")})
        )));
        csv.extend(gb(&format!("c{i},标题,\"{text}\"\n")));
    }
    std::fs::write(p.join("gb.jsonl"), &jsonl).unwrap();
    std::fs::write(p.join("gb.csv"), &csv).unwrap();
    // Detected, not forced: every record is read, with its county.
    let r = topics_report(p, &["gb.jsonl", "gb.csv", "-k", "2"], "found");
    let counties = counties(&r);
    assert_eq!(counties.len(), 6, "{r}");
    assert_eq!(
        counties.iter().filter(|c| **c == "汾阳市").count(),
        2,
        "{counties:?}"
    );

    // A byte that is not GB18030 in the second record of each file costs that record only.
    let spoil = |bytes: &[u8], record: &[u8]| {
        let at = bytes
            .windows(record.len())
            .position(|w| w == record)
            .unwrap()
            + record.len();
        [&bytes[..at], b"\xFF", &bytes[at..]].concat()
    };
    std::fs::write(p.join("gb.jsonl"), spoil(&jsonl, &gb("{\"id\":\"j1\""))).unwrap();
    std::fs::write(p.join("gb.csv"), spoil(&csv, &gb("c1,"))).unwrap();
    let args = [
        "topics",
        "gb.jsonl",
        "gb.csv",
        "--encoding",
        "gb18030",
        "-k",
        "2",
    ];
    common::ok(
        p,
        &[&args[..], &["--format", "none", "-o", "spoilt"]].concat(),
    );
    let r = report(p, "spoilt");
    let skipped = skipped(&r);
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!((skipped[0].0, skipped[0].1), ("gb.csv", 3), "{skipped:?}");
    assert_eq!((skipped[1].0, skipped[1].1), ("gb.jsonl", 2), "{skipped:?}");
    assert!(
        skipped.iter().all(|s| s.2.contains("not valid gb18030")),
        "{skipped:?}"
    );
    assert_eq!(r["articles"].as_array().unwrap().len(), 4);
}

#[test]
fn utf16_exports_are_streamed_and_a_bad_line_is_skipped_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let le = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    // 上 is 0x4E0A: in UTF-16LE its first byte is a newline byte, which must not cut the line.
    let texts = [
        TEXT,
        FARM,
        "汾阳市社区网格员走访居民,党支部推动老旧小区改造,居民满意。",
    ];
    let mut jsonl = vec![0xFF, 0xFE];
    let mut csv = [vec![0xFF, 0xFE], le("id,title,text\n")].concat();
    for (i, text) in texts.iter().enumerate() {
        let record =
            serde_json::json!({"id": format!("j{i}"), "text": format!("本报讯 上午 {text}")});
        jsonl.extend(le(&format!("{record}\n")));
        csv.extend(le(&format!("c{i},标题,\"上午 {text}\"\n")));
    }
    // A lone surrogate (not UTF-16) at the end of the second line of each file, and, in the CSV, in the
    // middle of the second row: that record is skipped, and the lines after it keep their numbers.
    let lone = [0x00, 0xD8];
    let spoil = |bytes: &[u8], before: &str| {
        let before = le(before);
        let at = bytes
            .windows(before.len())
            .position(|w| w == before)
            .unwrap();
        [&bytes[..at], &lone[..], &bytes[at..]].concat()
    };
    std::fs::write(p.join("u16.jsonl"), spoil(&jsonl, "\n{\"id\":\"j2\"")).unwrap();
    std::fs::write(p.join("u16.csv"), spoil(&csv, "标题,\"上午 宁国镇")).unwrap();
    let r = topics_report(p, &["u16.jsonl", "u16.csv", "-k", "2"], "out");
    let skipped = skipped(&r);
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!((skipped[0].0, skipped[0].1), ("u16.csv", 3), "{skipped:?}");
    assert_eq!(
        (skipped[1].0, skipped[1].1),
        ("u16.jsonl", 2),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().all(|s| s.2.contains("not valid UTF-16LE")),
        "{skipped:?}"
    );
    let lines: Vec<(&str, u64)> = r["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["file"].as_str().unwrap(), a["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            ("u16.csv", 2),
            ("u16.csv", 4),
            ("u16.jsonl", 1),
            ("u16.jsonl", 3)
        ]
    );
    assert_eq!(counties(&r), ["平遥县", "汾阳市", "平遥县", "汾阳市"]);

    // Without a byte-order mark, UTF-16 is read when it is named.
    let be: Vec<u8> = jsonl[2..]
        .chunks(2)
        .flat_map(|unit| [unit[1], unit[0]])
        .collect();
    std::fs::write(p.join("be.jsonl"), be).unwrap();
    let r = topics_report(p, &["be.jsonl", "--encoding", "utf-16be"], "be");
    assert_eq!(counties(&r), ["平遥县", "", "汾阳市"]);
}

/// An export from a Chinese site names its columns 编号, 标题, 正文, 日期, 县区: the run stops at the header
/// and says which `--field` reads it; with them, every column lands in its field. JSON keys likewise.
#[test]
fn columns_of_other_names_are_read_with_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let govern = "汾阳市社区网格员走访居民,党支部推动老旧小区改造,居民满意。";
    let csv = format!(
        "编号,标题,正文,日期,县区\r\na1,非遗市集进社区,\"{TEXT}\",2025-10-01,平遥县\r\n\
         a2,秋粮丰收,\"{FARM}\",2025-10-02,壶关县\r\na3,网格员走访,\"{govern}\",2025-11-03,汾阳市\r\n"
    );
    let (gbk, _, bad) = encoding_rs::GB18030.encode(&csv);
    assert!(!bad);
    std::fs::write(p.join("export.csv"), &gbk).unwrap();

    let o = run(p, &["topics", "export.csv", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("export.csv:1") && err(&o).contains("--field text=正文"),
        "{}",
        err(&o)
    );
    assert!(!p.join("out").exists(), "no report from a failed run");

    let fields = [
        "--field",
        "text=正文",
        "--field",
        "title=标题",
        "--field",
        "id=编号",
        "--field",
        "date=日期",
        "--field",
        "county=县区",
    ];
    let r = topics_report(
        p,
        &[&["export.csv", "-k", "2"], &fields[..]].concat(),
        "out",
    );
    let read: Vec<[&str; 4]> = r["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["metadata"], serde_json::json!({}), "{a}");
            assert_eq!(a["county_from"], "field", "{a}");
            ["id", "title", "date", "county"].map(|k| a[k].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        read,
        [
            ["a1", "非遗市集进社区", "2025-10-01", "平遥县"],
            ["a2", "秋粮丰收", "2025-10-02", "壶关县"],
            ["a3", "网格员走访", "2025-11-03", "汾阳市"],
        ]
    );
    assert_eq!(
        r["meta"]["fields"],
        serde_json::json!([
            "text=正文",
            "title=标题",
            "id=编号",
            "date=日期",
            "county=县区"
        ])
    );

    // A misspelt column, a column read twice, and a column that would be read as a field another already has.
    for (args, says) in [
        (&["--field", "text=正文本"][..], "no column `正文本`"),
        (
            &["--field", "text=正文", "--field", "title=正文"],
            "already read as `text`",
        ),
        (
            &["--field", "text=标题", "--field", "正文=text"],
            "no column `text`",
        ),
    ] {
        let o = run(p, &[&["topics", "export.csv", "-o", "out2"], args].concat());
        assert!(
            !o.status.success() && err(&o).contains(says),
            "{args:?}: {}",
            err(&o)
        );
    }
    std::fs::write(p.join("both.csv"), format!("text,正文\n旧文,\"{TEXT}\"\n")).unwrap();
    let o = run(
        p,
        &["topics", "both.csv", "--field", "text=正文", "-o", "out2"],
    );
    assert!(
        err(&o).contains("would both be read as `text`"),
        "{}",
        err(&o)
    );

    let lines: String = [
        TEXT.into(),
        "  ".into(),
        FARM.into(),
        serde_json::Value::Null,
    ]
    .iter()
    .map(|t: &serde_json::Value| serde_json::json!({"content": t}).to_string() + "\n")
    .collect();
    std::fs::write(p.join("export.jsonl"), lines).unwrap();
    let o = run(p, &["topics", "export.jsonl", "-o", "out3"]);
    assert!(
        err(&o).contains("export.jsonl:1") && err(&o).contains("--field text=content"),
        "{}",
        err(&o)
    );
    let r = topics_report(
        p,
        &["export.jsonl", "-k", "2", "--field", "text=content"],
        "out3",
    );
    assert_eq!(r["articles"].as_array().unwrap().len(), 2, "{r}");
    // A null text is an empty one.
    assert_eq!(
        skipped(&r),
        [
            ("export.jsonl", 2, "empty `content`"),
            ("export.jsonl", 4, "empty `content`")
        ]
    );
    assert_eq!(
        r["meta"]["counts"]["records"], 4,
        "records read: the two analysed and the two skipped as they were read"
    );
}

/// A `.json` file (an array of objects, as scrapy's `-o items.json` writes, or one object) is read like
/// JSONL: each record numbered by the line it starts on, an empty one skipped by line, a broken one named by
/// line and column.
#[test]
fn json_arrays_and_objects_are_read_by_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let items = [
        serde_json::json!({"id": "s1", "title": "非遗市集", "正文": TEXT}),
        serde_json::json!({"id": "s2", "正文": " "}),
        serde_json::json!({"id": "s3", "正文": FARM, "reads": 12}),
    ];
    let array = items.iter().map(|i| format!("  {i}")).collect::<Vec<_>>();
    std::fs::write(
        p.join("items.json"),
        format!("[\n{}\n]\n", array.join(",\n")),
    )
    .unwrap();
    let one = serde_json::to_string_pretty(&serde_json::json!({"id": "o1", "正文": "汾阳市社区网格员走访居民,党支部推动老旧小区改造。"})).unwrap();
    std::fs::create_dir(p.join("more")).unwrap();
    std::fs::write(p.join("more/one.json"), one).unwrap();
    // Objects pretty-printed one after another (`jq .`'s output): each a record, from its first line.
    let jq: String = [
        serde_json::json!({"id": "q1", "正文": "平遥县文化馆举办剪纸非遗展，传承人现场教学。"}),
        serde_json::json!({"id": "q2", "正文": "汾阳市推进老年食堂建设，为高龄老人送餐上门。"}),
    ]
    .iter()
    .map(|o| serde_json::to_string_pretty(o).unwrap() + "\n")
    .collect();
    std::fs::write(p.join("more/jq.json"), jq).unwrap();
    // Not a file of articles, beside them: skipped whole, not a stop.
    std::fs::write(
        p.join("more/index.json"),
        r#"{"site": "县融媒体中心", "pages": 5}"#,
    )
    .unwrap();

    let r = topics_report(
        p,
        &["items.json", "more", "-k", "2", "--field", "text=正文"],
        "out",
    );
    let read: Vec<(&str, u64, &str)> = r["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap(),
                a["line"].as_u64().unwrap(),
                a["file"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("s1", 2, "items.json"),
            ("s3", 4, "items.json"),
            ("q1", 1, "more/jq.json"),
            ("q2", 5, "more/jq.json"),
            ("o1", 1, "more/one.json")
        ]
    );
    assert_eq!(r["articles"][1]["metadata"]["reads"], "12");
    let all = r["skipped"].as_array().unwrap();
    assert_eq!(all.len(), 2, "{r}");
    assert_eq!(
        (&all[0]["source"], &all[0]["line"], &all[0]["reason"]),
        (&"items.json".into(), &3.into(), &"empty `正文`".into())
    );
    let index = &all[1];
    assert_eq!(index["source"], "more/index.json");
    assert!(index["line"].is_null());
    let reason = index["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("not a file of articles: its first record has no key `正文`"),
        "{reason}"
    );
    assert_eq!(r["meta"]["counts"]["records"], 7);

    // Files of other kinds in a folder are named, not read; hidden ones are passed over.
    std::fs::write(p.join("more/export.xml"), "<articles/>").unwrap();
    std::fs::write(p.join("more/.DS_Store"), "").unwrap();
    let args = ["topics", "more", "--field", "text=正文", "--format", "none"];
    let o = common::ok(p, &[&args[..], &["-o", "notes"]].concat());
    assert!(
        err(&o).contains("note: more: 1 file(s) not read") && err(&o).contains("export.xml"),
        "{}",
        err(&o)
    );
    let o = common::ok(p, &[&args[..], &["-o", "notes", "-q"]].concat());
    assert_eq!(err(&o), "", "--quiet prints nothing but errors");

    for (json, says) in [
        (
            "[\n{\"text\": \"a\"},\n  {\"text\": oops}\n]",
            "bad.json:3: not valid JSON: expected value at column 12",
        ),
        // Columns count characters, as an editor does, on the record's first line and on its later ones.
        (
            "[{\"text\": \"平遥\"}, {\"text\": \"非遗\", \"n\": oops}]",
            "bad.json:1: not valid JSON: expected value at column 38",
        ),
        (
            "[\n{\"text\": \"a\",\n  \"标题\": \"平遥\", \"n\": oops}\n]",
            "bad.json:3: not valid JSON: expected value at column 20",
        ),
        (
            "[\n{\"text\": \"a\"}\n{\"text\": \"b\"}\n]",
            "bad.json:3: expected `,` or `]`",
        ),
        (
            "[\n{\"text\": \"a\"},\n\"a string\"\n]",
            "bad.json:3: expected a JSON object",
        ),
        (
            "[\n{\"text\": \"a\"}\n]\n{}",
            "bad.json:4: something follows the array",
        ),
        // Objects may follow one another (JSONL named .json, or `jq .`'s output); nothing else may.
        (
            "{\"text\": \"a\"}\n{\"text\": \"b\"}\n[\"c\"]\n",
            "bad.json:3: something other than an object follows the first JSON value",
        ),
    ] {
        std::fs::write(p.join("bad.json"), json).unwrap();
        let o = run(p, &["topics", "bad.json", "-o", "bad"]);
        assert_eq!(o.status.code(), Some(1), "{json}");
        assert!(err(&o).contains(says), "{json}: {}", err(&o));
    }
}

const CUT_OFF: &str = "cut off: the file ends inside this record (was it still being written?)";

#[test]
fn half_written_files_keep_their_whole_records() {
    // A crawler stopped while writing: the last line is cut off, here just where a chunk of lines ends.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut jsonl = String::new();
    for i in 0..4095 {
        let text = if i % 2 == 0 { TEXT } else { FARM };
        let line = serde_json::json!({"id": format!("a{i}"), "text": format!("{text}（第{i}期）")});
        jsonl += &format!("{line}\n");
    }
    jsonl += r#"{"id": "cut", "text": "平遥县贺兰桥社区举办"#;
    std::fs::write(p.join("half.jsonl"), &jsonl).unwrap();
    let r = topics_report(p, &["half.jsonl", "-k", "2", "-q"], "out");
    assert_eq!(skipped(&r), [("half.jsonl", 4096, CUT_OFF)]);
    assert_eq!(r["meta"]["counts"]["articles"], 4095);
    assert_eq!(r["meta"]["counts"]["records"], 4096);
    let o = run(p, &["topics", "half.jsonl", "--strict", "-o", "strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("half.jsonl:4096: cut off"), "{}", err(&o));

    // The same line with a record after it is broken, not half-written: it stops the run.
    std::fs::write(
        p.join("half.jsonl"),
        format!("{jsonl}\n{{\"text\": \"{FARM}\"}}\n"),
    )
    .unwrap();
    let o = run(p, &["topics", "half.jsonl", "-o", "broken"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("half.jsonl:4096: not valid JSON: EOF while parsing a string"),
        "{}",
        err(&o)
    );

    // A JSON array cut inside a record keeps the records before it; one cut between records keeps all,
    // with a warning that it is not closed.
    let array = format!("[\n{{\"text\": \"{TEXT}\"}},\n{{\"text\": \"{FARM}\"}},\n");
    std::fs::write(p.join("cut.json"), format!("{array}{{\"text\": \"平遥")).unwrap();
    let r = topics_report(p, &["cut.json", "-k", "1", "-q"], "cut");
    assert_eq!(skipped(&r), [("cut.json", 4, CUT_OFF)]);
    assert_eq!(r["meta"]["counts"]["articles"], 2);
    // Left open after a record's comma or after the record itself.
    for open in [array.as_str(), array.trim_end_matches(",\n")] {
        std::fs::write(p.join("open.json"), open).unwrap();
        let args = [
            "topics",
            "open.json",
            "-k",
            "1",
            "--format",
            "none",
            "-o",
            "open",
        ];
        let o = common::ok(p, &args);
        assert!(
            err(&o).contains("warning: open.json: the array ends without `]`"),
            "{open}: {}",
            err(&o)
        );
        let r = report(p, "open");
        assert_eq!(
            (
                r["meta"]["counts"]["articles"].as_u64(),
                r["skipped"].as_array().map(Vec::len)
            ),
            (Some(2), Some(0))
        );
    }
}

/// A `.json` array is cut into records as it is read, as JSONL is into lines: handed on a chunk at a time,
/// so that an array larger than memory can be read, each record numbered by the line it starts on, and one
/// that is not valid UTF-8 (past the first megabyte, where the file's encoding is decided) skipped alone.
/// The themes are those of the same records given as JSONL.
#[test]
fn json_arrays_are_read_a_chunk_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let n = 5000;
    let records: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let text = if i % 2 == 0 { TEXT } else { FARM };
            serde_json::json!({
                "id": format!("a{i}"),
                "text": format!("{text}（第{i}期）"),
                "title": format!("第{i}期 \"专栏\" [{{}}]"),
            })
        })
        .collect();
    // Pretty-printed: five lines a record, the first on line 2.
    let mut bytes = serde_json::to_string_pretty(&records).unwrap().into_bytes();
    assert!(bytes.len() > 1 << 20);
    let last = format!("第{}期）", n - 1);
    let at = bytes
        .windows(last.len())
        .rposition(|w| w == last.as_bytes())
        .unwrap();
    bytes[at] = 0xFF;
    std::fs::write(p.join("items.json"), &bytes).unwrap();

    let (mut sizes, mut lines, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    let files = [p.join("items.json")];
    analyze::read::read_chunks(&files, &Default::default(), 1000, |chunk| {
        sizes.push(chunk.records.len());
        lines.extend(chunk.records.iter().map(|r| r.line.unwrap()));
        skipped.extend(chunk.skipped.into_iter().map(|s| (s.line, s.reason)));
        Ok(())
    })
    .unwrap();
    assert!(
        sizes.len() >= 5 && sizes.iter().all(|&s| s <= 1000),
        "{sizes:?}"
    );
    assert_eq!(lines, (0..n - 1).map(|i| 2 + 5 * i).collect::<Vec<_>>());
    let reason = "not valid UTF-8 (force the file's encoding with --encoding)";
    assert_eq!(skipped, [(Some(2 + 5 * (n - 1)), reason.to_string())]);

    let jsonl: String = records[..n - 1].iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(p.join("items.jsonl"), jsonl).unwrap();
    let themes = |file: &str, out: &str| {
        let r = topics_report(p, &[file, "-k", "2", "-q"], out);
        let articles = r["articles"].as_array().unwrap().clone();
        articles
            .into_iter()
            .map(|mut a| {
                let a = a.as_object_mut().unwrap();
                for named_by_file in ["file", "line", "source"] {
                    a.remove(named_by_file);
                }
                serde_json::Value::Object(a.clone())
            })
            .collect::<Vec<_>>()
    };
    let (from_json, from_jsonl) = (themes("items.json", "json"), themes("items.jsonl", "jsonl"));
    assert_eq!((from_json.len(), from_jsonl.len()), (n - 1, n - 1));
    let differs = from_json.iter().zip(&from_jsonl).position(|(a, b)| a != b);
    assert_eq!(differs, None, "the first article that differs");
}

/// Streaming seen from outside: the first records of a `.json` array written into a pipe are handed on
/// before the writer has finished (a reader that read the file whole would wait for its end).
#[cfg(unix)]
#[test]
fn a_json_array_is_handed_on_before_its_end_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let (first_chunk, handed_on) = std::sync::mpsc::channel::<()>();
    let path = pipe.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let record = |i: usize| {
            let text = format!("{TEXT}（第{i}期）");
            serde_json::json!({"id": format!("a{i}"), "text": text}).to_string()
        };
        let head: Vec<String> = (0..3000).map(record).collect();
        write!(file, "[{}", head.join(",\n")).unwrap();
        file.flush().unwrap();
        let streamed = handed_on
            .recv_timeout(std::time::Duration::from_secs(30))
            .is_ok();
        write!(file, ",\n{}]", record(3000)).unwrap();
        streamed
    });
    let mut records = 0;
    analyze::read::read_chunks(&[pipe], &Default::default(), 1000, |chunk| {
        let _ = first_chunk.send(());
        records += chunk.records.len();
        Ok(())
    })
    .unwrap();
    assert!(
        writer.join().unwrap(),
        "no record was handed on before the end of the array was written"
    );
    assert_eq!(records, 3001);
}
