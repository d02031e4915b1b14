//! `analyze kwic`: keyword in context. Every occurrence of some words in the articles, with the text around
//! it, and how often each county, source or period writes them, as researchers read a corpus behind its
//! themes (KH Coder's and AntConc's concordance).
//!
//! Words are found as written, anywhere in a headline or text (`养老` also in `养老院`), or, with
//! `whole_words`, only where jieba's segmentation puts a word boundary on both sides of them. Articles are
//! read, split and tagged with their county as `analyze topics` reads them, and an article that repeats an
//! earlier one's text is left out as it is there.

use crate::corpus::{self, InputOptions};
use crate::county::{CountyTag, Gazetteer};
use crate::dates::{parse_date, Period};
use crate::error::{Error, Result};
use crate::read::Skipped;
use crate::segment::{SegmentOptions, Segmenter};
use crate::split::{Article, ArticleKind};
use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Group of the articles a metadata field leaves empty.
pub const NO_VALUE: &str = crate::compare::NO_VALUE;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SortBy {
    /// As the articles were read.
    #[default]
    Input,
    /// By the words before the hit, read backwards from it, as concordancers sort "1L".
    Left,
    /// By the words after the hit.
    Right,
}

#[derive(Debug, Clone)]
pub struct ConcordanceOptions {
    pub inputs: Vec<PathBuf>,
    pub input: InputOptions,
    /// The words to find (found leftmost-longest, so that `非遗传承` wins over `非遗` where both are asked).
    pub terms: Vec<String>,
    /// Characters of context on each side of a hit.
    pub width: usize,
    /// Only hits with a word boundary of jieba's segmentation on both sides.
    pub whole_words: bool,
    /// The segmentation `whole_words` uses (user dictionaries, HMM).
    pub segment: SegmentOptions,
    /// Count articles and hits per value of this: county, province, city, source or a metadata field.
    pub by: Option<String>,
    /// Count articles and hits per calendar period of their date.
    pub period: Option<Period>,
}

/// One occurrence of a word, with where it stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub id: String,
    pub source: String,
    pub file: String,
    pub line: Option<usize>,
    pub date: Option<String>,
    pub county: Option<String>,
    pub title: String,
    /// `title`, `subtitle`, `text`, or `caption` for a photo caption's text.
    pub field: &'static str,
    /// Characters before the hit in its field.
    pub position: usize,
    pub left: String,
    pub term: String,
    pub right: String,
}

/// Articles and hits of one term in one group and period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Count {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    pub term: String,
    /// Articles searched in the group and period.
    pub articles: usize,
    /// Of them, those with the term.
    pub with_term: usize,
    pub hits: usize,
    /// Characters of the articles searched, to compare groups whose articles differ in length.
    pub chars: usize,
}

impl Count {
    pub fn share(&self) -> f64 {
        self.with_term as f64 / self.articles.max(1) as f64
    }

    pub fn hits_per_10k_chars(&self) -> f64 {
        self.hits as f64 * 10_000.0 / self.chars.max(1) as f64
    }
}

/// What a search read and left out.
#[derive(Debug, Default)]
pub struct Searched {
    pub records: usize,
    /// Articles and captions searched.
    pub articles: usize,
    /// Articles left out because they repeat an earlier article's text.
    pub repeats: usize,
    pub skipped: Vec<Skipped>,
    pub hits: usize,
    /// Per term, and per group and period when asked; in order of group, period and term.
    pub counts: Vec<Count>,
}

/// Searches the inputs, handing the hits of each chunk of articles to `found` in input order.
pub fn search(
    options: &ConcordanceOptions,
    mut found: impl FnMut(Vec<Hit>) -> Result<()>,
) -> Result<Searched> {
    let finder = Finder::new(options)?;
    let mut tally = Tally::default();
    let mut searched = Searched::default();
    let mut seen = FxHashSet::default();
    searched.records =
        corpus::read_tagged(&options.inputs, &options.input, |articles, skipped| {
            searched.skipped.extend(skipped);
            if options.input.strict {
                // Before this chunk's hits are printed: the run stops at the first record skipped.
                corpus::refuse_skipped(&searched.skipped, "they are listed on stderr")?;
            }
            let articles = first_of_their_text(articles, &mut seen, &mut searched.repeats);
            searched.articles += articles.len();
            let hits: Vec<Vec<(usize, Hit)>> = articles
                .par_iter()
                .map(|(a, c)| finder.hits(a, c))
                .collect();
            for ((article, county), hits) in articles.iter().zip(&hits) {
                let group = options
                    .by
                    .as_deref()
                    .map(|by| group_of(article, county.as_ref(), by));
                let period = options.period.map(|p| period_of(article, p));
                let terms: Vec<usize> = hits.iter().map(|&(term, _)| term).collect();
                tally.add((group, period), chars_of(article), &terms);
            }
            let hits: Vec<Hit> = hits.into_iter().flatten().map(|(_, hit)| hit).collect();
            searched.hits += hits.len();
            found(hits)
        })?;
    searched.counts = tally.counts(&finder.terms);
    Ok(searched)
}

/// The articles whose text no earlier article had (whitespace aside), in order; the rest are counted.
fn first_of_their_text(
    articles: Vec<(Article, Option<CountyTag>)>,
    seen: &mut FxHashSet<u128>,
    repeats: &mut usize,
) -> Vec<(Article, Option<CountyTag>)> {
    let keys: Vec<u128> = articles
        .par_iter()
        .map(|(a, _)| corpus::text_key(&a.text))
        .collect();
    let before = articles.len();
    let first: Vec<_> = articles
        .into_iter()
        .zip(keys)
        .filter(|(_, key)| seen.insert(*key))
        .map(|(article, _)| article)
        .collect();
    *repeats += before - first.len();
    first
}

/// Sorts hits for `--sort left` or `right` (stably: ties stay in input order).
pub fn sort(hits: &mut [Hit], by: SortBy) {
    match by {
        SortBy::Input => {}
        SortBy::Right => hits.sort_by(|a, b| (&a.term, &a.right).cmp(&(&b.term, &b.right))),
        SortBy::Left => hits.sort_by(|a, b| {
            a.term
                .cmp(&b.term)
                .then_with(|| a.left.chars().rev().cmp(b.left.chars().rev()))
        }),
    }
}

/// Finds the terms in an article's fields.
struct Finder {
    matcher: AhoCorasick,
    terms: Vec<String>,
    width: usize,
    segmenter: Option<Segmenter>,
}

impl Finder {
    fn new(options: &ConcordanceOptions) -> Result<Self> {
        let terms: Vec<String> = options.terms.iter().map(|t| t.trim().to_string()).collect();
        if terms.is_empty() || terms.iter().any(String::is_empty) {
            return Err(Error::Usage(
                "give the words to find with --word, e.g. --word 非遗 --word 养老".into(),
            ));
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&terms)
            .map_err(|e| Error::Usage(format!("the words to find: {e}")))?;
        // Only what needs a boundary check is segmented, so jieba's dictionary is loaded only then.
        let segmenter = match options.whole_words {
            true => Some(Segmenter::new(&options.segment, &Gazetteer::builtin())?),
            false => None,
        };
        Ok(Finder {
            matcher,
            terms,
            width: options.width,
            segmenter,
        })
    }

    /// The hits in an article, each with the index of its term.
    fn hits(&self, article: &Article, county: &Option<CountyTag>) -> Vec<(usize, Hit)> {
        let body = match article.kind {
            ArticleKind::Article => "text",
            ArticleKind::Caption => "caption",
        };
        let fields = [
            ("title", Some(article.title.as_str())),
            ("subtitle", article.subtitle.as_deref()),
            (body, Some(article.text.as_str())),
        ];
        let mut hits = Vec::new();
        for (field, text) in fields {
            let Some(text) = text else { continue };
            let mut chars_before = (0, 0); // (byte, characters) of the last hit's start
            for (start, end, term) in self.matches(text) {
                chars_before.1 += text[chars_before.0..start].chars().count();
                chars_before.0 = start;
                let hit = Hit {
                    id: article.id.clone(),
                    source: article
                        .fields
                        .get("source")
                        .cloned()
                        .unwrap_or_else(|| article.file.clone()),
                    file: article.file.clone(),
                    line: article.line,
                    date: article.fields.get("date").cloned(),
                    county: county.as_ref().map(|c| c.name.clone()),
                    title: article.title.clone(),
                    field,
                    position: chars_before.1,
                    left: context_before(&text[..start], self.width),
                    term: self.terms[term].clone(),
                    right: context_after(&text[end..], self.width),
                };
                hits.push((term, hit));
            }
        }
        hits
    }

    /// (start, end, term) of each term in a text, leftmost-longest, kept only at word boundaries when asked.
    fn matches(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let all: Vec<(usize, usize, usize)> = self
            .matcher
            .find_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        match (&self.segmenter, all.is_empty()) {
            (Some(segmenter), false) => {
                let bounds = word_boundaries(segmenter, text);
                all.into_iter()
                    .filter(|(s, e, _)| bounds.contains(s) && bounds.contains(e))
                    .collect()
            }
            _ => all,
        }
    }
}

/// Byte offsets where jieba's words of a text start and end.
fn word_boundaries(segmenter: &Segmenter, text: &str) -> FxHashSet<usize> {
    let mut bounds = FxHashSet::default();
    bounds.insert(0);
    let mut at = 0;
    for word in segmenter.cut(text) {
        at += word.len();
        bounds.insert(at);
    }
    bounds
}

/// The last `width` characters of a text, each run of whitespace (line breaks among them) as one space.
pub fn context_before(text: &str, width: usize) -> String {
    let mut reversed = Vec::with_capacity(width);
    for c in text.chars().rev() {
        if reversed.len() == width {
            break;
        }
        push_collapsed(&mut reversed, c);
    }
    reversed.iter().rev().collect()
}

/// The first `width` characters of a text, each run of whitespace as one space.
pub fn context_after(text: &str, width: usize) -> String {
    let mut chars = Vec::with_capacity(width);
    for c in text.chars() {
        if chars.len() == width {
            break;
        }
        push_collapsed(&mut chars, c);
    }
    chars.into_iter().collect()
}

fn push_collapsed(chars: &mut Vec<char>, c: char) {
    match c.is_whitespace() {
        true if chars.last() == Some(&' ') => {}
        true => chars.push(' '),
        false => chars.push(c),
    }
}

/// A group and a period (each when asked).
type Cell = (Option<String>, Option<String>);

/// Counts per group, period and term, summed as the articles go by.
#[derive(Default)]
struct Tally {
    /// Articles searched and their characters per cell.
    articles: BTreeMap<Cell, (usize, usize)>,
    /// Articles with the term, and hits, per cell and term index.
    terms: BTreeMap<(Cell, usize), (usize, usize)>,
}

impl Tally {
    /// One article of `chars` characters, with the term index of each of its hits.
    fn add(&mut self, cell: Cell, chars: usize, hits: &[usize]) {
        let entry = self.articles.entry(cell.clone()).or_default();
        entry.0 += 1;
        entry.1 += chars;
        let mut per_term: BTreeMap<usize, usize> = BTreeMap::new();
        for &term in hits {
            *per_term.entry(term).or_default() += 1;
        }
        for (term, hits) in per_term {
            let entry = self.terms.entry((cell.clone(), term)).or_default();
            entry.0 += 1;
            entry.1 += hits;
        }
    }

    /// A count for every cell seen and every term, those without a hit too.
    fn counts(&self, terms: &[String]) -> Vec<Count> {
        let mut counts = Vec::new();
        for (cell, &(articles, chars)) in &self.articles {
            for (i, term) in terms.iter().enumerate() {
                let (with_term, hits) = self
                    .terms
                    .get(&(cell.clone(), i))
                    .copied()
                    .unwrap_or_default();
                counts.push(Count {
                    group: cell.0.clone(),
                    period: cell.1.clone(),
                    term: term.clone(),
                    articles,
                    with_term,
                    hits,
                    chars,
                });
            }
        }
        counts
    }
}

/// Characters of the fields searched.
fn chars_of(article: &Article) -> usize {
    [
        Some(&article.title),
        article.subtitle.as_ref(),
        Some(&article.text),
    ]
    .into_iter()
    .flatten()
    .map(|t| t.chars().count())
    .sum()
}

fn group_of(article: &Article, county: Option<&CountyTag>, by: &str) -> String {
    let value = match by {
        "county" => county.map(|c| c.name.clone()),
        "province" => county.and_then(|c| c.province.clone()),
        "city" => county.and_then(|c| c.city.clone()),
        "source" => Some(
            article
                .fields
                .get("source")
                .cloned()
                .unwrap_or_else(|| article.file.clone()),
        ),
        field => article.fields.get(field).cloned(),
    };
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| NO_VALUE.to_string())
}

fn period_of(article: &Article, period: Period) -> String {
    article
        .fields
        .get("date")
        .and_then(|d| parse_date(d))
        .map_or_else(|| NO_VALUE.to_string(), |d| period.label(period.index(d)))
}

/// What was searched, for stderr: articles, repeats and every skipped record with its reason (the first
/// ten, then how many more).
pub fn summary(searched: &Searched, terms: &[String]) -> String {
    let mut out = format!(
        "{} hit(s) of {} in {} article(s) from {} record(s); {} repeat(s) of an earlier article's text left out, {} record(s) skipped\n",
        searched.hits,
        terms.join(", "),
        searched.articles,
        searched.records,
        searched.repeats,
        searched.skipped.len()
    );
    for s in searched.skipped.iter().take(10) {
        let line = s.line.map(|l| format!(":{l}")).unwrap_or_default();
        out += &format!("  skipped {}{line}: {}\n", s.source, s.reason);
    }
    if searched.skipped.len() > 10 {
        out += &format!("  … and {} more\n", searched.skipped.len() - 10);
    }
    out
}

/// How hits and counts are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned on the word, for reading.
    #[default]
    Text,
    Csv,
    /// One JSON object a line.
    Jsonl,
}

/// Writes hits or counts as they come, in one format; a CSV header once, before the first row.
pub struct Writer<W: std::io::Write> {
    out: W,
    format: Format,
    width: usize,
    header_written: bool,
}

const HIT_COLUMNS: [&str; 12] = [
    "id", "source", "file", "line", "date", "county", "title", "field", "position", "left", "term",
    "right",
];
const COUNT_COLUMNS: [&str; 9] = [
    "group",
    "period",
    "term",
    "articles",
    "with_term",
    "share",
    "hits",
    "chars",
    "hits_per_10k_chars",
];

impl<W: std::io::Write> Writer<W> {
    /// `width`: the context's characters on each side, to align the text format.
    pub fn new(out: W, format: Format, width: usize) -> Self {
        Writer {
            out,
            format,
            width,
            header_written: false,
        }
    }

    pub fn hits(&mut self, hits: &[Hit]) -> std::io::Result<()> {
        for hit in hits {
            match self.format {
                Format::Text => self.text_line(hit)?,
                Format::Csv => {
                    let line = hit.line.map(|l| l.to_string()).unwrap_or_default();
                    let position = hit.position.to_string();
                    let row = [
                        hit.id.as_str(),
                        &hit.source,
                        &hit.file,
                        &line,
                        hit.date.as_deref().unwrap_or(""),
                        hit.county.as_deref().unwrap_or(""),
                        &hit.title,
                        hit.field,
                        &position,
                        &hit.left,
                        &hit.term,
                        &hit.right,
                    ];
                    self.csv_row(&HIT_COLUMNS, &row)?;
                }
                Format::Jsonl => self.json_line(hit)?,
            }
        }
        Ok(())
    }

    /// The context on the left right-aligned by display width (a Chinese character is two columns), so
    /// that the words found stand in one column; where it is from after the right context.
    fn text_line(&mut self, hit: &Hit) -> std::io::Result<()> {
        use unicode_width::UnicodeWidthStr;
        let pad = (2 * self.width).saturating_sub(hit.left.width());
        let right_pad = (2 * self.width).saturating_sub(hit.right.width());
        let place = [hit.county.as_deref(), hit.date.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        writeln!(
            self.out,
            "{:pad$}{}  {}  {}{:right_pad$}  {} {}",
            "", hit.left, hit.term, hit.right, "", hit.id, place
        )
    }

    pub fn counts(&mut self, counts: &[Count]) -> std::io::Result<()> {
        if self.format == Format::Text {
            return self.counts_table(counts);
        }
        for c in counts {
            match self.format {
                Format::Csv => {
                    let numbers = [
                        c.articles.to_string(),
                        c.with_term.to_string(),
                        format!("{:.4}", c.share()),
                        c.hits.to_string(),
                        c.chars.to_string(),
                        format!("{:.4}", c.hits_per_10k_chars()),
                    ];
                    let mut row = vec![
                        c.group.as_deref().unwrap_or(""),
                        c.period.as_deref().unwrap_or(""),
                        &c.term,
                    ];
                    row.extend(numbers.iter().map(String::as_str));
                    self.csv_row(&COUNT_COLUMNS, &row)?;
                }
                _ => self.json_line(&JsonCount {
                    count: c,
                    share: crate::topics::round4(c.share()),
                    hits_per_10k_chars: crate::topics::round4(c.hits_per_10k_chars()),
                })?,
            }
        }
        Ok(())
    }

    /// Group, period and term in columns padded by display width, then the figures.
    fn counts_table(&mut self, counts: &[Count]) -> std::io::Result<()> {
        use unicode_width::UnicodeWidthStr;
        let cells = |c: &Count| -> Vec<String> {
            [c.group.clone(), c.period.clone(), Some(c.term.clone())]
                .into_iter()
                .flatten()
                .collect()
        };
        let rows: Vec<Vec<String>> = counts.iter().map(cells).collect();
        let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
            .map(|i| rows.iter().map(|r| r[i].width()).max().unwrap_or(0))
            .collect();
        let labels: Vec<String> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&widths)
                    .map(|(cell, &w)| format!("{cell}{:pad$}", "", pad = w - cell.width()))
                    .collect::<Vec<_>>()
                    .join("  ")
            })
            .collect();
        let wide = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        writeln!(
            self.out,
            "{:wide$}  {:>8}  {:>9}  {:>7}  {:>7}  {:>13}",
            "", "articles", "with word", "share", "hits", "per 10k chars"
        )?;
        for (c, label) in counts.iter().zip(&labels) {
            writeln!(
                self.out,
                "{label}  {:>8}  {:>9}  {:>6.1}%  {:>7}  {:>13.2}",
                c.articles,
                c.with_term,
                100.0 * c.share(),
                c.hits,
                c.hits_per_10k_chars()
            )?;
        }
        Ok(())
    }

    fn csv_row(&mut self, columns: &[&str], row: &[&str]) -> std::io::Result<()> {
        let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
        if !self.header_written {
            csv.write_record(columns)?;
            self.header_written = true;
        }
        csv.write_record(row)?;
        let bytes = csv.into_inner().map_err(|e| e.into_error())?;
        self.out.write_all(&bytes)
    }

    fn json_line(&mut self, value: &impl serde::Serialize) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A count as JSON, with its ratios.
#[derive(serde::Serialize)]
struct JsonCount<'c> {
    #[serde(flatten)]
    count: &'c Count,
    share: f64,
    hits_per_10k_chars: f64,
}
