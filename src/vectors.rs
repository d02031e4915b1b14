//! TF-IDF vectors computed from the corpus itself: sublinear tf, smoothed idf, L2-normalised sparse rows,
//! document-frequency bounds that adapt to the size of the corpus.

use rayon::prelude::*;
use sprs::CsMat;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, serde::Serialize)]
pub struct TfIdfOptions {
    /// `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
    /// A word must occur in at least this many documents; `None` adapts to the corpus size.
    pub min_df: Option<usize>,
    /// A word in more than this share of documents is dropped; `None` adapts to the corpus size.
    pub max_df: Option<f64>,
    /// At most this many features, the most frequent by document frequency.
    pub max_features: usize,
}

impl Default for TfIdfOptions {
    fn default() -> Self {
        TfIdfOptions {
            sublinear_tf: true,
            min_df: None,
            max_df: None,
            max_features: 100_000,
        }
    }
}

impl TfIdfOptions {
    /// Bounds used for `n` documents: small corpora keep every word, since one article can be a theme.
    pub fn df_bounds(&self, n: usize) -> (usize, f64) {
        let min_df = self.min_df.unwrap_or(match n {
            0..30 => 1,
            30..5000 => 2,
            _ => 5,
        });
        let max_df = self.max_df.unwrap_or(if n < 30 { 1.0 } else { 0.5 });
        (min_df, max_df)
    }
}

/// The document-term matrix and what it is made of.
#[derive(Debug, Clone)]
pub struct TfIdf {
    /// Feature words, sorted, so that a word's column never depends on document order.
    pub features: Vec<String>,
    pub idf: Vec<f64>,
    /// Documents × features, rows L2-normalised (a row with no feature is all zero).
    pub matrix: CsMat<f64>,
    /// Document frequency of every word of the corpus (also those outside the feature bounds).
    pub df: HashMap<String, usize>,
    pub n_docs: usize,
    pub min_df: usize,
    pub max_df: f64,
}

impl TfIdf {
    pub fn fit(docs: &[Vec<String>], options: &TfIdfOptions) -> TfIdf {
        let n = docs.len();
        let df = document_frequencies(docs);
        let (min_df, max_df) = options.df_bounds(n);
        let max_count = (max_df * n as f64).floor().max(1.0) as usize;
        let mut kept: Vec<(&String, usize)> = df
            .iter()
            .filter(|(_, &d)| d >= min_df && d <= max_count)
            .map(|(w, &d)| (w, d))
            .collect();
        if kept.len() > options.max_features {
            kept.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            kept.truncate(options.max_features);
        }
        let mut features: Vec<String> = kept.into_iter().map(|(w, _)| w.clone()).collect();
        features.sort();
        let idf: Vec<f64> = features.iter().map(|w| smooth_idf(n, df[w])).collect();
        let index: HashMap<&str, u32> = features
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_str(), i as u32))
            .collect();
        let rows: Vec<Vec<(u32, f64)>> = docs
            .par_iter()
            .map(|doc| weighted_row(doc, &index, &idf, options.sublinear_tf))
            .collect();
        let matrix = to_csr(&rows, features.len());
        TfIdf {
            features,
            idf,
            matrix,
            df: df.into_iter().collect(),
            n_docs: n,
            min_df,
            max_df,
        }
    }

    /// Smoothed idf of any word of the corpus (features or not).
    pub fn idf_of(&self, word: &str) -> f64 {
        smooth_idf(self.n_docs, self.df.get(word).copied().unwrap_or(0))
    }

    /// The (feature, weight) pairs of one row, highest weight first, ties by word.
    pub fn top_terms(&self, row: usize, n: usize) -> Vec<(String, f64)> {
        let row = self
            .matrix
            .outer_view(row)
            .expect("row index within the matrix");
        let mut terms: Vec<(usize, f64)> = row.iter().map(|(i, &w)| (i, w)).collect();
        terms.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| self.features[a.0].cmp(&self.features[b.0]))
        });
        terms
            .into_iter()
            .take(n)
            .map(|(i, w)| (self.features[i].clone(), w))
            .collect()
    }

    /// The mean TF-IDF row of some documents, best words first (ties by word).
    pub fn mean_terms(&self, members: &[usize]) -> Vec<(String, f64)> {
        let mut sums = vec![0.0; self.features.len()];
        for &i in members {
            if let Some(row) = self.matrix.outer_view(i) {
                for (j, &w) in row.iter() {
                    sums[j] += w;
                }
            }
        }
        let n = members.len().max(1) as f64;
        let mut words: Vec<(String, f64)> = sums
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .map(|(j, s)| (self.features[j].clone(), s / n))
            .collect();
        words.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words
    }

    pub fn row_is_empty(&self, row: usize) -> bool {
        self.matrix.outer_view(row).is_none_or(|r| r.nnz() == 0)
    }
}

pub fn smooth_idf(n: usize, df: usize) -> f64 {
    ((1.0 + n as f64) / (1.0 + df as f64)).ln() + 1.0
}

fn document_frequencies(docs: &[Vec<String>]) -> BTreeMap<String, usize> {
    docs.par_iter()
        .fold(HashMap::<&str, usize>::new, |mut acc, doc| {
            let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for w in seen {
                *acc.entry(w).or_default() += 1;
            }
            acc
        })
        .reduce(HashMap::new, |mut a, b| {
            for (w, c) in b {
                *a.entry(w).or_default() += c;
            }
            a
        })
        .into_iter()
        .map(|(w, c)| (w.to_string(), c))
        .collect()
}

/// Term counts of one document as (feature, count), by feature index.
pub fn term_counts(doc: &[String], index: &HashMap<&str, u32>) -> Vec<(u32, u32)> {
    let mut ids: Vec<u32> = doc
        .iter()
        .filter_map(|w| index.get(w.as_str()).copied())
        .collect();
    ids.sort_unstable();
    let mut counts: Vec<(u32, u32)> = Vec::new();
    for id in ids {
        match counts.last_mut() {
            Some((last, c)) if *last == id => *c += 1,
            _ => counts.push((id, 1)),
        }
    }
    counts
}

fn weighted_row(
    doc: &[String],
    index: &HashMap<&str, u32>,
    idf: &[f64],
    sublinear: bool,
) -> Vec<(u32, f64)> {
    let mut row: Vec<(u32, f64)> = term_counts(doc, index)
        .into_iter()
        .map(|(id, c)| {
            let tf = if sublinear {
                1.0 + (c as f64).ln()
            } else {
                c as f64
            };
            (id, tf * idf[id as usize])
        })
        .collect();
    let norm = row.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    row
}

fn to_csr(rows: &[Vec<(u32, f64)>], n_cols: usize) -> CsMat<f64> {
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    let nnz: usize = rows.iter().map(Vec::len).sum();
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    indptr.push(0);
    for row in rows {
        for &(i, w) in row {
            indices.push(i as usize);
            data.push(w);
        }
        indptr.push(indices.len());
    }
    CsMat::new((rows.len(), n_cols), indptr, indices, data)
}
