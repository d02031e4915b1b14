//! Per-stage benchmarks on real text: segmentation, TF-IDF, the SVD and k-means, on the 1,000 THUCNews
//! articles of `../shared/corpora/cnews_1000.jsonl` (the five seed pages when that file is absent).
//! Run: `cargo bench --bench stages`.

use analyze::cluster::{self, ClusterOptions, KChoice};
use analyze::corpus::{self, Corpus, InputOptions};
use analyze::segment::{SegmentOptions, Segmenter};
use analyze::vectors::{TfIdf, TfIdfOptions};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static CORPUS: LazyLock<Corpus> = LazyLock::new(|| {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/cnews_1000.jsonl");
    let inputs = if path.exists() {
        vec![path]
    } else {
        Vec::new()
    };
    corpus::load(
        &inputs,
        &InputOptions::default(),
        &SegmentOptions::default(),
    )
    .expect("bench corpus loads")
});

static SEGMENTER: LazyLock<Segmenter> = LazyLock::new(|| {
    Segmenter::new(
        &SegmentOptions::default(),
        &analyze::county::Gazetteer::builtin(),
    )
    .unwrap()
});

#[divan::bench(sample_count = 10)]
fn segment(bencher: divan::Bencher) {
    let texts: Vec<&str> = CORPUS.articles.iter().map(|a| a.text.as_str()).collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    bencher
        .counter(divan::counter::ItemsCount::new(chars))
        .bench(|| SEGMENTER.content_words_all(divan::black_box(&texts)));
}

#[divan::bench(sample_count = 10)]
fn tfidf() -> TfIdf {
    TfIdf::fit(divan::black_box(&CORPUS.tokens), &TfIdfOptions::default())
}

#[divan::bench(sample_count = 10)]
fn svd(bencher: divan::Bencher) {
    let t = TfIdf::fit(&CORPUS.tokens, &TfIdfOptions::default());
    bencher.bench(|| cluster::embed(divan::black_box(&t.matrix), 100, 42).unwrap());
}

#[divan::bench(sample_count = 10)]
fn kmeans_k10(bencher: divan::Bencher) {
    let t = TfIdf::fit(&CORPUS.tokens, &TfIdfOptions::default());
    let x = cluster::embed(&t.matrix, 100, 42).unwrap();
    let options = ClusterOptions {
        k: KChoice::Fixed { k: 10 },
        n_runs: 10,
        ..Default::default()
    };
    bencher.bench(|| cluster::cluster(divan::black_box(&x), &options).unwrap());
}
