//! Theme keywords and names.
//!
//! A cluster's keywords are its c-TF-IDF words (as in BERTopic): a word's share of all words in the cluster,
//! times `ln(1 + A / f)` with `A` the mean number of words per cluster and `f` the word's count in the whole
//! corpus, so that words common to every cluster sink.
//!
//! A cluster is named after the lexicon theme whose seed words carry the largest share of its top keywords'
//! weight, if that share reaches [`MIN_THEME_SHARE`]; otherwise it is `other`. An article gets its cluster's
//! theme, unless its own words point clearly elsewhere (the rule is [`article_theme`]'s).

use crate::error::{Error, Result};
use crate::terms::Bags;
use crate::vectors::TfIdf;
use rayon::prelude::*;
use std::path::Path;

const BUILTIN_THEMES: &str = include_str!("data/themes.toml");
/// How many top keywords of a cluster are weighed against the lexicon.
const NAMING_KEYWORDS: usize = 30;
/// The least share of keyword weight on one theme's seed words for a cluster to take that theme's name.
pub const MIN_THEME_SHARE: f64 = 0.08;
pub const OTHER: &str = "other";
pub const OTHER_LABEL: &str = "其他";

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq)]
pub struct Theme {
    pub id: String,
    pub label: String,
    pub seeds: Vec<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct ThemeFile {
    #[serde(default)]
    theme: Vec<Theme>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Lexicon {
    pub themes: Vec<Theme>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Lexicon {
    pub fn builtin() -> Self {
        let file: ThemeFile =
            toml::from_str(BUILTIN_THEMES).expect("the built-in themes.toml parses");
        Lexicon { themes: file.theme }
    }

    /// Adds the themes of a TOML file; a theme with an id already known replaces it.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: ThemeFile = toml::from_str(&text).map_err(|e| {
            let (line, column) = e.span().map_or((None, 0), |s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                (Some(line), before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
            });
            Error::input(
                path,
                line,
                format!(
                    "column {column}: not a theme file ({}); expected [[theme]] entries with id, label and seeds",
                    e.message()
                ),
            )
        })?;
        if file.theme.is_empty() {
            return Err(Error::input(
                path,
                None,
                "no [[theme]] entries (each needs id, label and seeds)",
            ));
        }
        for theme in file.theme {
            if theme.id == OTHER || theme.id.is_empty() {
                return Err(Error::input(
                    path,
                    None,
                    format!("theme id `{}` is reserved or empty", theme.id),
                ));
            }
            match self.themes.iter_mut().find(|t| t.id == theme.id) {
                Some(existing) => *existing = theme,
                None => self.themes.push(theme),
            }
        }
        Ok(())
    }

    /// Share of the given weighted words that falls on each theme's seed words.
    pub fn shares(&self, words: &[(String, f64)]) -> Vec<f64> {
        let total: f64 = words.iter().map(|(_, w)| w).sum();
        self.themes
            .iter()
            .map(|t| {
                let hit: f64 = words
                    .iter()
                    .filter(|(w, _)| matches_theme(w, t))
                    .map(|(_, x)| x)
                    .sum();
                if total > 0.0 {
                    hit / total
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Which themes each word of a vocabulary belongs to (bit `i` for theme `i`), computed once per word so
    /// that scoring many articles does not test every seed against every word again. A word belongs to a
    /// theme when it is one of its seeds or holds a seed of two characters or more (the test of
    /// `matches_theme`), with all seeds found in one pass over each word (testing each seed in turn took
    /// half the time of the article reports).
    pub fn word_masks(&self, words: &[String]) -> Vec<u64> {
        let mut seeds: Vec<&str> = Vec::new();
        let mut masks: Vec<u64> = Vec::new();
        for (i, theme) in self.themes.iter().take(64).enumerate() {
            for seed in theme.seeds.iter().filter(|s| !s.is_empty()) {
                match seeds.iter().position(|s| s == seed) {
                    Some(at) => masks[at] |= 1 << i,
                    None => {
                        seeds.push(seed);
                        masks.push(1 << i);
                    }
                }
            }
        }
        let Ok(finder) = aho_corasick::AhoCorasick::new(&seeds) else {
            return vec![0; words.len()];
        };
        words
            .par_iter()
            .map(|w| {
                finder
                    .find_overlapping_iter(w.as_str())
                    .filter(|m| {
                        let whole = m.start() == 0 && m.end() == w.len();
                        whole || seeds[m.pattern().as_usize()].chars().count() >= 2
                    })
                    .fold(0u64, |mask, m| mask | masks[m.pattern().as_usize()])
            })
            .collect()
    }

    /// [`Lexicon::shares`] of weighted word ids, with the theme masks of [`Lexicon::word_masks`].
    pub fn shares_with(&self, words: &[(u32, f64)], masks: &[u64]) -> Vec<f64> {
        let total: f64 = words.iter().map(|(_, w)| w).sum();
        let mut hits = vec![0.0; self.themes.len()];
        for &(t, x) in words {
            let mask = masks[t as usize];
            if mask == 0 {
                continue;
            }
            for (i, h) in hits.iter_mut().enumerate().take(64) {
                if mask & (1 << i) != 0 {
                    *h += x;
                }
            }
        }
        hits.into_iter()
            .map(|h| if total > 0.0 { h / total } else { 0.0 })
            .collect()
    }

    pub fn label(&self, id: &str) -> &str {
        self.themes
            .iter()
            .find(|t| t.id == id)
            .map_or(OTHER_LABEL, |t| t.label.as_str())
    }
}

fn matches_theme(word: &str, theme: &Theme) -> bool {
    theme
        .seeds
        .iter()
        .any(|s| word == s || (s.chars().count() >= 2 && word.contains(s.as_str())))
}

/// The best theme for the given shares: (theme index, share), or `None` below [`MIN_THEME_SHARE`].
pub fn best_theme(shares: &[f64]) -> Option<(usize, f64)> {
    shares
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, s)| *s >= MIN_THEME_SHARE)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
}

/// c-TF-IDF keywords of each cluster, best first.
pub fn cluster_keywords(
    tfidf: &TfIdf,
    bags: &Bags,
    labels: &[usize],
    k: usize,
    top: usize,
) -> Vec<Vec<(String, f64)>> {
    let features = tfidf.features.len();
    let mut counts = vec![vec![0u64; features]; k];
    for (i, &label) in labels.iter().enumerate() {
        for (t, c) in bags.doc(i) {
            if let Some(j) = tfidf.column[t as usize] {
                counts[label][j as usize] += u64::from(c);
            }
        }
    }
    let mut corpus = vec![0u64; features];
    for c in &counts {
        corpus.iter_mut().zip(c).for_each(|(all, n)| *all += n);
    }
    let totals: Vec<u64> = counts.iter().map(|c| c.iter().sum()).collect();
    let mean_words = totals.iter().sum::<u64>() as f64 / k.max(1) as f64;
    counts
        .iter()
        .zip(&totals)
        .map(|(c, &total)| {
            let mut words: Vec<(usize, f64)> = c
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .map(|(j, &n)| {
                    let tf = n as f64 / total.max(1) as f64;
                    (j, tf * (1.0 + mean_words / corpus[j] as f64).ln())
                })
                .collect();
            // Columns are in word order: ties go to the first word, as everywhere.
            crate::vectors::keep_best(&mut words, top);
            words
                .into_iter()
                .map(|(j, w)| (tfidf.features[j].clone(), w))
                .collect()
        })
        .collect()
}

/// Order of clusters for stable numbering: largest first, ties by top keyword. `order[new] = old`.
pub fn stable_order(sizes: &[usize], keywords: &[Vec<(String, f64)>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    let top = |c: usize| keywords[c].first().map(|(w, _)| w.as_str()).unwrap_or("");
    order.sort_by(|&a, &b| {
        sizes[b]
            .cmp(&sizes[a])
            .then_with(|| top(a).cmp(top(b)))
            .then(a.cmp(&b))
    });
    order
}

/// A cluster's theme id from its keywords (`other` if no theme reaches the threshold).
pub fn cluster_theme(lexicon: &Lexicon, keywords: &[(String, f64)]) -> (String, f64) {
    let top: Vec<(String, f64)> = keywords.iter().take(NAMING_KEYWORDS).cloned().collect();
    match best_theme(&lexicon.shares(&top)) {
        Some((i, share)) => (lexicon.themes[i].id.clone(), share),
        None => (OTHER.to_string(), 0.0),
    }
}

/// Labels for clusters: the theme's label, with the top keywords added where several clusters share a theme.
pub fn cluster_labels(
    lexicon: &Lexicon,
    themes: &[String],
    keywords: &[Vec<(String, f64)>],
) -> Vec<String> {
    themes
        .iter()
        .zip(keywords)
        .map(|(theme, kw)| {
            let shared = themes.iter().filter(|t| *t == theme).count() > 1;
            let top: Vec<&str> = kw.iter().take(3).map(|(w, _)| w.as_str()).collect();
            if theme == OTHER || shared {
                format!("{}（{}）", lexicon.label(theme), top.join("·"))
            } else {
                lexicon.label(theme).to_string()
            }
        })
        .collect()
}

/// How much more a headline word weighs than a body word as evidence of an article's theme: headlines
/// name the subject (`助推幸福养老提档升级`), bodies wander.
pub const HEADLINE_BOOST: f64 = 3.0;
/// How much more evidence an article's own theme needs than its cluster's theme to override it.
pub const ARTICLE_OVERRIDE_RATIO: f64 = 1.5;

/// An article's own words (ids) weighted by sublinear tf × corpus idf (every content word, not only
/// features), words of its headline boosted by [`HEADLINE_BOOST`].
pub fn article_word_weights(
    tfidf: &TfIdf,
    words: impl Iterator<Item = (u32, u32)>,
    headline: &[u32],
) -> Vec<(u32, f64)> {
    words
        .map(|(t, c)| {
            let boost = if headline.binary_search(&t).is_ok() {
                HEADLINE_BOOST
            } else {
                1.0
            };
            (t, boost * crate::vectors::sublinear_tf(c) * tfidf.idf_of(t))
        })
        .collect()
}

/// An article's theme. It takes its cluster's theme, unless its own words point clearly elsewhere: its own
/// best lexicon theme differs, holds at least [`MIN_THEME_SHARE`] of its word weight, and at least
/// [`ARTICLE_OVERRIDE_RATIO`] times the share of the cluster's theme (any share, if the cluster is `other`). `shares` come from
/// [`Lexicon::shares`] of the article's words. Returns (theme id, its share).
pub fn article_theme(lexicon: &Lexicon, shares: &[f64], cluster_theme: &str) -> (String, f64) {
    let own = best_theme(shares);
    let cluster_share = lexicon
        .themes
        .iter()
        .position(|t| t.id == cluster_theme)
        .map_or(0.0, |i| shares[i]);
    match own {
        Some((i, share))
            if lexicon.themes[i].id != cluster_theme
                && share >= ARTICLE_OVERRIDE_RATIO * cluster_share =>
        {
            (lexicon.themes[i].id.clone(), share)
        }
        _ => (cluster_theme.to_string(), cluster_share),
    }
}
