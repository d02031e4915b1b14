//! Per-stage benchmarks on real text: segmentation, TF-IDF, the SVD and k-means, on the 1,000 THUCNews
//! articles of `../shared/corpora/cnews_1000.jsonl` (the five seed pages when that file is absent), and the
//! SVD and k-means of a large corpus (above 20,000 articles: the basis from a sample, mini-batches) on the
//! 34,160 records of `../shared/corpora/news_34k.jsonl` (skipped when that file is absent).
//! Run: `cargo bench --bench stages`.

use analyze::cluster::{self, ClusterOptions, KChoice};
use analyze::corpus::{self, Corpus, InputOptions};
use analyze::segment::{SegmentOptions, Segmenter};
use analyze::vectors::{TfIdf, TfIdfOptions};
use std::sync::LazyLock;

/// The allocator of `analyze` itself (see src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    analyze::allocator::keep_freed_memory();
    divan::main();
}

fn inputs() -> Vec<std::path::PathBuf> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/cnews_1000.jsonl");
    if path.exists() {
        vec![path]
    } else {
        Vec::new()
    }
}

/// The articles' texts (the corpus keeps only their words).
static TEXTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let input = match inputs().as_slice() {
        [] => analyze::seeds::seed_input(),
        paths => {
            analyze::read::read_inputs(paths, &Default::default()).expect("bench corpus reads")
        }
    };
    analyze::split::articles_from_records(input.records)
        .into_iter()
        .map(|a| a.text)
        .collect()
});

static CORPUS: LazyLock<Corpus> = LazyLock::new(|| {
    let inputs = inputs();
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
    let texts: Vec<&str> = TEXTS.iter().map(String::as_str).collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    bencher
        .counter(divan::counter::ItemsCount::new(chars))
        .bench(|| SEGMENTER.content_words_all(divan::black_box(&texts)));
}

#[divan::bench(sample_count = 10)]
fn tfidf() -> TfIdf<'static> {
    TfIdf::fit(
        divan::black_box(&CORPUS.words),
        &CORPUS.vocabulary,
        &TfIdfOptions::default(),
    )
}

#[divan::bench(sample_count = 10)]
fn svd(bencher: divan::Bencher) {
    let t = TfIdf::fit(&CORPUS.words, &CORPUS.vocabulary, &TfIdfOptions::default());
    bencher.bench(|| cluster::embed(divan::black_box(&t), 100, 42).unwrap());
}

#[divan::bench(sample_count = 10)]
fn kmeans_k10(bencher: divan::Bencher) {
    let t = TfIdf::fit(&CORPUS.words, &CORPUS.vocabulary, &TfIdfOptions::default());
    let x = cluster::embed(&t, 100, 42).unwrap();
    let options = ClusterOptions {
        k: KChoice::Fixed { k: 10 },
        n_runs: 10,
        ..Default::default()
    };
    bencher.bench(|| cluster::cluster(divan::black_box(&x), &options).unwrap());
}

/// news_34k, loaded once, or `None` where it is absent.
static LARGE: LazyLock<Option<Corpus>> = LazyLock::new(|| {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/news_34k.jsonl");
    if !path.exists() {
        eprintln!("skipped: {} is absent", path.display());
        return None;
    }
    let corpus = corpus::load(
        &[path],
        &InputOptions::default(),
        &SegmentOptions::default(),
    );
    Some(corpus.expect("news_34k loads"))
});

#[divan::bench(sample_count = 10)]
fn svd_news_34k(bencher: divan::Bencher) {
    let Some(corpus) = LARGE.as_ref() else { return };
    let t = TfIdf::fit(&corpus.words, &corpus.vocabulary, &TfIdfOptions::default());
    bencher.bench(|| cluster::embed(divan::black_box(&t), 100, 42).unwrap());
}

#[divan::bench(sample_count = 10)]
fn kmeans_news_34k_k20(bencher: divan::Bencher) {
    let Some(corpus) = LARGE.as_ref() else { return };
    let t = TfIdf::fit(&corpus.words, &corpus.vocabulary, &TfIdfOptions::default());
    let x = cluster::embed(&t, 100, 42).unwrap();
    let options = ClusterOptions {
        k: KChoice::Fixed { k: 20 },
        n_runs: analyze::topics::default_runs(x.nrows()),
        ..Default::default()
    };
    bencher.bench(|| cluster::cluster(divan::black_box(&x), &options).unwrap());
}
