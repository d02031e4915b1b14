//! `--format parquet` writes articles.parquet, and it reads back with the same articles as topics.json.
//! Built only with the `parquet` feature (`cargo test --release --all-features`, as CI runs it).
#![cfg(feature = "parquet")]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt32Type};
use arrow_array::{Array, RecordBatch};
use common::{json, ok};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn read(path: &std::path::Path) -> RecordBatch {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    arrow_select_concat(&batches)
}

fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    assert_eq!(batches.len(), 1, "19 articles fit one batch");
    batches[0].clone()
}

#[test]
fn parquet_holds_every_article_with_its_cluster_theme_keywords_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("pages.csv");
    std::fs::write(
        &manifest,
        "file,date,source\n000_741fc0305083c170.txt,2025-10-20,平遥报\n",
    )
    .unwrap();
    ok(
        dir.path(),
        &[
            "topics",
            "--manifest",
            "pages.csv",
            "--format",
            "parquet",
            "-q",
        ],
    );
    let report = json(dir.path().join("reports/topics.json"));
    let articles = report["articles"].as_array().unwrap();
    let batch = read(&dir.path().join("reports/articles.parquet"));
    assert_eq!(batch.num_rows(), articles.len());
    assert_eq!(batch.num_rows(), 19);

    let col = |name: &str| batch.column_by_name(name).unwrap().clone();
    let ids = col("id");
    let ids = ids.as_string::<i32>();
    let themes = col("theme");
    let themes = themes.as_string::<i32>();
    let clusters = col("cluster");
    let clusters = clusters.as_primitive::<UInt32Type>();
    let counties = col("county");
    let counties = counties.as_string::<i32>();
    let keywords = col("keywords");
    let keywords = keywords.as_list::<i32>();
    for (i, a) in articles.iter().enumerate() {
        assert_eq!(ids.value(i), a["id"].as_str().unwrap());
        assert_eq!(themes.value(i), a["theme"].as_str().unwrap());
        assert_eq!(u64::from(clusters.value(i)), a["cluster"].as_u64().unwrap());
        assert_eq!(counties.value(i), a["county"].as_str().unwrap());
        let words = keywords.value(i);
        let words = words.as_struct();
        let first = words.column(0).as_string::<i32>().value(0);
        let weight = words.column(1).as_primitive::<Float64Type>().value(0);
        assert_eq!(first, a["keywords"][0]["word"].as_str().unwrap());
        assert_eq!(weight, a["keywords"][0]["weight"].as_f64().unwrap());
    }
    // The manifest's date reaches the articles of its page, and its source the `source` column.
    let dates = col("date");
    let dates = dates.as_string::<i32>();
    let sources = col("source");
    let sources = sources.as_string::<i32>();
    let dated: Vec<usize> = (0..batch.num_rows())
        .filter(|&i| !dates.is_null(i))
        .collect();
    assert!(!dated.is_empty() && dated.len() < 19, "{dated:?}");
    assert!(dated
        .iter()
        .all(|&i| dates.value(i) == "2025-10-20" && sources.value(i) == "平遥报"));
    assert!(col("line").is_null(0), "page articles have no line");
    assert!(!col("span_start").is_null(0), "but they have a span");
}

#[test]
fn parquet_is_byte_identical_across_runs_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = |threads: &str, out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_analyze"))
            .args(["topics", "--format", "parquet", "-q", "-o", out])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success());
        std::fs::read(dir.path().join(out).join("articles.parquet")).unwrap()
    };
    assert_eq!(bytes("1", "a"), bytes("2", "b"));
}
