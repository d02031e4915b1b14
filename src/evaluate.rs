//! `analyze evaluate`: how well the clusters match gold labels, over several seeds.
//!
//! NMI (arithmetic-mean normalisation, as scikit-learn's default), ARI, homogeneity, completeness,
//! V-measure and purity, all from the contingency table. Written here because linfa has none of them.

use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::themes::Lexicon;
use crate::topics::{self, round4, TopicsOptions};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, Default)]
pub struct Scores {
    pub nmi: f64,
    pub ari: f64,
    pub homogeneity: f64,
    pub completeness: f64,
    pub v_measure: f64,
    pub purity: f64,
}

impl Scores {
    fn fields(&self) -> [f64; 6] {
        [
            self.nmi,
            self.ari,
            self.homogeneity,
            self.completeness,
            self.v_measure,
            self.purity,
        ]
    }

    fn from_fields(f: [f64; 6]) -> Self {
        Scores {
            nmi: f[0],
            ari: f[1],
            homogeneity: f[2],
            completeness: f[3],
            v_measure: f[4],
            purity: f[5],
        }
    }

    fn rounded(&self) -> Self {
        Self::from_fields(self.fields().map(round4))
    }
}

/// The contingency table of gold labels (rows) against predicted clusters (columns).
fn contingency<G: Ord + Clone>(gold: &[G], pred: &[usize]) -> (Vec<Vec<f64>>, usize) {
    let mut rows: BTreeMap<G, BTreeMap<usize, f64>> = BTreeMap::new();
    for (g, &p) in gold.iter().zip(pred) {
        *rows.entry(g.clone()).or_default().entry(p).or_default() += 1.0;
    }
    let n_cols = pred.iter().max().map_or(0, |m| m + 1);
    let table = rows
        .values()
        .map(|r| {
            (0..n_cols)
                .map(|c| r.get(&c).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    (table, gold.len())
}

fn entropy(counts: impl Iterator<Item = f64>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0.0)
        .map(|c| -(c / n) * (c / n).ln())
        .sum()
}

fn comb2(x: f64) -> f64 {
    x * (x - 1.0) / 2.0
}

/// All scores of predicted clusters against gold labels.
pub fn scores<G: Ord + Clone>(gold: &[G], pred: &[usize]) -> Scores {
    assert_eq!(gold.len(), pred.len(), "one prediction per gold label");
    let (table, n) = contingency(gold, pred);
    if n == 0 {
        return Scores::default();
    }
    let n = n as f64;
    let row_sums: Vec<f64> = table.iter().map(|r| r.iter().sum()).collect();
    let col_sums: Vec<f64> = (0..table.first().map_or(0, Vec::len))
        .map(|c| table.iter().map(|r| r[c]).sum())
        .collect();
    let h_gold = entropy(row_sums.iter().copied(), n);
    let h_pred = entropy(col_sums.iter().copied(), n);
    let mut mi = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &nij) in row.iter().enumerate() {
            if nij > 0.0 {
                mi += nij / n * (n * nij / (row_sums[i] * col_sums[j])).ln();
            }
        }
    }
    let nmi = if h_gold + h_pred > 0.0 {
        2.0 * mi / (h_gold + h_pred)
    } else {
        1.0
    };
    let homogeneity = if h_gold > 0.0 { mi / h_gold } else { 1.0 };
    let completeness = if h_pred > 0.0 { mi / h_pred } else { 1.0 };
    let v_measure = if homogeneity + completeness > 0.0 {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    } else {
        0.0
    };
    let index: f64 = table.iter().flatten().map(|&x| comb2(x)).sum();
    let sum_rows: f64 = row_sums.iter().map(|&x| comb2(x)).sum();
    let sum_cols: f64 = col_sums.iter().map(|&x| comb2(x)).sum();
    let expected = sum_rows * sum_cols / comb2(n);
    let max_index = (sum_rows + sum_cols) / 2.0;
    let ari = if (max_index - expected).abs() > 0.0 {
        (index - expected) / (max_index - expected)
    } else {
        1.0
    };
    let purity = (0..col_sums.len())
        .map(|j| table.iter().map(|r| r[j]).fold(0.0, f64::max))
        .sum::<f64>()
        / n;
    Scores {
        nmi,
        ari,
        homogeneity,
        completeness,
        v_measure,
        purity,
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SeedRun {
    pub seed: u64,
    pub k: usize,
    pub scores: Scores,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConfusionCluster {
    pub id: usize,
    pub label: String,
    pub keywords: Vec<String>,
}

/// Gold label × cluster counts of the first seed's run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Confusion {
    pub seed: u64,
    pub gold: Vec<String>,
    pub clusters: Vec<ConfusionCluster>,
    pub counts: Vec<Vec<usize>>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub label_field: String,
    pub labelled: usize,
    pub unlabelled: usize,
    pub runs: Vec<SeedRun>,
    pub mean: Scores,
    pub min: Scores,
    pub max: Scores,
    pub confusion: Confusion,
}

/// Clusters the corpus once per seed and scores each run against the gold labels in `label_field`.
pub fn evaluate(
    corpus: &Corpus,
    lexicon: &Lexicon,
    options: &TopicsOptions,
    label_field: &str,
    seeds: &[u64],
) -> Result<Evaluation> {
    let gold: Vec<Option<&str>> = corpus
        .articles
        .iter()
        .map(|a| a.fields.get(label_field).map(String::as_str))
        .collect();
    let labelled: Vec<usize> = (0..gold.len()).filter(|&i| gold[i].is_some()).collect();
    if labelled.is_empty() {
        return Err(Error::Usage(format!(
            "no article has the field `{label_field}`: give --label-field with the name of the gold label field"
        )));
    }
    let gold_labels: Vec<&str> = labelled
        .iter()
        .map(|&i| gold[i].expect("filtered"))
        .collect();
    let mut runs = Vec::new();
    let mut confusion = None;
    for &seed in seeds {
        let mut o = options.clone();
        o.cluster.seed = seed;
        let report = topics::analyse(corpus, lexicon, &o)?;
        let pred: Vec<usize> = labelled
            .iter()
            .map(|&i| report.articles[i].cluster)
            .collect();
        runs.push(SeedRun {
            seed,
            k: report.meta.k,
            scores: scores(&gold_labels, &pred).rounded(),
        });
        if confusion.is_none() {
            confusion = Some(confusion_of(&gold_labels, &pred, &report, seed));
        }
    }
    let fields: Vec<[f64; 6]> = runs.iter().map(|r| r.scores.fields()).collect();
    let fold = |f: fn(f64, f64) -> f64, init: f64| {
        Scores::from_fields(std::array::from_fn(|j| {
            fields.iter().map(|x| x[j]).fold(init, f)
        }))
        .rounded()
    };
    let mean = Scores::from_fields(std::array::from_fn(|j| {
        fields.iter().map(|x| x[j]).sum::<f64>() / fields.len() as f64
    }));
    Ok(Evaluation {
        label_field: label_field.to_string(),
        labelled: labelled.len(),
        unlabelled: gold.len() - labelled.len(),
        mean: mean.rounded(),
        min: fold(f64::min, f64::INFINITY),
        max: fold(f64::max, f64::NEG_INFINITY),
        runs,
        confusion: confusion.expect("at least one seed"),
    })
}

fn confusion_of(
    gold: &[&str],
    pred: &[usize],
    report: &topics::TopicsReport,
    seed: u64,
) -> Confusion {
    let mut labels: Vec<String> = gold.iter().map(|g| g.to_string()).collect();
    labels.sort();
    labels.dedup();
    let k = report.clusters.len();
    let mut counts = vec![vec![0; k]; labels.len()];
    for (g, &p) in gold.iter().zip(pred) {
        let row = labels
            .binary_search_by(|l| l.as_str().cmp(g))
            .expect("label listed");
        counts[row][p] += 1;
    }
    Confusion {
        seed,
        gold: labels,
        clusters: report
            .clusters
            .iter()
            .map(|c| ConfusionCluster {
                id: c.id,
                label: c.label.clone(),
                keywords: c.keywords.iter().take(5).map(|k| k.word.clone()).collect(),
            })
            .collect(),
        counts,
    }
}

/// The evaluation as a text report.
pub fn render(e: &Evaluation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Evaluation against `{}`: {} labelled articles ({} without a label), {} seed(s)",
        e.label_field,
        e.labelled,
        e.unlabelled,
        e.runs.len()
    );
    let _ = writeln!(
        s,
        "{:<8}{:>4}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
        "seed", "k", "NMI", "ARI", "V", "homog", "compl", "purity"
    );
    let row = |s: &mut String, name: &str, k: String, x: &Scores| {
        let _ = writeln!(
            s,
            "{name:<8}{k:>4}{:>8.4}{:>8.4}{:>8.4}{:>8.4}{:>8.4}{:>8.4}",
            x.nmi, x.ari, x.v_measure, x.homogeneity, x.completeness, x.purity
        );
    };
    for r in &e.runs {
        row(&mut s, &r.seed.to_string(), r.k.to_string(), &r.scores);
    }
    row(&mut s, "mean", String::new(), &e.mean);
    row(&mut s, "min", String::new(), &e.min);
    row(&mut s, "max", String::new(), &e.max);
    let c = &e.confusion;
    let _ = writeln!(s, "\nConfusion (seed {}): gold label × cluster", c.seed);
    let width = c
        .gold
        .iter()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = write!(s, "{:width$}", "");
    for cl in &c.clusters {
        let _ = write!(s, "{:>6}", format!("c{}", cl.id));
    }
    s.push('\n');
    for (g, counts) in c.gold.iter().zip(&c.counts) {
        let pad = width.saturating_sub(g.chars().count()) + g.len();
        let _ = write!(s, "{g:<pad$}");
        for n in counts {
            let _ = write!(s, "{n:>6}");
        }
        s.push('\n');
    }
    for cl in &c.clusters {
        let _ = writeln!(s, "c{}: {}  {}", cl.id, cl.label, cl.keywords.join(" "));
    }
    s
}
