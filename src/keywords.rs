//! `analyze keywords`: keywords computed against the corpus, for the whole corpus, each article, each
//! cluster or each county.
//!
//! - `tfidf`: an article's words by TF-IDF with the corpus's own idf; a group's (corpus, county) by the mean
//!   of its articles' TF-IDF rows; a cluster's by c-TF-IDF, exactly as `analyze topics` reports them.
//! - `textrank`: PageRank over the co-occurrence graph of content words (window of 5) of the article or
//!   group. Written here rather than taken from jieba-rs, whose TextRank segments again with its own stop
//!   words (32 English ones) instead of the content words the rest of the pipeline uses.

use crate::corpus::Corpus;
use crate::error::Result;
use crate::terms::Vocabulary;
use crate::topics::{self, round4, Keyword, TopicsOptions};
use crate::vectors::TfIdf;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Corpus,
    Article,
    Cluster,
    County,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Tfidf,
    Textrank,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeywordGroup {
    pub group: String,
    pub articles: usize,
    pub keywords: Vec<Keyword>,
}

const TEXTRANK_WINDOW: usize = 5;
const DAMPING: f64 = 0.85;
const ITERATIONS: usize = 30;

/// Keywords of the corpus grouped as asked. `options` gives the clustering for `--by cluster`.
pub fn keywords(
    corpus: &Corpus,
    by: GroupBy,
    method: Method,
    top: usize,
    options: &TopicsOptions,
) -> Result<Vec<KeywordGroup>> {
    let tfidf = TfIdf::fit(&corpus.words, &corpus.vocabulary, &options.tfidf);
    let groups: Vec<(String, Vec<usize>)> = match by {
        GroupBy::Corpus => vec![("corpus".into(), (0..corpus.articles.len()).collect())],
        GroupBy::Article => corpus
            .articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), vec![i]))
            .collect(),
        GroupBy::County => county_groups(corpus),
        GroupBy::Cluster => {
            let report = topics::analyse(corpus, &topics::lexicon(options)?, options)?;
            if method == Method::Tfidf {
                return Ok(report
                    .clusters
                    .iter()
                    .map(|c| KeywordGroup {
                        group: format!("{} {}", c.id, c.label),
                        articles: c.size,
                        keywords: c.keywords.iter().take(top).cloned().collect(),
                    })
                    .collect());
            }
            report
                .clusters
                .iter()
                .map(|c| {
                    let members = report
                        .articles
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| a.cluster == c.id)
                        .map(|(i, _)| i);
                    (format!("{} {}", c.id, c.label), members.collect())
                })
                .collect()
        }
    };
    groups
        .into_iter()
        .map(|(group, members)| {
            let words = match method {
                Method::Tfidf => tfidf.mean_terms(&members, top),
                Method::Textrank => {
                    let sequences = corpus.sequences.as_ref().ok_or_else(|| {
                        crate::Error::Usage(
                            "TextRank needs the corpus loaded with `keep_order`".into(),
                        )
                    })?;
                    textrank(
                        members.iter().map(|&i| sequences[i].as_slice()),
                        &corpus.vocabulary,
                    )
                }
            };
            Ok(KeywordGroup {
                group,
                articles: members.len(),
                keywords: words
                    .into_iter()
                    .take(top)
                    .map(|(word, w)| Keyword {
                        word,
                        weight: round4(w),
                    })
                    .collect(),
            })
        })
        .collect()
}

fn county_groups(corpus: &Corpus) -> Vec<(String, Vec<usize>)> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in corpus.counties.iter().enumerate() {
        let name = c
            .as_ref()
            .map_or_else(|| "(no county)".to_string(), |c| c.name.clone());
        groups.entry(name).or_default().push(i);
    }
    groups.into_iter().collect()
}

fn sorted(mut words: Vec<(String, f64)>) -> Vec<(String, f64)> {
    words.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words
}

/// TextRank over the content words of some documents; scores scaled so the best word has 1. Words are
/// numbered as they first appear and the edges taken in order of those numbers, so that the sums run in
/// the same order on any machine; the edges are counted in a hash map, where a sorted map of word pairs
/// took 23 s over news_34k.
pub fn textrank<'a>(
    docs: impl Iterator<Item = &'a [u32]>,
    vocabulary: &Vocabulary,
) -> Vec<(String, f64)> {
    let mut local: FxHashMap<u32, u32> = FxHashMap::default();
    let mut words: Vec<u32> = Vec::new();
    let docs: Vec<Vec<u32>> = docs
        .map(|d| {
            d.iter()
                .map(|&t| {
                    *local.entry(t).or_insert_with(|| {
                        words.push(t);
                        words.len() as u32 - 1
                    })
                })
                .collect()
        })
        .collect();
    let mut counts: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    for doc in &docs {
        for (i, &x) in doc.iter().enumerate() {
            for &y in doc.iter().skip(i + 1).take(TEXTRANK_WINDOW - 1) {
                if x != y {
                    *counts.entry((x.min(y), x.max(y))).or_default() += 1;
                }
            }
        }
    }
    let mut edges: Vec<((u32, u32), u32)> = counts.into_iter().collect();
    edges.sort_unstable_by_key(|&(pair, _)| pair);
    let n = words.len();
    let mut neighbours: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for ((a, b), w) in edges {
        let (a, b, w) = (a as usize, b as usize, f64::from(w));
        neighbours[a].push((b, w));
        neighbours[b].push((a, w));
    }
    let out_weight: Vec<f64> = neighbours
        .iter()
        .map(|ns| ns.iter().map(|(_, w)| w).sum())
        .collect();
    let mut score = vec![1.0; n];
    for _ in 0..ITERATIONS {
        score = (0..n)
            .map(|i| {
                let incoming: f64 = neighbours[i]
                    .iter()
                    .map(|&(j, w)| w / out_weight[j] * score[j])
                    .sum();
                (1.0 - DAMPING) + DAMPING * incoming
            })
            .collect();
    }
    let max = score
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let words: Vec<(String, f64)> = words
        .iter()
        .zip(&score)
        .map(|(&t, s)| (vocabulary.word(t).to_string(), s / max))
        .collect();
    sorted(words)
}

/// Plain-text table of keyword groups for the terminal.
pub fn render(groups: &[KeywordGroup]) -> String {
    let mut s = String::new();
    for g in groups {
        let words: Vec<String> = g
            .keywords
            .iter()
            .map(|k| format!("{}({:.3})", k.word, k.weight))
            .collect();
        s.push_str(&format!(
            "{} [{} articles]\n  {}\n",
            g.group,
            g.articles,
            words.join(" ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A triangle of words, a–b seen twice: PageRank by hand gives a = b = 1.11039 and c = 0.77922 (from
    /// `x = 0.15 + 0.85·(2x/3 + y/2)`, `y = 0.15 + 0.85·(2x/3)`), so c scores 0.70175 of the best.
    #[test]
    fn textrank_matches_pagerank_by_hand() {
        let mut vocabulary = Vocabulary::default();
        let [a, b, c] = ["乡村", "振兴", "产业"].map(|w| vocabulary.intern(w));
        let docs: [&[u32]; 2] = [&[a, b, c], &[a, b]];
        let ranked = textrank(docs.into_iter(), &vocabulary);
        let words: Vec<&str> = ranked.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            words,
            ["乡村", "振兴", "产业"],
            "ties by word, then the lower score"
        );
        assert_eq!((ranked[0].1, ranked[1].1), (1.0, 1.0));
        // 30 iterations from 1.0 leave about 0.85^30 of the start's distance.
        assert!((ranked[2].1 - 0.70175).abs() < 2e-3, "{ranked:?}");
    }
}
