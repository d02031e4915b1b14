//! Compressed inputs (`.gz`, `.zst`), standard input (`-`) and spreadsheets (`.xlsx`): the same articles as
//! the same records in a plain JSONL file, and a clear error for what cannot be read.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

/// The articles of the seed pages as records: real text, several themes.
fn seed_records() -> Vec<serde_json::Value> {
    let pages = analyze::read::read_inputs(&[seeds()], &Default::default()).unwrap();
    analyze::split::articles_from_records(pages.records)
        .into_iter()
        .filter(|a| a.kind == analyze::split::ArticleKind::Article)
        .map(|a| serde_json::json!({"id": a.id, "title": a.title, "text": a.text}))
        .collect()
}

fn jsonl(records: &[serde_json::Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// Runs `topics` on `inputs` into `out` (k = 3, no charts) with `stdin` on standard input; returns the report.
fn topics(dir: &Path, inputs: &[&str], stdin: &[u8], out: &str) -> serde_json::Value {
    let output = run_with_stdin(
        dir,
        &[&["topics"], inputs, &["-k", "3", "-o", out]].concat(),
        stdin,
    );
    assert!(output.status.success(), "{}", common::stderr(&output));
    common::json(dir.join(out).join("topics.json"))
}

fn run_with_stdin(dir: &Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_analyze"))
        .args(args)
        .args(["--format", "none", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // Written from a thread: the pipe holds 64 KB, and the program reads while it is written.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&bytes);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(!common::stderr(&output).contains("panicked"));
    output
}

/// Each article's id, title, cluster and theme: what the analysis found, not where it was read from.
fn findings(report: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["title"].as_str().unwrap_or("").to_string(),
                a["cluster"].as_u64().unwrap(),
                a["theme"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn gzip_and_zstd_files_give_the_articles_of_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let text = jsonl(&seed_records());
    std::fs::write(p.join("pages.jsonl"), &text).unwrap();
    std::fs::write(p.join("pages.jsonl.gz"), gzip(text.as_bytes())).unwrap();
    std::fs::write(p.join("pages.jsonl.zst"), zstd(text.as_bytes())).unwrap();
    // Two gzip members one after the other (`cat a.gz b.gz`) are one file.
    let (head, tail) = text.split_at(text.find('\n').unwrap() + 1);
    let two = [gzip(head.as_bytes()), gzip(tail.as_bytes())].concat();
    std::fs::write(p.join("two.JSONL.GZ"), two).unwrap();
    let plain = topics(p, &["pages.jsonl"], b"", "plain");
    assert!(findings(&plain).len() >= 15, "{:?}", findings(&plain));
    for (input, out) in [
        ("pages.jsonl.gz", "gz"),
        ("pages.jsonl.zst", "zst"),
        ("two.JSONL.GZ", "two"),
    ] {
        let report = topics(p, &[input], b"", out);
        assert_eq!(findings(&report), findings(&plain), "{input}");
        assert_eq!(report["meta"]["inputs"], serde_json::json!([input]));
        assert_eq!(report["articles"][0]["file"], input);
    }
}

#[test]
fn compressed_pages_in_a_folder_are_the_same_pages() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let pages = p.join("pages");
    std::fs::create_dir(&pages).unwrap();
    let mut names = Vec::new();
    for (i, entry) in std::fs::read_dir(seeds()).unwrap().enumerate() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        match i % 3 {
            0 => std::fs::write(pages.join(format!("{name}.gz")), gzip(&bytes)).unwrap(),
            1 => std::fs::write(pages.join(format!("{name}.zst")), zstd(&bytes)).unwrap(),
            _ => std::fs::write(pages.join(&name), &bytes).unwrap(),
        }
        names.push(name);
    }
    // A manifest names the pages as they were before they were compressed.
    let rows: String = names.iter().map(|n| format!("{n},县报\n")).collect();
    std::fs::write(p.join("manifest.csv"), format!("file,source\n{rows}")).unwrap();
    let seeds = seeds().display().to_string();
    let manifest = ["--manifest", "manifest.csv"];
    let plain = topics(
        p,
        &[&[seeds.as_str()][..], &manifest].concat(),
        b"",
        "plain",
    );
    let compressed = topics(p, &[&["pages"][..], &manifest].concat(), b"", "compressed");
    assert_eq!(findings(&compressed), findings(&plain));
    let sources: Vec<&str> = compressed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source"].as_str().unwrap())
        .collect();
    assert!(sources.iter().all(|s| *s == "县报"), "{sources:?}");
}

#[test]
fn standard_input_is_read_as_jsonl_a_json_array_pretty_objects_or_what_stdin_as_says() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let records = seed_records();
    let text = jsonl(&records);
    std::fs::write(p.join("pages.jsonl"), &text).unwrap();
    let plain = topics(p, &["pages.jsonl"], b"", "plain");
    let array = serde_json::to_string_pretty(&records).unwrap();
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["id", "title", "text"]).unwrap();
    for r in &records {
        let field = |name: &str| r[name].as_str().unwrap().to_string();
        csv.write_record([field("id"), field("title"), field("text")])
            .unwrap();
    }
    let csv = csv.into_inner().unwrap();
    // Objects pretty-printed one after another, as `jq .` prints them.
    let jq: String = records
        .iter()
        .map(|r| serde_json::to_string_pretty(r).unwrap() + "\n")
        .collect();
    let cases: [(&[&str], Vec<u8>); 5] = [
        (&["-"], text.clone().into_bytes()),
        (&["-"], gzip(text.as_bytes())),
        (&["-"], array.into_bytes()),
        (&["-"], jq.into_bytes()),
        (&["-", "--stdin-as", "csv"], csv.clone()),
    ];
    for (i, (args, stdin)) in cases.iter().enumerate() {
        let report = topics(p, args, stdin, &format!("stdin{i}"));
        assert_eq!(findings(&report), findings(&plain), "case {i}");
        assert_eq!(report["meta"]["inputs"], serde_json::json!(["<stdin>"]));
        assert_eq!(report["articles"][0]["file"], "<stdin>");
    }
    // Standard input beside a file: both are read, each under its name.
    std::fs::write(p.join("first.jsonl"), jsonl(&records[..2])).unwrap();
    let rest = jsonl(&records[2..]);
    let both = topics(p, &["first.jsonl", "-"], rest.as_bytes(), "both");
    assert_eq!(
        both["meta"]["inputs"],
        serde_json::json!(["<stdin>", "first.jsonl"])
    );
    assert_eq!(findings(&both).len(), findings(&plain).len());
    // A table on standard input, unannounced, is refused with what to do.
    let refused = run_with_stdin(p, &["topics", "-", "-o", "refused"], &csv);
    assert_eq!(refused.status.code(), Some(1));
    let message = common::stderr(&refused);
    assert!(
        message.contains("<stdin>") && message.contains("--stdin-as csv"),
        "{message}"
    );
}

#[test]
fn a_cut_off_compressed_file_stops_the_run_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let text = jsonl(&seed_records());
    for (name, bytes, kind) in [
        ("cut.jsonl.gz", gzip(text.as_bytes()), "gzip"),
        ("cut.jsonl.zst", zstd(text.as_bytes()), "zstd"),
    ] {
        std::fs::write(p.join(name), &bytes[..bytes.len() / 2]).unwrap();
        let out = run_with_stdin(p, &["topics", name, "-o", "out"], b"");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let message = common::stderr(&out);
        assert!(
            message.contains(name)
                && message.contains(&format!("not valid {kind} data, or cut off")),
            "{message}"
        );
    }
}

/// The records as a workbook: a sheet of news (a title row above the header; ids as numbers, dates as date
/// cells, as exports have them) and a summary sheet without text.
fn workbook(records: &[serde_json::Value], path: &Path) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let news = book.add_worksheet();
    news.set_name("新闻").unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    news.merge_range(0, 0, 0, 3, "2019年10月稿件汇总", &Format::new())
        .unwrap();
    for (col, header) in ["编号", "标题", "正文", "日期"].into_iter().enumerate() {
        news.write_string(1, col as u16, header).unwrap();
    }
    for (i, r) in records.iter().enumerate() {
        let row = i as u32 + 2;
        news.write_number(row, 0, (i + 1) as f64).unwrap();
        news.write_string(row, 1, r["title"].as_str().unwrap())
            .unwrap();
        news.write_string(row, 2, r["text"].as_str().unwrap())
            .unwrap();
        // 2019-10-01 is serial 43739.
        news.write_number_with_format(row, 3, 43739.0 + i as f64, &date)
            .unwrap();
    }
    let summary = book.add_worksheet();
    summary.set_name("统计").unwrap();
    summary.write_string(0, 0, "县").unwrap();
    summary.write_string(0, 1, "篇数").unwrap();
    summary.write_string(1, 0, "平遥县").unwrap();
    summary.write_number(1, 1, 3.0).unwrap();
    book.save(path).unwrap();
}

#[test]
fn a_spreadsheet_gives_the_articles_of_the_same_records_in_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let records: Vec<serde_json::Value> = seed_records()
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r["id"] = serde_json::json!((i + 1).to_string());
            r["date"] = serde_json::json!(format!("2019-10-{:02}", i + 1));
            r
        })
        .collect();
    std::fs::write(p.join("news.jsonl"), jsonl(&records)).unwrap();
    std::fs::create_dir(p.join("export")).unwrap();
    workbook(&records, &p.join("export/news.xlsx"));
    // The lock file Excel keeps beside an open workbook is no workbook: passed over.
    std::fs::write(p.join("export/~$news.xlsx"), [0u8; 165]).unwrap();
    let plain = topics(p, &["news.jsonl"], b"", "plain");
    let fields = [
        "--field",
        "id=编号",
        "--field",
        "title=标题",
        "--field",
        "text=正文",
        "--field",
        "date=日期",
    ];
    let sheet = topics(p, &[&["export"][..], &fields].concat(), b"", "sheet");
    assert_eq!(findings(&sheet), findings(&plain));
    let dates = |report: &serde_json::Value| -> Vec<String> {
        let articles = report["articles"].as_array().unwrap();
        articles.iter().map(|a| a["date"].to_string()).collect()
    };
    assert_eq!(dates(&sheet), dates(&plain));
    // The rows are numbered as the spreadsheet numbers them: a title, the header, then the first article.
    let first = &sheet["articles"][0];
    assert_eq!(
        (first["file"].as_str(), first["line"].as_u64()),
        (Some("export/news.xlsx#新闻"), Some(3))
    );
    // The summary sheet has no text column: skipped, with its name and the reason.
    let skipped = sheet["skipped"].as_array().unwrap();
    let summary: Vec<&serde_json::Value> = skipped
        .iter()
        .filter(|s| s["source"] == "export/news.xlsx#统计")
        .collect();
    assert_eq!(summary.len(), 1, "{skipped:?}");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(
        sheet["meta"]["inputs"],
        serde_json::json!(["export/news.xlsx"])
    );
    assert!(summary[0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("sheet not read"));
}

#[test]
fn a_spreadsheet_without_the_text_column_stops_the_run_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    workbook(&seed_records(), &p.join("news.xlsx"));
    // Without `--field text=正文` neither sheet has a text column.
    let out = run_with_stdin(p, &["topics", "news.xlsx", "-o", "out"], b"");
    assert_eq!(out.status.code(), Some(1));
    let message = common::stderr(&out);
    assert!(
        message.contains("news.xlsx#新闻:2: no column `text`; its columns: `编号`")
            && message.contains("--field text=正文"),
        "{message}"
    );
    // A workbook with no cell is skipped as an empty file is, beside records that are read.
    let mut empty = rust_xlsxwriter::Workbook::new();
    empty.add_worksheet();
    empty.save(p.join("empty.xlsx")).unwrap();
    std::fs::write(p.join("news.jsonl"), jsonl(&seed_records())).unwrap();
    let report = topics(p, &["empty.xlsx", "news.jsonl"], b"", "empty");
    let skipped = &report["skipped"][0];
    assert_eq!(
        (&skipped["source"], &skipped["reason"]),
        (
            &"empty.xlsx".into(),
            &"empty workbook: no sheet holds a cell".into()
        )
    );
    std::fs::write(p.join("broken.xlsx"), b"PK\x03\x04 not a workbook").unwrap();
    let out = run_with_stdin(p, &["topics", "broken.xlsx", "-o", "out"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::stderr(&out).contains("broken.xlsx: not a spreadsheet"),
        "{}",
        common::stderr(&out)
    );
}

/// An OpenDocument sheet (LibreOffice, WPS), as calamine reads it: `tests/data/two_articles.ods`, two rows
/// under the header 编号, 正文, 日期, the dates as date cells.
#[test]
fn an_opendocument_sheet_is_read_as_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let ods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/two_articles.ods");
    let ods = ods.display().to_string();
    let fields = [
        "--field",
        "id=编号",
        "--field",
        "text=正文",
        "--field",
        "date=日期",
    ];
    let args = [
        &["topics", ods.as_str(), "-k", "2", "-o", "out"][..],
        &fields,
    ]
    .concat();
    let out = run_with_stdin(p, &args, b"");
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = common::json(p.join("out/topics.json"));
    let articles = report["articles"].as_array().unwrap();
    let rows: Vec<(&str, u64, &str, &str)> = articles
        .iter()
        .map(|a| {
            let county = a["county"].as_str().unwrap_or("");
            (
                a["id"].as_str().unwrap(),
                a["line"].as_u64().unwrap(),
                a["date"].as_str().unwrap(),
                county,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("1", 2, "2019-10-01", "平遥县"), ("2", 3, "2019-10-02", "")]
    );
}
