//! The corpus as the later stages see it: articles read, split, tagged with their county and segmented,
//! with everything that was left out and why.

use crate::county::{CountyTag, Gazetteer};
use crate::error::{Error, Result};
use crate::read::{Input, Skipped};
use crate::segment::{LoadingSegmenter, SegmentOptions, Segmenter};
use crate::split::{articles_from_records, Article, ArticleKind};
use crate::terms::{count_ids, Bags, Vocabulary, MAX_WORDS};
use crate::timing;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::PathBuf;

pub struct Corpus {
    /// Articles that are analysed, in input order, without their text: it is dropped once segmented, so that
    /// memory does not grow with the corpus's bytes (see `chars`).
    pub articles: Vec<Article>,
    /// Characters in each article's text.
    pub chars: Vec<usize>,
    pub counties: Vec<Option<CountyTag>>,
    pub vocabulary: Vocabulary,
    /// Content words of each article, headline and text together, as a bag of word ids.
    pub words: Bags,
    /// Content words of each article's headline (title and subtitle).
    pub headline_words: Bags,
    /// Each article's content words in order (headline first), kept only when asked for (TextRank).
    pub sequences: Option<Vec<Vec<u32>>>,
    /// Photo captions and other short items cut from pages, with their county; not clustered.
    pub captions: Vec<(Article, Option<CountyTag>)>,
    pub skipped: Vec<Skipped>,
    pub files: Vec<String>,
    /// Records read: pages and table rows, those skipped as they were read (an empty text, a line not in the
    /// file's encoding, a whole file that is not text) among them, so that records = analysed + skipped for
    /// tables.
    pub records: usize,
}

/// How input is read, and metadata for `.txt` pages, which carry none of their own.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Decode every file with this encoding (a WHATWG label: utf-8, gb18030, gbk, utf-16le …) instead of
    /// detecting it.
    pub encoding: Option<String>,
    /// Fields that JSONL and CSV files hold under other names, as (field, column) pairs (`--field text=正文`).
    pub fields: Vec<(String, String)>,
    /// A sidecar manifest (CSV or TOML) mapping page files to date, source, county.
    pub manifest: Option<PathBuf>,
    /// A date for every page the manifest leaves undated.
    pub date: Option<String>,
    /// What a `.txt` file holds: a page to split, or one article.
    pub txt: crate::read::TxtFile,
    /// The folder of the reports, not read when a folder of inputs holds it.
    pub reports: Option<PathBuf>,
    /// What standard input holds, when told.
    pub stdin_as: Option<crate::read::InputKind>,
    /// Any skipped record is an error.
    pub strict: bool,
}

/// Records handed to the later stages at once when streaming: big enough to keep both cores busy.
const CHUNK: usize = 4096;
/// Below this many words in the vocabulary, articles are segmented this many at a time (see `Builder::add`).
const WARM_VOCABULARY: usize = 20_000;
const WARM_PIECE: usize = 512;

/// Reads the inputs (the bundled seeds when none are given) and prepares every article, a chunk of records
/// at a time: only the articles' metadata and bags of words are kept, never the whole input.
pub fn load(inputs: &[PathBuf], pages: &InputOptions, segment: &SegmentOptions) -> Result<Corpus> {
    let reading = Reading::new(pages)?;
    let gazetteer = std::sync::Arc::new(Gazetteer::builtin());
    // Splitting and county tagging need no segmenter: the first chunks get them while it loads.
    let mut segmenter = LoadingSegmenter::spawn(segment, gazetteer.clone());
    let mut builder = Builder::new(&gazetteer, segment.keep_order);
    reading.read(inputs, |chunk| {
        let tagged = builder.split_and_tag(chunk);
        segmenter.feed(tagged, |s, tagged| builder.segment_and_keep(tagged, s))
    })?;
    segmenter.finish(|s, tagged| builder.segment_and_keep(tagged, s))?;
    builder.seconds.dictionary = segmenter.waited();
    let corpus = builder.finish()?;
    if pages.strict {
        refuse_skipped(&corpus.skipped, "see skipped.csv")?;
    }
    Ok(corpus)
}

/// Reads the inputs as [`load`] does, a chunk at a time, and hands each chunk's articles and captions,
/// tagged with their county, to `each` with the records skipped as they were read. Nothing is segmented.
/// Returns the number of records read.
pub fn read_tagged(
    inputs: &[PathBuf],
    pages: &InputOptions,
    mut each: impl FnMut(Vec<(Article, Option<CountyTag>)>, Vec<Skipped>) -> Result<()>,
) -> Result<usize> {
    let reading = Reading::new(pages)?;
    let gazetteer = Gazetteer::builtin();
    let mut records = 0;
    reading.read(inputs, |chunk| {
        records += chunk.records.len() + chunk.skipped.len();
        let page_text = page_texts(&chunk.records);
        let articles = articles_from_records(chunk.records);
        let counties = counties_of(&gazetteer, &articles, &page_text);
        each(articles.into_iter().zip(counties).collect(), chunk.skipped)
    })?;
    Ok(records)
}

/// With `--strict`, the first skipped record as an error; `listed` says where a run without it lists them all.
pub fn refuse_skipped(skipped: &[Skipped], listed: &str) -> Result<()> {
    match skipped.first() {
        None => Ok(()),
        Some(first) => Err(Error::input(
            &first.source,
            first.line,
            format!(
                "{} (--strict: {} record(s) skipped in all; {listed} without --strict)",
                first.reason,
                skipped.len()
            ),
        )),
    }
}

/// How the inputs are read, checked before any is opened.
struct Reading<'p> {
    options: crate::read::ReadOptions,
    manifest: Option<Vec<crate::read::ManifestEntry>>,
    pages: &'p InputOptions,
}

impl<'p> Reading<'p> {
    fn new(pages: &'p InputOptions) -> Result<Self> {
        let encoding = match &pages.encoding {
            Some(label) => Some(encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                Error::Usage(format!("--encoding {label}: unknown encoding (try utf-8, gb18030, gbk, big5, utf-16le)"))
            })?),
            None => None,
        };
        let options = crate::read::ReadOptions {
            encoding,
            fields: crate::read::FieldNames::new(pages.fields.clone())?,
            txt: pages.txt,
            reports: pages.reports.clone(),
            stdin_as: pages.stdin_as,
        };
        if let Some(date) = &pages.date {
            if crate::dates::parse_date(date).is_none() {
                let forms = crate::dates::DATE_FORMS;
                return Err(Error::Usage(format!(
                    "--date {date}: not a date (write {forms})"
                )));
            }
        }
        let manifest = match &pages.manifest {
            Some(path) => Some(crate::read::read_manifest(path)?),
            None => None,
        };
        Ok(Reading {
            options,
            manifest,
            pages,
        })
    }

    /// Hands every chunk of the inputs (the bundled seeds when there are none), with the manifest's and
    /// `--date`'s metadata applied, to `add`.
    fn read(&self, inputs: &[PathBuf], mut add: impl FnMut(Input) -> Result<()>) -> Result<()> {
        let mut complete = |mut chunk: Input| {
            if let Some(entries) = &self.manifest {
                crate::read::apply_manifest_entries(&mut chunk, entries);
            }
            if let Some(date) = &self.pages.date {
                crate::read::default_page_date(&mut chunk, date);
            }
            add(chunk)
        };
        if inputs.is_empty() {
            complete(crate::seeds::seed_input())
        } else {
            crate::read::read_chunks(inputs, &self.options, CHUNK, complete)
        }
    }
}

/// The text of each page among some records, by file: a page's articles are tagged with the whole page in
/// view.
fn page_texts(records: &[crate::read::Record]) -> HashMap<String, String> {
    records
        .iter()
        .filter(|r| r.kind == crate::read::RecordKind::Page)
        .map(|r| (r.file.clone(), r.text.clone()))
        .collect()
}

/// The county of each article, in parallel.
fn counties_of(
    gazetteer: &Gazetteer,
    articles: &[Article],
    page_text: &HashMap<String, String>,
) -> Vec<Option<CountyTag>> {
    articles
        .par_iter()
        .map(|article| {
            let page = match article.line {
                None => page_text.get(&article.file).map_or("", String::as_str),
                Some(_) => "",
            };
            county_of(gazetteer, article, page)
        })
        .collect()
}

/// The corpus of input already read (the seeds, in tests).
pub fn build(input: Input, gazetteer: &Gazetteer, segmenter: &Segmenter) -> Result<Corpus> {
    let mut builder = Builder::new(gazetteer, false);
    let tagged = builder.split_and_tag(input);
    builder.segment_and_keep(tagged, segmenter);
    builder.finish()
}

/// Builds a corpus from chunks of records, in input order.
pub struct Builder<'a> {
    gazetteer: &'a Gazetteer,
    corpus: Corpus,
    /// Hash of each text seen (whitespace ignored) and the id of the article that had it first.
    seen: FxHashMap<u128, String>,
    /// The last piece segmented, waiting to be admitted while the next one is segmented (see
    /// [`Builder::segment_and_keep`]).
    pending: Option<Piece>,
    /// Records that reached splitting (the rest were skipped as they were read).
    parsed: usize,
    seconds: Seconds,
    started: std::time::Instant,
}

/// Time spent in each stage of loading, summed over the chunks.
#[derive(Default)]
struct Seconds {
    /// Waiting for jieba's dictionary to load, once the work that needs no segmenter is done.
    dictionary: f64,
    split: f64,
    county: f64,
    segment: f64,
    /// Interning that nothing ran beside (the rest is done while the next piece is segmented, in `segment`).
    intern: f64,
}

/// An article's content words as segmentation leaves them, counted: the id of each word the vocabulary held
/// before its chunk (looked up in parallel), and the words it did not hold, to be interned in input order so
/// that ids never depend on the number of threads.
struct Segmented {
    /// Bags of the headline's words and of all words (headline and body): a known word's id, or `NEW | i`
    /// for `new[i]`, with its count, sorted (so new words come last).
    headline: Vec<(u32, u32)>,
    all: Vec<(u32, u32)>,
    /// The same ids in text order, when they are kept (TextRank).
    order: Option<Vec<u32>>,
    /// Distinct words new to the vocabulary, in order of first occurrence.
    new: Vec<Box<str>>,
    chars: usize,
}

/// Articles split from a chunk of records, with their county, waiting to be segmented.
pub struct Tagged(Vec<(Article, Option<CountyTag>)>);

/// Articles segmented and looked up, waiting to be admitted: with the earlier article each repeats, if any.
/// Their texts are held until then: with the chunk being segmented and the one being read, three chunks
/// of text are in memory at most.
struct Piece {
    articles: Vec<(Article, Option<CountyTag>)>,
    repeats: Vec<Option<String>>,
    segmented: Vec<Segmented>,
}

/// Marks a word id that indexes an article's new words rather than the vocabulary (ids are all below it).
const NEW: u32 = MAX_WORDS;

/// A bag with the ids of its new words filled in (`new_ids[i]` for `NEW | i`), sorted again. Only the new
/// words need sorting: they come last in the bag, and their ids, given after the bag's words were looked
/// up, are above every id it held then.
fn resolve<'b>(bag: &'b [(u32, u32)], new_ids: &[u32]) -> std::borrow::Cow<'b, [(u32, u32)]> {
    if new_ids.is_empty() {
        return bag.into();
    }
    let known = bag.partition_point(|&(t, _)| t & NEW == 0);
    let mut bag = bag.to_vec();
    let new = &mut bag[known..];
    new.iter_mut()
        .for_each(|(t, _)| *t = resolve_id(*t, new_ids));
    new.sort_unstable();
    debug_assert!(bag.windows(2).all(|w| w[0].0 < w[1].0));
    bag.into()
}

fn resolve_id(t: u32, new_ids: &[u32]) -> u32 {
    match t & NEW {
        0 => t,
        _ => new_ids[(t & !NEW) as usize],
    }
}

impl<'a> Builder<'a> {
    pub fn new(gazetteer: &'a Gazetteer, keep_order: bool) -> Self {
        Builder {
            gazetteer,
            corpus: Corpus {
                articles: Vec::new(),
                chars: Vec::new(),
                counties: Vec::new(),
                vocabulary: Vocabulary::default(),
                words: Bags::default(),
                headline_words: Bags::default(),
                sequences: keep_order.then(Vec::new),
                captions: Vec::new(),
                skipped: Vec::new(),
                files: Vec::new(),
                records: 0,
            },
            seen: FxHashMap::default(),
            pending: None,
            parsed: 0,
            seconds: Seconds::default(),
            started: std::time::Instant::now(),
        }
    }

    /// The articles of some records, split and tagged with their county: all that needs no segmenter.
    /// Their captions, skipped records and files go to the corpus.
    pub fn split_and_tag(&mut self, input: Input) -> Tagged {
        let Input {
            records,
            skipped,
            files,
        } = input;
        self.corpus.records += records.len() + skipped.len();
        self.parsed += records.len();
        self.corpus.skipped.extend(skipped);
        self.corpus.files.extend(files);
        let page_text = page_texts(&records);
        let all = timing::add(&mut self.seconds.split, || articles_from_records(records));
        let counties = timing::add(&mut self.seconds.county, || {
            counties_of(self.gazetteer, &all, &page_text)
        });
        let mut articles = Vec::new();
        for (article, county) in all.into_iter().zip(counties) {
            match article.kind {
                ArticleKind::Article => articles.push((article, county)),
                ArticleKind::Caption => self.corpus.captions.push((article, county)),
            }
        }
        Tagged(articles)
    }

    /// Segments tagged articles and keeps those that are not duplicates or empty. Duplicates are found
    /// first, so that they are never segmented: news is often reprinted word for word.
    ///
    /// Admitting a piece (interning its new words in input order) is serial. Once the vocabulary has grown,
    /// it is done while the next piece is segmented: done between pieces it left a core idle for 15-25 ms a
    /// chunk. The next piece's words are looked up after it, so that they find the words it interned.
    pub fn segment_and_keep(&mut self, Tagged(mut articles): Tagged, segmenter: &Segmenter) {
        let mut repeats = self.repeats(&articles);
        while !articles.is_empty() {
            // While the vocabulary is young nearly every word is new to it, and new words are interned one
            // by one in input order: a small first piece lets the rest of the chunk find them in parallel.
            if self.corpus.vocabulary.len() < WARM_VOCABULARY {
                let rest = articles.split_off(WARM_PIECE.min(articles.len()));
                let rest_repeats = repeats.split_off(articles.len());
                let pending = self.pending.take();
                self.admit_now(pending);
                let words = self.segment(&articles, &repeats, segmenter);
                let segmented = self.look_up(&articles, words);
                // The next piece's words are looked up in a vocabulary that holds this piece's.
                self.admit_now(Some(Piece {
                    articles,
                    repeats,
                    segmented,
                }));
                (articles, repeats) = (rest, rest_repeats);
                continue;
            }
            let start = std::time::Instant::now();
            let pending = self.pending.take();
            let coming = articles.len();
            let (words, ()) = rayon::join(
                || segment_words(&articles, &repeats, segmenter),
                || {
                    self.admit(pending);
                    self.make_room(coming);
                },
            );
            self.seconds.segment += start.elapsed().as_secs_f64();
            let segmented = self.look_up(&articles, words);
            self.pending = Some(Piece {
                articles: std::mem::take(&mut articles),
                repeats: std::mem::take(&mut repeats),
                segmented,
            });
        }
    }

    /// For each article, the id of the earlier article whose text it repeats (whitespace aside), if any.
    /// Decided in input order, so that the first of them is the one kept.
    fn repeats(&mut self, articles: &[(Article, Option<CountyTag>)]) -> Vec<Option<String>> {
        let keys: Vec<u128> = timing::add(&mut self.seconds.segment, || {
            articles
                .par_iter()
                .map(|(a, _)| text_key(&a.text))
                .collect()
        });
        let start = std::time::Instant::now();
        let repeats = articles
            .iter()
            .zip(keys)
            .map(|((article, _), key)| match self.seen.entry(key) {
                Entry::Occupied(first) => Some(first.get().clone()),
                Entry::Vacant(entry) => {
                    entry.insert(article.id.clone());
                    None
                }
            })
            .collect();
        self.seconds.intern += start.elapsed().as_secs_f64();
        repeats
    }

    /// The content words of the articles that repeat no earlier one, segmented in parallel.
    fn segment<'t>(
        &mut self,
        articles: &'t [(Article, Option<CountyTag>)],
        repeats: &[Option<String>],
        segmenter: &'t Segmenter,
    ) -> Vec<(Vec<&'t str>, usize)> {
        timing::add(&mut self.seconds.segment, || {
            segment_words(articles, repeats, segmenter)
        })
    }

    /// The segmented articles' words as ids of the vocabulary (or new), in parallel. Words are looked up in
    /// a second pass, after the whole piece is segmented: between two articles jieba's dictionary pushed the
    /// vocabulary out of the cache, so that nearly every look-up missed it. Looked up one article after
    /// another, the common words stay in the cache.
    fn look_up(
        &mut self,
        articles: &[(Article, Option<CountyTag>)],
        words: Vec<(Vec<&str>, usize)>,
    ) -> Vec<Segmented> {
        let vocabulary = &self.corpus.vocabulary;
        let keep_order = self.corpus.sequences.is_some();
        timing::add(&mut self.seconds.segment, || {
            articles
                .par_iter()
                .zip(words)
                .map(|((a, _), words)| look_up(vocabulary, a, words, keep_order))
                .collect()
        })
    }

    /// Admits a piece, if any: decides, in input order, which of its articles are kept, gives
    /// their new words ids (in input order, so that ids never depend on the number of threads), and keeps
    /// their bags of words and their metadata (their text is dropped).
    fn admit(&mut self, piece: Option<Piece>) {
        let Some(Piece {
            articles,
            repeats,
            segmented,
        }) = piece
        else {
            return;
        };
        for (((mut article, county), repeat), words) in
            articles.into_iter().zip(repeats).zip(segmented)
        {
            match reject(&article, repeat.as_deref(), &words) {
                Some(reason) => self.corpus.skipped.push(Skipped {
                    source: article.file.clone(),
                    line: article.line,
                    reason,
                }),
                None => {
                    self.keep(&words);
                    article.text = String::new();
                    self.corpus.articles.push(article);
                    self.corpus.counties.push(county);
                }
            }
        }
    }

    /// Grows the corpus's tables for a piece of `articles` while that piece is segmented, so that admitting
    /// it never grows them: the last piece is admitted with nothing beside it, and growing a table there
    /// (copying it into fresh memory) kept a core idle for 27 ms at the end of loading news_34k in a
    /// profiled run.
    fn make_room(&mut self, articles: usize) {
        let corpus = &mut self.corpus;
        corpus.articles.reserve(articles);
        corpus.counties.reserve(articles);
        corpus.chars.reserve(articles);
        corpus.words.reserve(articles);
        corpus.headline_words.reserve(articles);
        if let Some(sequences) = &mut corpus.sequences {
            sequences.reserve(articles);
        }
    }

    /// [`Builder::admit`] with nothing beside it, timed as interning.
    fn admit_now(&mut self, piece: Option<Piece>) {
        let start = std::time::Instant::now();
        self.admit(piece);
        self.seconds.intern += start.elapsed().as_secs_f64();
    }

    fn keep(&mut self, words: &Segmented) {
        let vocabulary = &mut self.corpus.vocabulary;
        let new_ids: Vec<u32> = words.new.iter().map(|w| vocabulary.intern(w)).collect();
        self.corpus.words.push(&resolve(&words.all, &new_ids));
        self.corpus
            .headline_words
            .push(&resolve(&words.headline, &new_ids));
        self.corpus.chars.push(words.chars);
        if let (Some(sequences), Some(order)) = (&mut self.corpus.sequences, &words.order) {
            sequences.push(order.iter().map(|&t| resolve_id(t, &new_ids)).collect());
        }
    }

    /// The corpus, with the time of each stage reported under `--timings`.
    pub fn finish(mut self) -> Result<Corpus> {
        let pending = self.pending.take();
        self.admit_now(pending);
        // Reading and parsing happen between the chunks: the rest of the time since the builder started.
        let t = &self.seconds;
        let staged = t.dictionary + t.split + t.county + t.segment + t.intern;
        timing::report("read", self.started.elapsed().as_secs_f64() - staged);
        for (name, seconds) in [
            ("dictionary", t.dictionary),
            ("split", t.split),
            ("county", t.county),
            ("segment", t.segment),
            ("intern", t.intern),
        ] {
            timing::report(name, seconds);
        }
        let mut corpus = self.corpus;
        if self.parsed == 0 {
            return Err(Error::Usage(match corpus.skipped.first() {
                Some(s) => format!(
                    "no text to analyse: {} ({}) and {} more skipped",
                    s.source,
                    s.reason,
                    corpus.skipped.len() - 1
                ),
                None => "no text to analyse".into(),
            }));
        }
        corpus
            .skipped
            .sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
        corpus.files.sort();
        corpus.files.dedup();
        Ok(corpus)
    }
}

/// Why an article is not analysed: it repeats an earlier text, or has no content word.
fn reject(article: &Article, repeat_of: Option<&str>, words: &Segmented) -> Option<String> {
    if let Some(first) = repeat_of {
        return Some(format!(
            "duplicate text: `{}` repeats `{first}`",
            article.id
        ));
    }
    words
        .all
        .is_empty()
        .then(|| format!("no content words in article `{}`", article.id))
}

/// The content words of the articles that repeat no earlier one (none for the others), in parallel.
fn segment_words<'t>(
    articles: &'t [(Article, Option<CountyTag>)],
    repeats: &[Option<String>],
    segmenter: &'t Segmenter,
) -> Vec<(Vec<&'t str>, usize)> {
    // Small pieces of work: without a bound, a piece that was never stolen is not split, and the core that
    // admitted the last piece meanwhile could find nothing left to take at the end of this one.
    articles
        .par_iter()
        .zip(repeats)
        .with_max_len(16)
        .map(|((a, _), repeat)| match repeat {
            None => content_words(segmenter, a),
            Some(_) => (Vec::new(), 0),
        })
        .collect()
}

/// An article's content words, headline (title and subtitle) first, and how many are the headline's.
fn content_words<'t>(segmenter: &'t Segmenter, article: &'t Article) -> (Vec<&'t str>, usize) {
    let mut words = segmenter.content_words(&article.title);
    if let Some(subtitle) = &article.subtitle {
        words.extend(segmenter.content_words(subtitle));
    }
    let headline_len = words.len();
    words.extend(segmenter.content_words(&article.text));
    (words, headline_len)
}

/// An article's words as ids of the vocabulary (or new), counted.
fn look_up(
    vocabulary: &Vocabulary,
    article: &Article,
    (words, headline_len): (Vec<&str>, usize),
    keep_order: bool,
) -> Segmented {
    let mut new: Vec<&str> = Vec::new();
    let mut new_index: FxHashMap<&str, u32> = FxHashMap::default();
    let tokens: Vec<u32> = words
        .into_iter()
        .map(|w| match vocabulary.get(w) {
            Some(id) => id,
            None => {
                NEW | *new_index.entry(w).or_insert_with(|| {
                    new.push(w);
                    new.len() as u32 - 1
                })
            }
        })
        .collect();
    Segmented {
        headline: count_ids(tokens[..headline_len].to_vec()),
        order: keep_order.then(|| tokens.clone()),
        all: count_ids(tokens),
        new: new.into_iter().map(Box::from).collect(),
        chars: article.text.chars().count(),
    }
}

/// A 128-bit hash (XXH3) of a text with its whitespace removed: two texts that differ only in spacing or
/// line breaks are the same article. A hash rather than the text itself, so that memory stays small.
/// The pieces between whitespace are copied into one buffer and hashed at once (the same hash as fed piece by
/// piece); whitespace is found 32 bytes at a time (see [`whitespace_starts`]). Over news_34k's texts, 28 ms of
/// one core, where hashing piece by piece and deciding window by window whether to look at each byte took 47.
pub(crate) fn text_key(text: &str) -> u128 {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER
        .with_borrow_mut(|buffer| twox_hash::XxHash3_128::oneshot(without_whitespace(text, buffer)))
}

/// The text's bytes without its whitespace characters: the text itself when it has none, else copied into
/// `buffer`.
fn without_whitespace<'a>(text: &'a str, buffer: &'a mut Vec<u8>) -> &'a [u8] {
    let bytes = text.as_bytes();
    buffer.clear();
    let mut run = 0;
    let mut drop_if_whitespace = |at: usize, run: &mut usize| {
        // Only a byte that can start a whitespace character is asked about, and such a byte is never inside
        // a character: `at` is a character boundary.
        if let Some(space) = text[at..].chars().next().filter(|c| c.is_whitespace()) {
            buffer.extend_from_slice(&bytes[*run..at]);
            *run = at + space.len_utf8();
        }
    };
    let mut at = 0;
    while let Some(window) = bytes.get(at..at + WINDOW + 2) {
        let mut starts = whitespace_starts(window.try_into().expect("WINDOW + 2 bytes"));
        while starts != 0 {
            let start = at + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if start >= run {
                drop_if_whitespace(start, &mut run);
            }
        }
        at += WINDOW;
    }
    for start in at..bytes.len() {
        if start >= run && MAY_START_WHITESPACE[bytes[start] as usize] {
            drop_if_whitespace(start, &mut run);
        }
    }
    if run == 0 {
        return bytes;
    }
    buffer.extend_from_slice(&bytes[run..]);
    buffer
}

/// Bytes looked at at once by [`whitespace_starts`].
const WINDOW: usize = 32;

/// The first bytes of the UTF-8 of every whitespace character (`char::is_whitespace`).
static MAY_START_WHITESPACE: std::sync::LazyLock<[bool; 256]> = std::sync::LazyLock::new(|| {
    let mut table = [false; 256];
    for c in (char::MIN..=char::MAX).filter(|c| c.is_whitespace()) {
        table[c.encode_utf8(&mut [0; 4]).as_bytes()[0] as usize] = true;
    }
    table
});

/// A bit for each of the first `WINDOW` bytes where a whitespace character may start: a byte of ASCII
/// whitespace or below, or the bytes of U+0085 and U+00A0 (C2 85, C2 A0), U+1680 (E1 9A 80), U+2000–U+200A,
/// U+2028, U+2029 and U+202F (E2 80 80–8A, A8, A9, AF), U+205F (E2 81 9F) or U+3000 (E3 80 80). Other
/// characters with those first bytes, the commonest punctuation of Chinese among them (“ ” — … in E2, 、。in
/// E3, the middle dot of names in C2), are told apart by the bytes after: a lead byte alone sent a third of
/// the windows of news text to be looked at byte by byte. A superset (a control character below 0x20 is
/// flagged too), so only flagged bytes need decoding.
fn whitespace_starts(window: &[u8; WINDOW + 2]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, all `whitespace_starts_avx2` asks.
            return unsafe { whitespace_starts_avx2(window) };
        }
    }
    whitespace_starts_plain(window)
}

/// [`whitespace_starts`] a byte at a time: what the AVX2 version must give.
fn whitespace_starts_plain(window: &[u8; WINDOW + 2]) -> u32 {
    let mut starts = 0;
    for i in 0..WINDOW {
        let (b, next, last) = (window[i], window[i + 1], window[i + 2]);
        let latin = (b == 0xC2) & ((next == 0x85) | (next == 0xA0));
        let ogham = (b == 0xE1) & (next == 0x9A) & (last == 0x80);
        let general = (b == 0xE2)
            & (((next == 0x80)
                & ((last <= 0x8A) | (last == 0xA8) | (last == 0xA9) | (last == 0xAF)))
                | ((next == 0x81) & (last == 0x9F)));
        let ideographic = (b == 0xE3) & (next == 0x80) & (last == 0x80);
        let start = (b <= 0x20) | latin | ogham | general | ideographic;
        starts |= u32::from(start) << i;
    }
    starts
}

/// [`whitespace_starts`] on 32 bytes side by side: each byte compared with the byte one and two places on.
/// Written out because the compiler made no such thing of the plain version.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn whitespace_starts_avx2(window: &[u8; WINDOW + 2]) -> u32 {
    use std::arch::x86_64::*;
    let at = window.as_ptr();
    // SAFETY: the window holds 34 bytes, so each load of 32 starting at 0, 1 or 2 is inside it.
    let (b, next, last) = unsafe {
        (
            _mm256_loadu_si256(at.cast()),
            _mm256_loadu_si256(at.add(1).cast()),
            _mm256_loadu_si256(at.add(2).cast()),
        )
    };
    let splat = |x: u8| _mm256_set1_epi8(x as i8);
    let eq = |v: __m256i, x: u8| _mm256_cmpeq_epi8(v, splat(x));
    // Unsigned `v <= x` as `min(v, x) == v`.
    let at_most = |v: __m256i, x: u8| _mm256_cmpeq_epi8(_mm256_min_epu8(v, splat(x)), v);
    let (or, and) = (
        |x: __m256i, y: __m256i| _mm256_or_si256(x, y),
        |x: __m256i, y: __m256i| _mm256_and_si256(x, y),
    );
    let control = at_most(b, 0x20);
    let latin = and(eq(b, 0xC2), or(eq(next, 0x85), eq(next, 0xA0)));
    let ogham = and(and(eq(b, 0xE1), eq(next, 0x9A)), eq(last, 0x80));
    let spaces = or(
        or(at_most(last, 0x8A), eq(last, 0xA8)),
        or(eq(last, 0xA9), eq(last, 0xAF)),
    );
    let general = and(
        eq(b, 0xE2),
        or(
            and(eq(next, 0x80), spaces),
            and(eq(next, 0x81), eq(last, 0x9F)),
        ),
    );
    let ideographic = and(and(eq(b, 0xE3), eq(next, 0x80)), eq(last, 0x80));
    let any = or(or(control, latin), or(or(ogham, general), ideographic));
    _mm256_movemask_epi8(any) as u32
}

fn county_of(gazetteer: &Gazetteer, article: &Article, page: &str) -> Option<CountyTag> {
    if let Some(value) = article
        .fields
        .get("county")
        .filter(|v| !v.trim().is_empty())
    {
        return Some(gazetteer.from_field(value, &article.text));
    }
    let headline = [
        article.kicker.as_deref(),
        Some(article.title.as_str()),
        article.subtitle.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    gazetteer.tag(&headline, &article.text, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 flags are the plain ones, on windows of bytes drawn mostly from those the flags look at.
    #[test]
    fn whitespace_starts_side_by_side_are_those_byte_by_byte() {
        #[cfg(target_arch = "x86_64")]
        {
            use rand::{Rng, SeedableRng};
            if !std::arch::is_x86_feature_detected!("avx2") {
                eprintln!("skipped: this processor has no AVX2 to compare with");
                return;
            }
            let telling = [
                0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x7F, 0x80, 0x81, 0x85, 0x8A, 0x8B, 0x9A,
                0x9F, 0xA0, 0xA8, 0xA9, 0xAF, 0xBF, 0xC2, 0xE1, 0xE2, 0xE3, 0xE4, 0xFF,
            ];
            let mut rng = rand_xoshiro::Xoshiro256Plus::seed_from_u64(7);
            for _ in 0..200_000 {
                let mut window = [0u8; WINDOW + 2];
                for b in &mut window {
                    *b = match rng.gen_range(0..4) {
                        0 => rng.gen(),
                        _ => telling[rng.gen_range(0..telling.len())],
                    };
                }
                // SAFETY: the processor has AVX2 (checked above).
                let side_by_side = unsafe { whitespace_starts_avx2(&window) };
                assert_eq!(
                    side_by_side,
                    whitespace_starts_plain(&window),
                    "{window:x?}"
                );
            }
        }
    }

    /// The key is the hash of the text's pieces between whitespace, whatever whitespace it holds and
    /// wherever it falls against the 32-byte windows.
    #[test]
    fn text_keys_ignore_every_kind_of_whitespace_and_nothing_else() {
        let reference = |text: &str| {
            let mut hasher = twox_hash::XxHash3_128::new();
            text.split_whitespace()
                .for_each(|p| hasher.write(p.as_bytes()));
            hasher.finish_128()
        };
        let page = crate::seeds::seed_input().records.remove(0).text;
        // Every whitespace character, and "\r\n".
        let mut spaces: Vec<String> = (char::MIN..=char::MAX)
            .filter(|c| c.is_whitespace())
            .map(String::from)
            .collect();
        spaces.push("\r\n".into());
        let mut texts = vec![
            page.clone(),
            String::new(),
            "\u{3000}".into(),
            "。\u{3000}、".into(),
        ];
        // Beside characters that share their first bytes: quotes, dashes and ellipses (E2 80), the middle dot
        // of names (C2), the punctuation of Chinese (E3 80).
        let cut = page.char_indices().nth(300).unwrap().0;
        for space in &spaces {
            let near = format!("“{space}”—…·、{space}。\u{205e}\u{2030}\u{1681}");
            texts.push(format!(
                "{}{}{}",
                &page[..cut],
                near.repeat(3),
                &page[cut..]
            ));
        }
        let spaced = |i: usize, space: &str| {
            let cut = page.char_indices().nth(500 + i * 7).unwrap().0;
            format!("{}{space}{}{space}", &page[..cut], &page[cut..])
        };
        for (i, space) in spaces.iter().enumerate() {
            // The same page with whitespace moved to every offset of a window, and a line of it alone.
            texts.push(spaced(i, space));
            texts.push(space.repeat(40));
        }
        for text in &texts {
            assert_eq!(
                text_key(text),
                reference(text),
                "{:?}",
                &text[..text.len().min(40)]
            );
        }
        assert_eq!(text_key(&spaced(0, "\u{3000}")), text_key(&page));
        assert_ne!(text_key(&page), text_key(&page.replacen('。', "，", 1)));
    }
}
