//! The keyword co-occurrence network (what KH Coder and ROST CM call a semantic network): the corpus's top
//! keywords as nodes, and the pairs that appear in the same articles most often, by Jaccard coefficient.

use crate::corpus::Corpus;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Node {
    pub word: String,
    /// Mean TF-IDF weight in the corpus.
    pub weight: f64,
    /// Articles that hold the word.
    pub articles: usize,
    /// The cluster in which the word is most frequent, relative to cluster size.
    pub cluster: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Edge {
    pub source: usize,
    pub target: usize,
    /// Articles that hold both words.
    pub articles: usize,
    /// Articles with both / articles with either.
    pub jaccard: f64,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// Builds the network of the `max_nodes` best corpus keywords and their `max_edges` strongest pairs.
pub fn network(
    corpus: &Corpus,
    labels: &[usize],
    k: usize,
    corpus_keywords: &[(String, f64)],
    max_nodes: usize,
    max_edges: usize,
) -> Network {
    let words: Vec<&(String, f64)> = corpus_keywords.iter().take(max_nodes).collect();
    // Node of each word id, looked up by position: every word of every article is looked up.
    let mut node_of = vec![None; corpus.vocabulary.len()];
    for (i, (w, _)) in words.iter().enumerate() {
        if let Some(id) = corpus.vocabulary.get(w) {
            node_of[id as usize] = Some(i);
        }
    }
    let n = words.len();
    let mut df = vec![0usize; n];
    let mut per_cluster = vec![vec![0usize; k.max(1)]; n];
    let mut together = vec![0usize; n * n];
    let mut sizes = vec![0usize; k.max(1)];
    for (i, &label) in labels.iter().enumerate() {
        sizes[label] += 1;
        let mut present: Vec<usize> = corpus
            .words
            .terms(i)
            .iter()
            .filter_map(|&t| node_of[t as usize])
            .collect();
        present.sort_unstable();
        present.dedup();
        for (a, &i) in present.iter().enumerate() {
            df[i] += 1;
            per_cluster[i][label] += 1;
            for &j in &present[a + 1..] {
                together[i * n + j] += 1;
            }
        }
    }
    let nodes = words
        .iter()
        .enumerate()
        .map(|(i, (w, weight))| Node {
            word: w.clone(),
            weight: *weight,
            articles: df[i],
            cluster: (0..sizes.len())
                .max_by(|&a, &b| {
                    let share = |c: usize| per_cluster[i][c] as f64 / sizes[c].max(1) as f64;
                    share(a).total_cmp(&share(b)).then_with(|| b.cmp(&a))
                })
                .unwrap_or(0),
        })
        .collect();
    let min_together = if labels.len() >= 50 { 2 } else { 1 };
    let mut edges: Vec<Edge> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| (i, j, together[i * n + j]))
        .filter(|&(_, _, both)| both >= min_together)
        .map(|(i, j, both)| Edge {
            source: i,
            target: j,
            articles: both,
            jaccard: both as f64 / (df[i] + df[j] - both) as f64,
        })
        .collect();
    edges.sort_by(|a, b| {
        b.jaccard
            .total_cmp(&a.jaccard)
            .then_with(|| b.articles.cmp(&a.articles))
            .then_with(|| (a.source, a.target).cmp(&(b.source, b.target)))
    });
    edges.truncate(max_edges);
    Network { nodes, edges }
}
