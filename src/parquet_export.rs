//! `articles.parquet`: every analysed article with its metadata, cluster, theme and keywords, as one
//! Parquet file (Snappy) that DuckDB, pandas/pyarrow and Spark read, for users who carry the result into
//! their own engine. Behind the `parquet` cargo feature.

use crate::error::{Error, Result};
use crate::topics::{ArticleReport, TopicsReport};
use arrow_array::builder::{
    Float64Builder, ListBuilder, MapBuilder, StringBuilder, StructBuilder, UInt32Builder,
    UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

/// Articles per row group (and per batch built in memory).
const ROWS_PER_GROUP: usize = 65_536;

/// Writes `articles.parquet` into `out` and returns its path.
pub fn write_articles(report: &TopicsReport, out: &Path) -> Result<std::path::PathBuf> {
    let path = out.join("articles.parquet");
    let failed = |e: String| Error::Usage(format!("{}: cannot write Parquet: {e}", path.display()));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .build();
    let mut writer: Option<ArrowWriter<Vec<u8>>> = None;
    let chunks: Vec<&[ArticleReport]> = if report.articles.is_empty() {
        vec![&[]]
    } else {
        report.articles.chunks(ROWS_PER_GROUP).collect()
    };
    for chunk in chunks {
        let batch = batch(chunk).map_err(|e| failed(e.to_string()))?;
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(
                ArrowWriter::try_new(Vec::new(), batch.schema(), Some(props.clone()))
                    .map_err(|e| failed(e.to_string()))?,
            ),
        };
        w.write(&batch).map_err(|e| failed(e.to_string()))?;
    }
    let bytes = writer
        .expect("at least one batch")
        .into_inner()
        .map_err(|e| failed(e.to_string()))?;
    crate::output::write_atomic(&path, &bytes)?;
    Ok(path)
}

fn batch(articles: &[ArticleReport]) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let text = |f: fn(&ArticleReport) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        articles.iter().for_each(|a| b.append_option(f(a)));
        Arc::new(b.finish())
    };
    let int = |f: fn(&ArticleReport) -> Option<u64>| -> ArrayRef {
        let mut b = UInt64Builder::new();
        articles.iter().for_each(|a| b.append_option(f(a)));
        Arc::new(b.finish())
    };
    let float = |f: fn(&ArticleReport) -> f64| -> ArrayRef {
        let mut b = Float64Builder::new();
        articles.iter().for_each(|a| b.append_value(f(a)));
        Arc::new(b.finish())
    };
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("id", text(|a| Some(&a.id)), false),
        ("source", text(|a| Some(&a.source)), false),
        ("file", text(|a| Some(&a.file)), false),
        ("line", int(|a| a.line.map(|l| l as u64)), true),
        ("date", text(|a| a.date.as_deref()), true),
        ("title", text(|a| Some(&a.title)), false),
        ("subtitle", text(|a| a.subtitle.as_deref()), true),
        ("section", text(|a| a.section.as_deref()), true),
        ("authors", authors(articles), false),
        ("county", text(|a| a.county.as_deref()), true),
        ("county_code", text(|a| a.county_code.as_deref()), true),
        ("city", text(|a| a.city.as_deref()), true),
        ("province", text(|a| a.province.as_deref()), true),
        ("county_from", text(|a| a.county_from.as_deref()), true),
        ("cluster", small(articles, |a| a.cluster), false),
        ("theme", text(|a| Some(&a.theme)), false),
        ("confidence", float(|a| a.confidence), false),
        ("runner_up", small(articles, |a| a.runner_up), false),
        (
            "keywords",
            pairs(articles, "word", "weight", |a| {
                a.keywords
                    .iter()
                    .map(|k| (k.word.as_str(), k.weight))
                    .collect()
            }),
            false,
        ),
        (
            "theme_shares",
            pairs(articles, "theme", "share", |a| {
                a.theme_shares.iter().collect()
            }),
            false,
        ),
        ("span_start", int(|a| a.span.map(|s| s.0 as u64)), true),
        ("span_end", int(|a| a.span.map(|s| s.1 as u64)), true),
        ("chars", int(|a| Some(a.chars as u64)), false),
        ("map_x", float(|a| a.map[0]), false),
        ("map_y", float(|a| a.map[1]), false),
        ("metadata", metadata(articles)?, false),
    ];
    let schema = Schema::new(
        columns
            .iter()
            .map(|(name, array, nullable)| Field::new(*name, array.data_type().clone(), *nullable))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        columns.into_iter().map(|(_, array, _)| array).collect(),
    )
}

fn small(articles: &[ArticleReport], f: fn(&ArticleReport) -> usize) -> ArrayRef {
    let mut b = UInt32Builder::new();
    articles.iter().for_each(|a| b.append_value(f(a) as u32));
    Arc::new(b.finish())
}

fn authors(articles: &[ArticleReport]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for a in articles {
        a.authors.iter().for_each(|n| b.values().append_value(n));
        b.append(true);
    }
    Arc::new(b.finish())
}

/// A list of (name, number) structs per article: keywords with weights, themes with shares.
fn pairs(
    articles: &[ArticleReport],
    name: &str,
    number: &str,
    f: impl Fn(&ArticleReport) -> Vec<(&str, f64)>,
) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new(name, DataType::Utf8, false),
        Field::new(number, DataType::Float64, false),
    ]);
    let item = StructBuilder::new(
        fields,
        vec![
            Box::new(StringBuilder::new()),
            Box::new(Float64Builder::new()),
        ],
    );
    let mut b = ListBuilder::new(item);
    for a in articles {
        for (word, x) in f(a) {
            let s = b.values();
            s.field_builder::<StringBuilder>(0)
                .expect("field 0 is text")
                .append_value(word);
            s.field_builder::<Float64Builder>(1)
                .expect("field 1 is a number")
                .append_value(x);
            s.append(true);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// The record's other fields, as a map from field name to value.
fn metadata(articles: &[ArticleReport]) -> std::result::Result<ArrayRef, arrow_schema::ArrowError> {
    let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for a in articles {
        for (k, v) in &a.metadata {
            b.keys().append_value(k);
            b.values().append_value(v);
        }
        b.append(true)?;
    }
    Ok(Arc::new(b.finish()))
}
