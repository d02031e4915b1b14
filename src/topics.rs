//! `analyze topics`: the whole pipeline from input files to themes, keywords and the report model.

use crate::cluster::{self, ClusterOptions, Clustering, KChoice, KScore};
use crate::cooccur::{self, Network};
use crate::corpus::{self, Corpus};
use crate::error::{Error, Result};
use crate::idle::{Ahead, StopOnDrop};
use crate::progress;
use crate::read::Skipped;
use crate::segment::SegmentOptions;
use crate::themes::{self, Lexicon};
use crate::timing;
use crate::vectors::{TfIdf, TfIdfOptions};
use rayon::prelude::*;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct TopicsOptions {
    /// Files and directories; empty means the bundled seed pages.
    pub inputs: Vec<PathBuf>,
    pub input: corpus::InputOptions,
    pub segment: SegmentOptions,
    pub tfidf: TfIdfOptions,
    pub cluster: ClusterOptions,
    pub themes_file: Option<PathBuf>,
    /// Keywords kept per cluster (and per article: a third of it, at least 5).
    pub top_keywords: usize,
}

impl TopicsOptions {
    pub fn new() -> Self {
        TopicsOptions {
            top_keywords: 15,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Keyword {
    pub word: String,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusterReport {
    pub id: usize,
    pub size: usize,
    pub theme: String,
    pub label: String,
    /// Share of the cluster's top keyword weight on its theme's seed words.
    pub theme_share: f64,
    pub keywords: Vec<Keyword>,
    /// Ids of the articles nearest the cluster's centre, at most five.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleReport {
    pub id: String,
    /// The `source` field of the record if it has one, otherwise the file.
    pub source: String,
    pub file: String,
    pub line: Option<usize>,
    pub title: String,
    pub subtitle: Option<String>,
    pub section: Option<String>,
    pub authors: Vec<String>,
    pub county: Option<String>,
    pub county_code: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    /// Where the county came from: `field`, `title` or `text`.
    pub county_from: Option<String>,
    pub date: Option<String>,
    pub cluster: usize,
    pub theme: String,
    /// Margin between the nearest and the second-nearest theme centre (0–1; low means between themes).
    pub confidence: f64,
    /// The second-nearest cluster: where the article would go if it moved.
    pub runner_up: usize,
    pub keywords: Vec<Keyword>,
    /// Share of the article's word weight on each lexicon theme's seed words (the evidence for `theme`).
    pub theme_shares: ThemeShares,
    /// Character offsets `[start, end)` in the page it was cut from.
    pub span: Option<(usize, usize)>,
    pub chars: usize,
    /// Every other field of the input record, as given.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Position on the cluster map: the first two principal components of the article's reduced vector.
    pub map: [f64; 2],
}

/// Share of an article's word weight on each lexicon theme, in lexicon order; written as a map from theme
/// id. The ids are shared between articles: a map of owned strings per article cost 300 bytes each.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeShares(pub Vec<(Arc<str>, f64)>);

impl ThemeShares {
    pub fn get(&self, theme: &str) -> Option<f64> {
        self.0.iter().find(|(t, _)| &**t == theme).map(|&(_, x)| x)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(t, x)| (&**t, *x))
    }
}

impl Serialize for ThemeShares {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut sorted: Vec<&(Arc<str>, f64)> = self.0.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut map = serializer.serialize_map(Some(sorted.len()))?;
        for (theme, share) in sorted {
            map.serialize_entry(&**theme, share)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CaptionReport {
    pub id: String,
    pub file: String,
    pub text: String,
    pub authors: Vec<String>,
    pub county: Option<String>,
    pub span: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub files: usize,
    pub records: usize,
    pub articles: usize,
    pub captions: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub tool: &'static str,
    pub version: &'static str,
    pub seed: u64,
    pub k: usize,
    pub k_choice: KChoice,
    pub silhouette: f64,
    pub features: usize,
    pub min_df: usize,
    pub max_df: f64,
    pub options: serde_json::Value,
    /// The `--field` mappings the inputs were read with (`text=正文`), when any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    pub inputs: Vec<String>,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicsReport {
    pub meta: Meta,
    pub clusters: Vec<ClusterReport>,
    pub articles: Vec<ArticleReport>,
    pub captions: Vec<CaptionReport>,
    pub skipped: Vec<Skipped>,
    /// Ids of articles whose confidence is below [`LOW_CONFIDENCE`]: they sit between two themes.
    pub low_confidence: Vec<String>,
    /// The sweep behind `-k auto`: silhouette and inertia for each k tried.
    pub k_selection: Vec<KScore>,
    pub themes: Lexicon,
    /// The corpus's keywords: the mean TF-IDF weight of each word over all articles.
    pub corpus_keywords: Vec<Keyword>,
    /// Keyword co-occurrence network of the corpus's top keywords.
    pub network: Network,
}

impl TopicsReport {
    /// The theme ids articles can have: the lexicon's in order, then `other` if any article has it.
    pub fn theme_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.themes.themes.iter().map(|t| t.id.clone()).collect();
        if self.articles.iter().any(|a| a.theme == themes::OTHER) {
            ids.push(themes::OTHER.into());
        }
        ids
    }
}

/// The theme lexicon of a run: the built-in themes, extended or replaced by `--themes`.
pub fn lexicon(options: &TopicsOptions) -> Result<Lexicon> {
    let mut lexicon = Lexicon::builtin();
    if let Some(path) = &options.themes_file {
        lexicon.extend_from_file(path)?;
    }
    Ok(lexicon)
}

/// Words of the corpus's keyword list in `topics.json`.
const CORPUS_KEYWORDS: usize = 100;
/// Words of the co-occurrence network: the corpus's best, so no more than [`CORPUS_KEYWORDS`].
const NETWORK_NODES: usize = 40;

/// Runs the whole pipeline.
pub fn run(options: &TopicsOptions) -> Result<TopicsReport> {
    let lexicon = lexicon(options)?;
    let corpus = corpus::load(&options.inputs, &options.input, &options.segment)?;
    analyse(&corpus, &lexicon, options)
}

/// Vectors, clusters, keywords and themes of a prepared corpus.
pub fn analyse(
    corpus: &Corpus,
    lexicon: &Lexicon,
    options: &TopicsOptions,
) -> Result<TopicsReport> {
    let n = corpus.articles.len();
    if n == 0 {
        let first = corpus.skipped.first().map_or(String::new(), |s| {
            let line = s.line.map(|l| format!(":{l}")).unwrap_or_default();
            format!(" (first: {}{line}: {})", s.source, s.reason)
        });
        return Err(Error::Usage(format!(
            "no article left to analyse: all {} input record(s) were skipped{first}",
            corpus.records
        )));
    }
    if let KChoice::Fixed { k } = options.cluster.k {
        if k > n {
            return Err(Error::Usage(format!(
                "-k {k} asks for more themes than there are articles ({n}); give -k {n} or less, or -k auto"
            )));
        }
    }
    let tfidf = timing::stage("tfidf", || {
        TfIdf::fit(&corpus.words, &corpus.vocabulary, &options.tfidf)
    });
    // The article reports' keywords and theme shares need no clustering: they are worked out in the idle
    // time the SVD and k-means leave (see crate::idle).
    let basics = ArticleBasics::new(corpus, &tfidf, lexicon, options);
    let ahead = Ahead::new(basics.blocks());
    std::thread::scope(|scope| {
        let _stop = StopOnDrop(&ahead);
        scope.spawn(|| ahead.work_in_idle_time(|b| basics.block(b)));
        report(corpus, lexicon, options, &tfidf, &basics, &ahead)
    })
}

/// [`analyse`] from the TF-IDF weights on.
fn report(
    corpus: &Corpus,
    lexicon: &Lexicon,
    options: &TopicsOptions,
    tfidf: &TfIdf,
    basics: &ArticleBasics,
    ahead: &Ahead<BasicsBlock>,
) -> Result<TopicsReport> {
    let n = corpus.articles.len();
    let x = progress::during("reducing", || {
        timing::stage("svd", || {
            cluster::embed(tfidf, options.cluster.dims, options.cluster.seed)
        })
    })?;
    let mut cluster_options = options.cluster.clone();
    cluster_options.k = default_k_range(options.cluster.k, n, lexicon.themes.len());
    if cluster_options.n_runs == 0 {
        cluster_options.n_runs = default_runs(n);
    }
    let fit = || timing::stage("kmeans", || cluster::cluster(&x, &cluster_options));
    // `-k auto` draws its own bar, one step a k.
    let mut clustering = match cluster_options.k {
        KChoice::Fixed { .. } => progress::during("clustering", fit),
        KChoice::Auto { .. } => fit(),
    }?;
    let k = clustering.k;
    // Three passes that need nothing of each other, mostly serial: side by side.
    let all: Vec<usize> = (0..n).collect();
    let ((keywords, map), corpus_words) = rayon::join(
        || {
            rayon::join(
                || {
                    timing::stage("keywords", || {
                        themes::cluster_keywords(
                            tfidf,
                            &corpus.words,
                            &clustering.labels,
                            k,
                            options.top_keywords,
                        )
                    })
                },
                || timing::stage("map", || cluster::project_2d(&x)),
            )
        },
        || tfidf.mean_terms(&all, CORPUS_KEYWORDS),
    );
    let order = themes::stable_order(&clustering.sizes(), &keywords);
    clustering.renumber(&order);
    let keywords: Vec<Vec<(String, f64)>> = order.iter().map(|&o| keywords[o].clone()).collect();
    let named: Vec<(String, f64)> = keywords
        .iter()
        .map(|kw| themes::cluster_theme(lexicon, kw))
        .collect();
    let theme_ids: Vec<String> = named.iter().map(|(t, _)| t.clone()).collect();
    let labels = themes::cluster_labels(lexicon, &theme_ids, &keywords);
    // The reduced vectors are done with: free them before the reports are built.
    drop(x);
    // From here on the blocks worked out ahead are needed: the rest are done at full priority.
    ahead.stop();
    // The network is serial: it is built beside the article reports, which take every core.
    let (articles, network) = rayon::join(
        || {
            progress::during("reporting", || {
                timing::stage("articles", || {
                    article_reports(corpus, basics, ahead, &clustering, &theme_ids, &map)
                })
            })
        },
        || {
            timing::stage("network", || {
                cooccur::network(
                    corpus,
                    &clustering.labels,
                    k,
                    &corpus_words,
                    NETWORK_NODES,
                    80,
                )
            })
        },
    );
    let clusters = cluster_reports(&clustering, &keywords, &named, labels, corpus);
    Ok(TopicsReport {
        meta: meta(corpus, tfidf, &clustering, &cluster_options, options),
        clusters,
        captions: caption_reports(corpus),
        skipped: corpus.skipped.clone(),
        low_confidence: articles
            .iter()
            .filter(|a| a.confidence < LOW_CONFIDENCE)
            .map(|a| a.id.clone())
            .collect(),
        articles,
        k_selection: clustering.k_scores.clone(),
        themes: lexicon.clone(),
        corpus_keywords: keywords_of(&corpus_words, CORPUS_KEYWORDS),
        network,
    })
}

/// `-k auto` with no range given (`min == max == 0`) tries k from the number of lexicon themes (the themes
/// the user says exist) to a third of the articles (a theme should average three articles or more), at most
/// 20, and never fewer than 2.
pub fn default_k_range(k: KChoice, n: usize, lexicon_themes: usize) -> KChoice {
    match k {
        KChoice::Auto { min: 0, max: 0 } => {
            let max = (n / 3).clamp(2, 20);
            KChoice::Auto {
                min: lexicon_themes.clamp(2, max),
                max,
            }
        }
        other => other,
    }
}

/// Below this margin (cosine similarity) an article is listed as sitting between two themes.
pub const LOW_CONFIDENCE: f64 = 0.05;

/// Record fields that have their own place in an article's report.
const KNOWN_FIELDS: [&str; 5] = ["id", "title", "county", "date", "source"];

/// k-means runs when none are given: about 100,000 articles' worth, 3 to 200. More runs find better
/// clusterings and lower the variance between seeds, and a run costs in proportion to the articles: on the
/// 19 seed articles 30 runs left the result to the seed's luck, and 200 and 300 found the same clusters.
pub fn default_runs(n: usize) -> usize {
    (100_000 / n.max(1)).clamp(3, 200)
}

pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn keywords_of(words: &[(String, f64)], n: usize) -> Vec<Keyword> {
    words
        .iter()
        .take(n)
        .map(|(w, x)| Keyword {
            word: w.clone(),
            weight: round4(*x),
        })
        .collect()
}

/// What an article's report needs that no clustering decides: its keywords and its words' shares of the
/// lexicon's themes, worked out a block of [`BASICS_BLOCK`] articles at a time.
struct ArticleBasics<'a> {
    corpus: &'a Corpus,
    tfidf: &'a TfIdf<'a>,
    lexicon: &'a Lexicon,
    masks: Vec<u64>,
    per_article: usize,
}

/// Articles of a block of [`ArticleBasics`].
const BASICS_BLOCK: usize = 256;

/// The basics of a block's articles, flat: article `a`'s keywords are
/// `keywords[keyword_ends[a - 1]..keyword_ends[a]]` (columns and weights, best first), its shares
/// `shares[a * themes..(a + 1) * themes]`.
struct BasicsBlock {
    keyword_ends: Vec<u32>,
    keywords: Vec<(u32, f32)>,
    shares: Vec<f64>,
}

impl<'a> ArticleBasics<'a> {
    fn new(
        corpus: &'a Corpus,
        tfidf: &'a TfIdf<'a>,
        lexicon: &'a Lexicon,
        options: &TopicsOptions,
    ) -> Self {
        ArticleBasics {
            corpus,
            tfidf,
            lexicon,
            masks: lexicon.word_masks(corpus.vocabulary.words()),
            per_article: (options.top_keywords / 3).max(5),
        }
    }

    fn blocks(&self) -> usize {
        self.corpus.articles.len().div_ceil(BASICS_BLOCK)
    }

    fn articles(&self, b: usize) -> std::ops::Range<usize> {
        b * BASICS_BLOCK..((b + 1) * BASICS_BLOCK).min(self.corpus.articles.len())
    }

    fn block(&self, b: usize) -> BasicsBlock {
        let mut block = BasicsBlock {
            keyword_ends: Vec::with_capacity(BASICS_BLOCK),
            keywords: Vec::with_capacity(BASICS_BLOCK * self.per_article),
            shares: Vec::with_capacity(BASICS_BLOCK * self.lexicon.themes.len()),
        };
        for i in self.articles(b) {
            block
                .keywords
                .extend(self.tfidf.top_columns(i, self.per_article));
            block.keyword_ends.push(block.keywords.len() as u32);
            let words = themes::article_word_weights(
                self.tfidf,
                self.corpus.words.doc(i),
                self.corpus.headline_words.terms(i),
            );
            block
                .shares
                .extend(self.lexicon.shares_with(&words, &self.masks));
        }
        block
    }
}

impl BasicsBlock {
    /// Keywords and shares of the block's `a`-th article.
    fn article(&self, a: usize, themes: usize) -> (&[(u32, f32)], &[f64]) {
        let start = a
            .checked_sub(1)
            .map_or(0, |p| self.keyword_ends[p] as usize);
        let keywords = &self.keywords[start..self.keyword_ends[a] as usize];
        (keywords, &self.shares[a * themes..(a + 1) * themes])
    }
}

fn article_reports(
    corpus: &Corpus,
    basics: &ArticleBasics,
    ahead: &Ahead<BasicsBlock>,
    clustering: &Clustering,
    cluster_themes: &[String],
    map: &[[f64; 2]],
) -> Vec<ArticleReport> {
    let lexicon = basics.lexicon;
    let theme_keys: Vec<Arc<str>> = lexicon
        .themes
        .iter()
        .map(|t| Arc::from(t.id.as_str()))
        .collect();
    // An indexed iterator, so that the reports are collected in place: collected block by block, they were
    // held twice for a moment (peak at 341,600 records 1.31 GB, against 1.16 GB so). Pieces of at most a
    // block: this starts beside the network, and the core that joins late can find nothing to take from
    // pieces that were never split (one core idle for the last 25 ms of this stage in a profiled run on
    // news_34k).
    corpus
        .articles
        .par_iter()
        .enumerate()
        .with_max_len(BASICS_BLOCK)
        .map(|(i, a)| {
            let block = ahead.get(i / BASICS_BLOCK, |b| basics.block(b));
            let (keywords, shares) = block.article(i % BASICS_BLOCK, lexicon.themes.len());
            let cluster = clustering.labels[i];
            let (theme, _) = themes::article_theme(lexicon, shares, &cluster_themes[cluster]);
            let county = corpus.counties[i].as_ref();
            ArticleReport {
                id: a.id.clone(),
                source: a
                    .fields
                    .get("source")
                    .cloned()
                    .unwrap_or_else(|| a.file.clone()),
                file: a.file.clone(),
                line: a.line,
                title: a.title.clone(),
                subtitle: a.subtitle.clone(),
                section: a.section.clone(),
                authors: a.authors.clone(),
                county: county.map(|c| c.name.clone()),
                county_code: county.and_then(|c| c.code.clone()),
                city: county.and_then(|c| c.city.clone()),
                province: county.and_then(|c| c.province.clone()),
                county_from: county.map(|c| c.from.to_string()),
                date: a.fields.get("date").cloned(),
                cluster,
                theme,
                confidence: round4(clustering.confidence[i]),
                runner_up: clustering.runner_up[i],
                keywords: keywords
                    .iter()
                    .map(|&(j, weight)| Keyword {
                        word: basics.tfidf.features[j as usize].clone(),
                        weight: round4(f64::from(weight)),
                    })
                    .collect(),
                theme_shares: ThemeShares(
                    theme_keys
                        .iter()
                        .zip(shares)
                        .map(|(t, &x)| (t.clone(), round4(x)))
                        .collect(),
                ),
                span: a.span,
                chars: corpus.chars[i],
                map: map[i].map(round4),
                metadata: a
                    .fields
                    .iter()
                    .filter(|(k, _)| !KNOWN_FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            }
        })
        .collect()
}

fn cluster_reports(
    clustering: &Clustering,
    keywords: &[Vec<(String, f64)>],
    named: &[(String, f64)],
    labels: Vec<String>,
    corpus: &Corpus,
) -> Vec<ClusterReport> {
    let sizes = clustering.sizes();
    labels
        .into_iter()
        .enumerate()
        .map(|(c, label)| {
            let mut members: Vec<usize> = (0..clustering.labels.len())
                .filter(|&i| clustering.labels[i] == c)
                .collect();
            members.sort_by(|&a, &b| {
                clustering.similarity[b]
                    .total_cmp(&clustering.similarity[a])
                    .then(a.cmp(&b))
            });
            ClusterReport {
                id: c,
                size: sizes[c],
                theme: named[c].0.clone(),
                label,
                theme_share: round4(named[c].1),
                keywords: keywords_of(&keywords[c], keywords[c].len()),
                examples: members
                    .iter()
                    .take(5)
                    .map(|&i| corpus.articles[i].id.clone())
                    .collect(),
            }
        })
        .collect()
}

fn caption_reports(corpus: &Corpus) -> Vec<CaptionReport> {
    corpus
        .captions
        .iter()
        .map(|(a, county)| CaptionReport {
            id: a.id.clone(),
            file: a.file.clone(),
            text: a.text.clone(),
            authors: a.authors.clone(),
            county: county.as_ref().map(|c| c.name.clone()),
            span: a.span,
        })
        .collect()
}

/// Every option of the run that shapes its output, for topics.json.
fn run_options(chosen: &ClusterOptions, options: &TopicsOptions) -> serde_json::Value {
    let mut run = serde_json::json!({
        "tfidf": options.tfidf,
        "cluster": chosen,
        "keep_places": options.segment.keep_places,
        "txt": options.input.txt,
        "user_dicts": options.segment.user_dicts,
        "stopword_files": options.segment.stopword_files,
        "themes_file": options.themes_file,
        "top_keywords": options.top_keywords,
    });
    // Only when given, so that the reports of runs on files do not change.
    if let Some(kind) = options.input.stdin_as {
        run["stdin_as"] = serde_json::json!(kind);
    }
    run
}

fn meta(
    corpus: &Corpus,
    tfidf: &TfIdf,
    clustering: &Clustering,
    chosen: &ClusterOptions,
    options: &TopicsOptions,
) -> Meta {
    Meta {
        tool: "analyze",
        version: env!("CARGO_PKG_VERSION"),
        seed: options.cluster.seed,
        k: clustering.k,
        k_choice: chosen.k,
        silhouette: round4(clustering.silhouette),
        features: tfidf.features.len(),
        min_df: tfidf.min_df,
        max_df: tfidf.max_df,
        options: run_options(chosen, options),
        fields: options
            .input
            .fields
            .iter()
            .map(|(f, c)| format!("{f}={c}"))
            .collect(),
        inputs: corpus.files.clone(),
        counts: Counts {
            files: corpus.files.len(),
            records: corpus.records,
            articles: corpus.articles.len(),
            captions: corpus.captions.len(),
            skipped: corpus.skipped.len(),
        },
    }
}
