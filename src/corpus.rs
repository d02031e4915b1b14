//! The corpus as the later stages see it: articles read, split, tagged with their county and segmented,
//! with everything that was left out and why.

use crate::county::{CountyTag, Gazetteer};
use crate::error::{Error, Result};
use crate::read::{read_inputs, Input, Skipped};
use crate::segment::{SegmentOptions, Segmenter};
use crate::split::{articles_from_records, Article, ArticleKind};
use crate::timing;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

pub struct Corpus {
    /// Articles that are analysed, in input order.
    pub articles: Vec<Article>,
    pub counties: Vec<Option<CountyTag>>,
    /// Content words of each article: its headline's first, then its text's.
    pub tokens: Vec<Vec<String>>,
    /// How many of an article's tokens come from its headline (title and subtitle).
    pub headline_tokens: Vec<usize>,
    /// Photo captions and other short items cut from pages, with their county; not clustered.
    pub captions: Vec<(Article, Option<CountyTag>)>,
    pub skipped: Vec<Skipped>,
    pub files: Vec<String>,
    pub records: usize,
}

/// How input is read, and metadata for `.txt` pages, which carry none of their own.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Decode every file with this encoding (a WHATWG label: utf-8, gb18030, gbk, utf-16le …) instead of
    /// detecting it.
    pub encoding: Option<String>,
    /// A sidecar manifest (CSV or TOML) mapping page files to date, source, county.
    pub manifest: Option<PathBuf>,
    /// A date for every page the manifest leaves undated.
    pub date: Option<String>,
    /// Any skipped record is an error.
    pub strict: bool,
}

/// Reads the inputs (the bundled seeds when none are given) and prepares every article.
pub fn load(inputs: &[PathBuf], pages: &InputOptions, segment: &SegmentOptions) -> Result<Corpus> {
    let encoding = match &pages.encoding {
        Some(label) => Some(encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
            Error::Usage(format!("--encoding {label}: unknown encoding (try utf-8, gb18030, gbk, big5, utf-16le)"))
        })?),
        None => None,
    };
    let mut input = if inputs.is_empty() {
        crate::seeds::seed_input()
    } else {
        timing::stage("read", || read_inputs(inputs, encoding))?
    };
    if let Some(path) = &pages.manifest {
        crate::read::apply_manifest(&mut input, path)?;
    }
    if let Some(date) = &pages.date {
        if crate::dates::parse_date(date).is_none() {
            return Err(Error::Usage(format!("--date {date}: not a date (write 2025-10-01, 20251001, 2025/10/1 or 2025年10月1日)")));
        }
        crate::read::default_page_date(&mut input, date);
    }
    let gazetteer = Gazetteer::builtin();
    let segmenter = Segmenter::new(segment, &gazetteer)?;
    let corpus = build(input, &gazetteer, &segmenter)?;
    if let (true, Some(first)) = (pages.strict, corpus.skipped.first()) {
        return Err(Error::input(
            &first.source,
            first.line,
            format!(
                "{} (--strict: {} record(s) skipped in all; see skipped.csv without --strict)",
                first.reason,
                corpus.skipped.len()
            ),
        ));
    }
    Ok(corpus)
}

pub fn build(input: Input, gazetteer: &Gazetteer, segmenter: &Segmenter) -> Result<Corpus> {
    let Input {
        records,
        mut skipped,
        files,
    } = input;
    if records.is_empty() {
        return Err(Error::Usage(match skipped.first() {
            Some(s) => format!(
                "no text to analyse: {} ({}) and {} more skipped",
                s.source,
                s.reason,
                skipped.len() - 1
            ),
            None => "no text to analyse".into(),
        }));
    }
    let page_text: HashMap<&str, &str> = records
        .iter()
        .map(|r| (r.file.as_str(), r.text.as_str()))
        .collect();
    let all = timing::stage("split", || articles_from_records(&records));
    let mut articles = Vec::new();
    let mut captions = Vec::new();
    let counties: Vec<Option<CountyTag>> = timing::stage("county", || {
        all.par_iter()
            .map(|article| {
                let page = match article.line {
                    None => page_text.get(article.file.as_str()).copied().unwrap_or(""),
                    Some(_) => "",
                };
                county_of(gazetteer, article, page)
            })
            .collect()
    });
    for (article, county) in all.into_iter().zip(counties) {
        match article.kind {
            ArticleKind::Article => articles.push((article, county)),
            ArticleKind::Caption => captions.push((article, county)),
        }
    }
    let headlines: Vec<String> = articles
        .iter()
        .map(|(a, _)| format!("{}\n{}", a.title, a.subtitle.as_deref().unwrap_or("")))
        .collect();
    let mut texts: Vec<&str> = headlines.iter().map(String::as_str).collect();
    texts.extend(articles.iter().map(|(a, _)| a.text.as_str()));
    let mut segmented = timing::stage("segment", || segmenter.content_words_all(&texts));
    let bodies = segmented.split_off(articles.len());
    let mut corpus = Corpus {
        articles: Vec::new(),
        counties: Vec::new(),
        tokens: Vec::new(),
        headline_tokens: Vec::new(),
        captions,
        skipped: Vec::new(),
        files,
        records: records.len(),
    };
    let mut seen: HashMap<String, String> = HashMap::new();
    for (((article, county), mut tokens), body) in articles.into_iter().zip(segmented).zip(bodies) {
        let headline_len = tokens.len();
        tokens.extend(body);
        let key: String = article.text.split_whitespace().collect();
        if let Some(first) = seen.get(&key) {
            skipped.push(Skipped {
                source: article.file.clone(),
                line: article.line,
                reason: format!("duplicate text: `{}` repeats `{first}`", article.id),
            });
            continue;
        }
        seen.insert(key, article.id.clone());
        if tokens.is_empty() {
            skipped.push(Skipped {
                source: article.file.clone(),
                line: article.line,
                reason: format!("no content words in article `{}`", article.id),
            });
            continue;
        }
        corpus.articles.push(article);
        corpus.counties.push(county);
        corpus.tokens.push(tokens);
        corpus.headline_tokens.push(headline_len);
    }
    skipped.sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
    corpus.skipped = skipped;
    Ok(corpus)
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
