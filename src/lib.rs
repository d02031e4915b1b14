//! `analyze`: themes, keywords and county comparison for Chinese news.
//!
//! The pipeline, one module a stage, data flowing one way:
//! [`read`] (files → records) → [`split`] (pages → articles) → [`county`] (which county) →
//! [`segment`] (jieba-rs content words) → [`corpus`] (all of that, with what was skipped) →
//! [`vectors`] (TF-IDF) → [`cluster`] (LSA + k-means) → [`themes`] (keywords, theme names) →
//! [`topics`] (the report) → [`output`] (files and terminal). [`keywords`] serves `analyze keywords`.

pub mod allocator;
pub mod charts;
pub mod cluster;
pub mod compare;
pub mod concordance;
pub mod cooccur;
pub mod corpus;
pub mod correspondence;
pub mod county;
pub mod dates;
pub mod error;
pub mod evaluate;
pub mod half;
pub mod html;
pub mod idle;
pub mod keywords;
pub mod output;
#[cfg(feature = "parquet")]
pub mod parquet_export;
pub mod progress;
pub mod read;
pub mod seeds;
pub mod segment;
pub mod split;
pub mod stats;
pub mod terms;
pub mod themes;
pub mod timing;
pub mod topics;
pub mod vectors;

pub use error::{Error, Result};
