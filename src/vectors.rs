//! TF-IDF vectors computed from the corpus itself: sublinear tf, smoothed idf, L2-normalised sparse rows,
//! document-frequency bounds that adapt to the size of the corpus.

use crate::terms::{Bags, Vocabulary};
use rayon::prelude::*;

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

/// A sparse matrix in compressed rows, single precision: row `i` holds `indices[indptr[i]..indptr[i + 1]]`
/// with their `data`, in the order its maker gave them (the products need no order). Hand-written rather
/// than sprs's `CsMat` because linfa pins sprs 0.11, whose products are single-threaded and in double
/// precision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub data: Vec<f32>,
    pub cols: usize,
}

impl Csr {
    /// A matrix whose row `r` holds the `lengths[r]` pairs (column, value) that `fill(r, row)` pushes onto
    /// an empty `row`, in that order. Rows are filled in parallel, in fixed blocks each written straight into
    /// its place: a vector per row, sorted and copied once more into the matrix on one core, took 36 ms for
    /// the 20,000 rows of news_34k's sample, now 12.
    pub fn from_rows_with(
        lengths: &[usize],
        cols: usize,
        fill: impl Fn(usize, &mut Vec<(u32, f32)>) + Sync,
    ) -> Csr {
        const BLOCK: usize = 256;
        let mut indptr = Vec::with_capacity(lengths.len() + 1);
        indptr.push(0);
        for &length in lengths {
            indptr.push(indptr.last().copied().unwrap_or(0) + length);
        }
        let nnz = indptr.last().copied().unwrap_or(0);
        let (mut indices, mut data) = (vec![0u32; nnz], vec![0f32; nnz]);
        let mut blocks = Vec::new();
        let (mut rest_indices, mut rest_data) = (&mut indices[..], &mut data[..]);
        for start in (0..lengths.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(lengths.len());
            let size = indptr[end] - indptr[start];
            let (block_indices, more_indices) =
                std::mem::take(&mut rest_indices).split_at_mut(size);
            let (block_data, more_data) = std::mem::take(&mut rest_data).split_at_mut(size);
            (rest_indices, rest_data) = (more_indices, more_data);
            blocks.push((start..end, block_indices, block_data));
        }
        blocks
            .into_par_iter()
            .for_each_init(Vec::new, |row, (rows, indices, data)| {
                let mut at = 0;
                for r in rows {
                    row.clear();
                    fill(r, row);
                    assert_eq!(row.len(), lengths[r], "row {r} has the length it was given");
                    for (k, &(j, x)) in row.iter().enumerate() {
                        indices[at + k] = j;
                        data[at + k] = x;
                    }
                    at += row.len();
                }
            });
        Csr {
            indptr,
            indices,
            data,
            cols,
        }
    }

    pub fn rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Columns and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let range = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[range.clone()], &self.data[range])
    }

    /// The transpose (counting sort by column: each new row lists its columns in order).
    pub fn transpose(&self) -> Csr {
        let mut counts = vec![0usize; self.cols + 1];
        for &j in &self.indices {
            counts[j as usize + 1] += 1;
        }
        for j in 0..self.cols {
            counts[j + 1] += counts[j];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut data = vec![0f32; self.nnz()];
        for i in 0..self.rows() {
            let (cols, values) = self.row(i);
            for (&j, &x) in cols.iter().zip(values) {
                let at = next[j as usize];
                indices[at] = i as u32;
                data[at] = x;
                next[j as usize] += 1;
            }
        }
        Csr {
            indptr,
            indices,
            data,
            cols: self.rows(),
        }
    }

    pub fn to_dense(&self) -> ndarray::Array2<f32> {
        let mut m = ndarray::Array2::zeros((self.rows(), self.cols));
        for i in 0..self.rows() {
            let (cols, values) = self.row(i);
            for (&j, &x) in cols.iter().zip(values) {
                m[[i, j as usize]] = x;
            }
        }
        m
    }
}

/// TF-IDF weights of a corpus, computed from its bags of words when asked for rather than stored: a second
/// copy of every (word, weight) pair would double the memory of a large corpus.
#[derive(Debug, Clone)]
pub struct TfIdf<'a> {
    /// Feature words, sorted, so that a word's column never depends on document order.
    pub features: Vec<String>,
    pub idf: Vec<f64>,
    /// Document frequency of every word of the vocabulary (also those outside the feature bounds), by id.
    pub df: Vec<u32>,
    /// Smoothed idf of every word of the vocabulary, by id: the article reports ask for it once per word.
    idf_all: Vec<f64>,
    /// The feature column of each word id, if it is a feature.
    pub column: Vec<Option<u32>>,
    pub n_docs: usize,
    pub min_df: usize,
    pub max_df: f64,
    bags: &'a Bags,
    sublinear: bool,
    /// Length of each document's weight vector before normalising (0 when it has no feature).
    norms: Vec<f64>,
    /// Number of features of each document.
    lengths: Vec<u32>,
}

impl<'a> TfIdf<'a> {
    pub fn fit(bags: &'a Bags, vocabulary: &Vocabulary, options: &TfIdfOptions) -> TfIdf<'a> {
        let n = bags.len();
        // Counted over fixed blocks of documents in parallel, then added up: whole numbers, the same sums
        // in any order.
        let df = (0..n)
            .into_par_iter()
            .chunks(8192)
            .map(|documents| {
                let mut df = vec![0u32; vocabulary.len()];
                for i in documents {
                    bags.terms(i).iter().for_each(|&t| df[t as usize] += 1);
                }
                df
            })
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                a
            })
            .unwrap_or_else(|| vec![0; vocabulary.len()]);
        let (min_df, max_df) = options.df_bounds(n);
        let max_count = (max_df * n as f64).floor().max(1.0) as usize;
        let mut kept: Vec<u32> = (0..df.len() as u32)
            .filter(|&t| (min_df..=max_count).contains(&(df[t as usize] as usize)))
            .collect();
        if kept.len() > options.max_features {
            kept.par_sort_unstable_by(|&a, &b| {
                df[b as usize]
                    .cmp(&df[a as usize])
                    .then_with(|| vocabulary.word(a).cmp(vocabulary.word(b)))
            });
            kept.truncate(options.max_features);
        }
        // Words are distinct, so the order is total and a parallel sort gives it (serial, a core idled).
        kept.par_sort_unstable_by(|&a, &b| vocabulary.word(a).cmp(vocabulary.word(b)));
        let mut column = vec![None; vocabulary.len()];
        for (c, &t) in kept.iter().enumerate() {
            column[t as usize] = Some(c as u32);
        }
        let idf: Vec<f64> = kept
            .iter()
            .map(|&t| smooth_idf(n, df[t as usize] as usize))
            .collect();
        let idf_all = df.par_iter().map(|&d| smooth_idf(n, d as usize)).collect();
        let mut tfidf = TfIdf {
            features: kept
                .iter()
                .map(|&t| vocabulary.word(t).to_string())
                .collect(),
            idf,
            df,
            idf_all,
            column,
            n_docs: n,
            min_df,
            max_df,
            bags,
            sublinear: options.sublinear_tf,
            norms: Vec::new(),
            lengths: Vec::new(),
        };
        (tfidf.norms, tfidf.lengths) = (0..n)
            .into_par_iter()
            .map(|i| {
                let (sum, length) = tfidf
                    .raw_row(i)
                    .fold((0.0, 0), |(sum, length), (_, w)| (sum + w * w, length + 1));
                (f64::sqrt(sum), length)
            })
            .unzip();
        tfidf
    }

    /// Number of feature columns.
    pub fn cols(&self) -> usize {
        self.features.len()
    }

    /// Unnormalised weights of row `i`.
    fn raw_row(&self, i: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.bags.doc(i).filter_map(move |(t, c)| {
            let j = self.column[t as usize]?;
            let tf = if self.sublinear {
                sublinear_tf(c)
            } else {
                f64::from(c)
            };
            Some((j, tf * self.idf[j as usize]))
        })
    }

    /// Row `i` as (column, weight), L2-normalised, in the order of the document's word ids.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        let norm = self.norms[i];
        self.raw_row(i)
            .map(move |(j, w)| (j, if norm > 0.0 { (w / norm) as f32 } else { 0.0 }))
    }

    /// Some rows as a sparse matrix, each row's columns in the order of its word ids.
    pub fn csr(&self, rows: &[usize]) -> Csr {
        let identity: Vec<u32> = (0..self.cols() as u32).collect();
        self.csr_in(rows, &identity)
    }

    /// Some rows as a sparse matrix whose column `j` is the feature `j` such that `order[j] = column`
    /// (a renumbering of the features), each row's columns in the order of its word ids.
    pub fn csr_in(&self, rows: &[usize], order: &[u32]) -> Csr {
        let lengths: Vec<usize> = rows.iter().map(|&i| self.lengths[i] as usize).collect();
        Csr::from_rows_with(&lengths, self.cols(), |r, row| {
            row.extend(self.row(rows[r]).map(|(j, w)| (order[j as usize], w)));
        })
    }

    /// The features renumbered from the most frequent (lowest idf) to the rarest: `order[j]` is the new
    /// column of feature `j`. In this order the rows of a dense matrix that a sparse product gathers for
    /// the common words sit together in memory.
    pub fn by_frequency(&self) -> Vec<u32> {
        let mut features: Vec<u32> = (0..self.cols() as u32).collect();
        // Serial, this sort kept a core idle; the order is total (ties by column), so any sort gives it.
        features.par_sort_unstable_by(|&a, &b| {
            self.idf[a as usize]
                .total_cmp(&self.idf[b as usize])
                .then(a.cmp(&b))
        });
        let mut order = vec![0u32; features.len()];
        for (new, &j) in features.iter().enumerate() {
            order[j as usize] = new as u32;
        }
        order
    }

    /// Smoothed idf of any word of the corpus (features or not), by id.
    pub fn idf_of(&self, term: u32) -> f64 {
        match self.idf_all.get(term as usize) {
            Some(&idf) => idf,
            None => smooth_idf(self.n_docs, 0),
        }
    }

    /// The (feature, weight) pairs of one row, highest weight first, ties by word.
    pub fn top_terms(&self, row: usize, n: usize) -> Vec<(String, f64)> {
        self.top_columns(row, n)
            .into_iter()
            .map(|(j, w)| (self.features[j as usize].clone(), f64::from(w)))
            .collect()
    }

    /// [`TfIdf::top_terms`] as (column, weight): what to keep of it for a while, without its words.
    pub fn top_columns(&self, row: usize, n: usize) -> Vec<(u32, f32)> {
        // Every article is asked: sorting plain numbers instead of pairs by a comparison closure took a
        // third off. Columns are in word order, so ties by column are ties by word.
        let mut keys = Vec::with_capacity(self.lengths[row] as usize);
        keys.extend(self.row(row).map(descending_weight_key));
        if n < keys.len() {
            keys.select_nth_unstable(n);
            keys.truncate(n);
        }
        keys.sort_unstable();
        keys.into_iter().map(from_descending_weight_key).collect()
    }

    /// The `top` best words of the mean TF-IDF row of some documents, best first (ties by word).
    pub fn mean_terms(&self, members: &[usize], top: usize) -> Vec<(String, f64)> {
        let mut sums = vec![0.0f64; self.features.len()];
        for &i in members {
            for (j, w) in self.row(i) {
                sums[j as usize] += f64::from(w);
            }
        }
        let n = members.len().max(1) as f64;
        let mut words: Vec<(usize, f64)> = sums
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .map(|(j, s)| (j, s / n))
            .collect();
        keep_best(&mut words, top);
        words
            .into_iter()
            .map(|(j, s)| (self.features[j].clone(), s))
            .collect()
    }
}

/// Keeps the `top` (column, weight) pairs of highest weight, highest first, ties by column (so by word).
/// Only those are sorted: a corpus or a cluster has tens of thousands of words, a report shows a hundred.
pub fn keep_best(words: &mut Vec<(usize, f64)>, top: usize) {
    let order = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if top < words.len() {
        words.select_nth_unstable_by(top, order);
        words.truncate(top);
    }
    words.sort_unstable_by(order);
}

/// A (column, weight) pair as one number that orders pairs by weight, highest first (in the order of
/// `f32::total_cmp`), then by column.
fn descending_weight_key((column, weight): (u32, f32)) -> u64 {
    let bits = weight.to_bits();
    // `total_cmp`'s order in unsigned bits: a negative weight's bits all flipped, a positive's sign bit set.
    let ordered = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    };
    (u64::from(!ordered) << 32) | u64::from(column)
}

/// The pair that [`descending_weight_key`] made `key` of.
fn from_descending_weight_key(key: u64) -> (u32, f32) {
    let ordered = !((key >> 32) as u32);
    let bits = if ordered >> 31 == 1 {
        ordered & 0x7fff_ffff
    } else {
        !ordered
    };
    (key as u32, f32::from_bits(bits))
}

/// `1 + ln(tf)`. Counts are mostly small, so they come from a table: the logarithm was a tenth of the time
/// of every pass over the TF-IDF rows.
pub fn sublinear_tf(count: u32) -> f64 {
    static TABLE: std::sync::LazyLock<Vec<f64>> =
        std::sync::LazyLock::new(|| (0..256).map(|c| 1.0 + f64::from(c).ln()).collect());
    match TABLE.get(count as usize) {
        Some(&tf) => tf,
        None => 1.0 + f64::from(count).ln(),
    }
}

pub fn smooth_idf(n: usize, df: usize) -> f64 {
    ((1.0 + n as f64) / (1.0 + df as f64)).ln() + 1.0
}

#[cfg(test)]
mod tests {
    use super::{descending_weight_key, from_descending_weight_key};

    /// Keys sort as pairs do by weight, highest first in `total_cmp`'s order (signed zeros, infinities and
    /// NaNs included), then by column, and give back the very pair.
    #[test]
    fn weight_keys_order_pairs_by_weight_descending_then_column() {
        let weights = [
            f32::NAN,
            f32::INFINITY,
            1.5,
            0.25,
            f32::MIN_POSITIVE,
            0.0,
            -0.0,
            -f32::MIN_POSITIVE,
            -0.25,
            -1.5,
            f32::NEG_INFINITY,
            -f32::NAN,
        ];
        let mut pairs: Vec<(u32, f32)> = weights
            .iter()
            .flat_map(|&w| [(7, w), (0, w), (u32::MAX, w)])
            .collect();
        let mut by_key = pairs.clone();
        by_key.sort_by_key(|&p| descending_weight_key(p));
        pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let bits = |v: &[(u32, f32)]| v.iter().map(|&(j, w)| (j, w.to_bits())).collect::<Vec<_>>();
        assert_eq!(bits(&by_key), bits(&pairs));
        for p in pairs {
            let back = from_descending_weight_key(descending_weight_key(p));
            assert_eq!((back.0, back.1.to_bits()), (p.0, p.1.to_bits()));
        }
    }
}
