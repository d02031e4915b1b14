//! Segmentation: jieba-rs with the project's user dictionary and county names, parts of speech to keep
//! content words, and a Chinese stop-word list (ISO list plus news boilerplate).

use crate::county::Gazetteer;
use crate::error::{Error, Result};
use jieba_rs::Jieba;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};

const USER_DICT: &str = include_str!("data/user_dict.txt");
const NEWS_STOPWORDS: &str = include_str!("data/stopwords_news.txt");
/// Frequency for county names: high enough that jieba never splits them again.
const PLACE_FREQ: usize = 50_000;

/// What to load on top of the built-in dictionary and stop words.
#[derive(Debug, Clone, Default)]
pub struct SegmentOptions {
    pub user_dicts: Vec<PathBuf>,
    pub stopword_files: Vec<PathBuf>,
    /// Keep place names (POS `ns`) as features; off by default so that themes are not clusters of places.
    pub keep_places: bool,
    /// Let jieba's HMM guess words missing from the dictionary (names, new words); off, they split into
    /// single characters, which are dropped.
    pub hmm: bool,
    /// Keep every word of two or more characters that is not a stop word, whatever its part of speech.
    pub all_words: bool,
    /// Keep each article's words in order as well as counted (TextRank needs their neighbours).
    pub keep_order: bool,
}

pub struct Segmenter {
    jieba: Jieba,
    /// Our tags (from the user dictionaries and the gazetteer) and the stop words, in one table with FxHash,
    /// since every word of the corpus is looked up in it.
    words: FxHashMap<String, WordRule>,
    keep_places: bool,
    hmm: bool,
    all_words: bool,
}

impl Segmenter {
    pub fn new(options: &SegmentOptions, gazetteer: &Gazetteer) -> Result<Self> {
        let mut jieba = Jieba::new();
        let mut tags = FxHashMap::default();
        for county in gazetteer.counties() {
            jieba.add_word(&county.name, Some(PLACE_FREQ), Some("ns"));
            tags.insert(county.name.clone(), "ns".to_string());
        }
        // Short names (平遥) are places too, though jieba's dictionary may tag them otherwise.
        for short in gazetteer.short_names() {
            tags.entry(short.to_string())
                .or_insert_with(|| "ns".to_string());
        }
        load_user_dict(
            &mut jieba,
            &mut tags,
            USER_DICT,
            Path::new("<built-in user_dict.txt>"),
        )?;
        for path in &options.user_dicts {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            load_user_dict(&mut jieba, &mut tags, &text, path)?;
        }
        let mut stopwords: FxHashSet<String> = stop_words::get(stop_words::Language::Chinese)
            .iter()
            .map(|s| s.to_string())
            .collect();
        stopwords.extend(word_lines(NEWS_STOPWORDS).map(str::to_string));
        for path in &options.stopword_files {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            stopwords.extend(word_lines(&text).map(str::to_string));
        }
        let mut words: FxHashMap<String, WordRule> = tags
            .into_iter()
            .map(|(word, tag)| {
                (
                    word,
                    WordRule {
                        tag: Some(tag),
                        stop: false,
                    },
                )
            })
            .collect();
        for word in stopwords {
            words.entry(word).or_default().stop = true;
        }
        Ok(Segmenter {
            jieba,
            words,
            keep_places: options.keep_places,
            hmm: options.hmm,
            all_words: options.all_words,
        })
    }

    /// All words of a text as jieba cuts them (for tests and concordance).
    pub fn cut<'a>(&'a self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, self.hmm)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// The content words of a text, in order.
    pub fn content_words<'a>(&'a self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .tag(text, self.hmm)
            .into_iter()
            .filter(|t| self.is_content(t.word, t.tag))
            .map(|t| t.word)
            .collect()
    }

    /// Content words of many texts, segmented in parallel; the order of the output is the order of the input.
    pub fn content_words_all<'a>(&'a self, texts: &[&'a str]) -> Vec<Vec<&'a str>> {
        texts.par_iter().map(|t| self.content_words(t)).collect()
    }

    pub fn is_stopword(&self, word: &str) -> bool {
        self.words.get(word).is_some_and(|rule| rule.stop)
    }

    /// Whether a word jieba tagged `jieba_tag` is a content word. The cheap tests come first: most tokens
    /// are single characters, punctuation or numbers, and need no look-up.
    fn is_content(&self, word: &str, jieba_tag: &str) -> bool {
        word.chars().nth(1).is_some()
            && word.chars().any(is_cjk)
            && !word
                .chars()
                .any(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
            && match self.words.get(word) {
                Some(rule) => !rule.stop && self.keeps(rule.tag.as_deref().unwrap_or(jieba_tag)),
                None => self.keeps(jieba_tag),
            }
    }

    fn keeps(&self, tag: &str) -> bool {
        self.all_words || keeps_tag(tag, self.keep_places, self.hmm)
    }
}

/// What the project knows of a word beyond jieba's dictionary. jieba-rs's `add_word` keeps the old tag of a
/// word it already knows (养老 stays a person name, `nr`), so our tag is applied after tagging.
#[derive(Default)]
struct WordRule {
    tag: Option<String>,
    stop: bool,
}

/// Nouns, verbal nouns, verbs, adjectives, idioms and abbreviations carry content; numbers, pronouns,
/// particles and time words do not. Person names (`nr`) are dropped only with the HMM on, which invents
/// them; without it jieba's dictionary tags real words as names too (养老, 玉米), and unknown names fall
/// apart into single characters anyway.
fn keeps_tag(tag: &str, keep_places: bool, hmm: bool) -> bool {
    match tag {
        "nr" | "nrfg" | "nrt" => !hmm,
        "m" | "mq" | "q" | "r" | "p" | "c" | "u" | "uj" | "ul" | "uz" | "ug" | "ud" | "uv"
        | "d" | "t" | "tg" | "f" | "e" | "y" | "o" | "h" | "k" | "zg" | "df" | "dg" | "mg"
        | "rr" | "rz" | "ry" => false,
        "ns" | "nsf" => keep_places,
        _ => true,
    }
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{2A6DF}' | '\u{F900}'..='\u{FAFF}')
}

/// Lines of a word-list file, without comments and blanks.
pub fn word_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn load_user_dict(
    jieba: &mut Jieba,
    tags: &mut FxHashMap<String, String>,
    text: &str,
    path: &Path,
) -> Result<()> {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next().expect("non-empty line has a first part");
        let (freq, tag) = match (parts.next(), parts.next()) {
            (Some(f), tag) if f.chars().all(|c| c.is_ascii_digit()) => {
                (f.parse::<usize>().ok(), tag)
            }
            (Some(tag), None) if tag.chars().all(|c| c.is_ascii_alphabetic()) => (None, Some(tag)),
            (Some(f), _) => {
                return Err(Error::input(
                    path,
                    Some(i + 1),
                    format!("frequency `{f}` is not a whole number (line: `word [freq] [tag]`)"),
                ))
            }
            (None, _) => (None, None),
        };
        let tag = tag.unwrap_or("n");
        jieba.add_word(word, freq, Some(tag));
        tags.insert(word.to_string(), tag.to_string());
    }
    Ok(())
}

/// Items held at most while jieba's dictionary loads; then [`LoadingSegmenter::feed`] waits for it.
pub const HELD_WHILE_LOADING: usize = 8;

/// A segmenter whose dictionary loads on its own thread (a fifth of a second, on one core), and the items of
/// work that wait for it: meanwhile the other core reads the first chunks and does what needs no segmenter.
pub struct LoadingSegmenter<T> {
    loading: Option<std::thread::JoinHandle<Result<Segmenter>>>,
    ready: Option<Segmenter>,
    held: Vec<T>,
    /// Seconds spent waiting for the dictionary.
    waited: f64,
}

impl<T> LoadingSegmenter<T> {
    pub fn spawn(options: &SegmentOptions, gazetteer: std::sync::Arc<Gazetteer>) -> Self {
        let options = options.clone();
        LoadingSegmenter {
            loading: Some(std::thread::spawn(move || {
                Segmenter::new(&options, &gazetteer)
            })),
            ready: None,
            held: Vec::new(),
            waited: 0.0,
        }
    }

    /// Hands `item` to `work` once the segmenter has loaded, after the items held before it, in order.
    /// Until then the item is held; with [`HELD_WHILE_LOADING`] held, this waits for the segmenter.
    pub fn feed(&mut self, item: T, work: impl FnMut(&Segmenter, T)) -> Result<()> {
        self.held.push(item);
        let loaded = self.loading.as_ref().is_none_or(|l| l.is_finished());
        if loaded || self.held.len() >= HELD_WHILE_LOADING {
            self.hand_on(work)?;
        }
        Ok(())
    }

    /// Waits for the segmenter and hands every item still held to `work`.
    pub fn finish(&mut self, work: impl FnMut(&Segmenter, T)) -> Result<()> {
        self.hand_on(work)
    }

    /// Seconds the work waited for the dictionary to load.
    pub fn waited(&self) -> f64 {
        self.waited
    }

    fn hand_on(&mut self, mut work: impl FnMut(&Segmenter, T)) -> Result<()> {
        if let Some(loading) = self.loading.take() {
            let start = std::time::Instant::now();
            let loaded = loading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            self.waited = start.elapsed().as_secs_f64();
            self.ready = Some(loaded?);
        }
        // No segmenter here means its error was returned by an earlier call.
        let segmenter = self.ready.as_ref().ok_or_else(|| {
            Error::Usage("the segmenter did not load (see the error before)".into())
        })?;
        self.held.drain(..).for_each(|item| work(segmenter, item));
        Ok(())
    }
}
