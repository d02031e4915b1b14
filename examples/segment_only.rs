//! Segmentation alone, for the speed target "the whole run within 1.5× of segmenting": reads the inputs as
//! `analyze topics` does (streamed, in chunks, the first ones split while jieba's dictionary loads) and
//! segments every article's headline and text on all cores, keeping nothing. Prints the seconds taken and the
//! words found.
//! Run: `cargo run --release --example segment_only -- ../shared/corpora/news_34k.jsonl`

use analyze::county::Gazetteer;
use analyze::segment::{LoadingSegmenter, SegmentOptions, Segmenter};
use analyze::split::Article;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// The allocator of `analyze` itself (see src/main.rs), so that the yardstick is the same.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> analyze::Result<()> {
    analyze::allocator::keep_freed_memory();
    let start = Instant::now();
    let inputs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let gazetteer = std::sync::Arc::new(Gazetteer::builtin());
    let mut segmenter = LoadingSegmenter::spawn(&SegmentOptions::default(), gazetteer);
    let mut words = 0usize;
    let mut count = |s: &Segmenter, articles: Vec<Article>| words += content_words(s, &articles);
    analyze::read::read_chunks(&inputs, &Default::default(), 4096, |chunk| {
        let articles = analyze::split::articles_from_records(chunk.records);
        segmenter.feed(articles, &mut count)
    })?;
    segmenter.finish(&mut count)?;
    println!(
        "segment-only {:.3} s, {words} content words",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn content_words(segmenter: &Segmenter, articles: &[Article]) -> usize {
    // In pieces as small as the whole run's (src/corpus.rs), so that neither has the better balance.
    articles
        .par_iter()
        .with_max_len(16)
        .map(|a| segmenter.content_words(&a.title).len() + segmenter.content_words(&a.text).len())
        .sum()
}
