//! `analyze compare`: theme shares, distinctive words and trends between groups of articles (counties,
//! provinces, cities, sources or any metadata field), honestly measured: every share comes with its count
//! and a 95 % Wilson interval, the difference of theme mixes is tested, and periods without articles are
//! gaps, not zeros.

use crate::corpus::Corpus;
use crate::correspondence::{self, Correspondence};
use crate::dates::{parse_date, Period};
use crate::stats::{self, IndependenceTest};
use crate::topics::{round4, TopicsReport};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

pub const NO_VALUE: &str = "(无 none)";

#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// `county`, `province`, `city`, `source`, or any metadata field.
    pub by: String,
    /// Only these groups (all when empty).
    pub groups: Vec<String>,
    pub period: Option<Period>,
    /// Distinctive words per group.
    pub top: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ThemeShare {
    pub theme: String,
    pub count: usize,
    pub share: f64,
    /// 95 % Wilson interval of the share.
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupShares {
    pub group: String,
    pub articles: usize,
    pub undated: usize,
    pub themes: Vec<ThemeShare>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyWord {
    pub word: String,
    /// Occurrences in the group and in the rest of the corpus.
    pub group_count: usize,
    pub rest_count: usize,
    /// Log-likelihood G² of group against rest.
    pub g2: f64,
    pub p_value: f64,
    /// Log Ratio: binary log of the ratio of relative frequencies (1 = twice as frequent).
    pub log_ratio: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupKeyness {
    pub group: String,
    /// Words in the group and in the rest of the corpus.
    pub group_words: usize,
    pub rest_words: usize,
    pub words: Vec<KeyWord>,
}

/// One group's theme counts in one period; `share` is `None` where the group has no article then.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrendPoint {
    pub group: String,
    pub period: String,
    pub theme: String,
    pub count: usize,
    pub total: usize,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub by: String,
    pub groups: Vec<String>,
    pub themes: Vec<String>,
    pub shares: Vec<GroupShares>,
    pub test: IndependenceTest,
    /// The findings in plain words.
    pub statements: Vec<Statement>,
    pub keyness: Vec<GroupKeyness>,
    /// Correspondence analysis of the largest groups × their distinctive words (`None` when fewer than three
    /// groups have enough articles).
    pub correspondence: Option<Correspondence>,
    pub period: Option<Period>,
    pub periods: Vec<String>,
    pub trends: Vec<TrendPoint>,
    pub undated: usize,
    /// Undated articles whose `date` field holds something that is not a date (`昨天`, `2025-13-45`):
    /// a typo in an export should not pass for a missing date.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_dates: Vec<UnreadableDate>,
}

/// A finding in plain words (in compare.json, its text alone).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(into = "String")]
pub struct Statement {
    /// The group it is about (by index in `groups`; `None` for the test of all groups).
    pub group: Option<usize>,
    pub text: String,
    /// Whether chance alone may explain it (p ≥ 0.05 after adjustment).
    pub may_be_chance: bool,
}

impl From<Statement> for String {
    fn from(s: Statement) -> String {
        s.text
    }
}

/// An article whose `date` field is not a date.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnreadableDate {
    pub id: String,
    pub file: String,
    pub line: Option<usize>,
    pub date: String,
}

/// The group of each article (`None` when a chosen `--groups` list leaves it out).
fn group_values(report: &TopicsReport, corpus: &Corpus, by: &str) -> Vec<String> {
    report
        .articles
        .iter()
        .zip(&corpus.articles)
        .map(|(a, src)| {
            let v = match by {
                "county" => a.county.clone(),
                "province" => a.province.clone(),
                "city" => a.city.clone(),
                "source" => Some(a.source.clone()),
                "theme" => Some(a.theme.clone()),
                field => src.fields.get(field).cloned(),
            };
            v.filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| NO_VALUE.to_string())
        })
        .collect()
}

pub fn compare(report: &TopicsReport, corpus: &Corpus, options: &CompareOptions) -> Comparison {
    let values = group_values(report, corpus, &options.by);
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &values {
        *sizes.entry(v.as_str()).or_default() += 1;
    }
    let mut groups: Vec<String> = if options.groups.is_empty() {
        sizes.keys().map(|s| s.to_string()).collect()
    } else {
        options
            .groups
            .iter()
            .filter(|g| sizes.contains_key(g.as_str()))
            .cloned()
            .collect()
    };
    groups.sort_by(|a, b| {
        sizes[b.as_str()]
            .cmp(&sizes[a.as_str()])
            .then_with(|| a.cmp(b))
    });
    let themes = report.theme_ids();
    let theme_index: HashMap<&str, usize> = themes
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let group_index: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.as_str(), i))
        .collect();
    let member: Vec<Option<usize>> = values
        .iter()
        .map(|v| group_index.get(v.as_str()).copied())
        .collect();
    let article_theme: Vec<usize> = report
        .articles
        .iter()
        .map(|a| theme_index[a.theme.as_str()])
        .collect();
    let dates: Vec<Option<crate::dates::Date>> = report
        .articles
        .iter()
        .map(|a| a.date.as_deref().and_then(parse_date))
        .collect();

    let articles_of = articles_of_groups(&member, groups.len());
    let shares = group_shares(&groups, &themes, &articles_of, &article_theme, &dates);
    let (g, t): (Vec<usize>, Vec<usize>) = member
        .iter()
        .zip(&article_theme)
        .filter_map(|(m, &t)| m.map(|g| (g, t)))
        .unzip();
    let test = stats::independence(&g, &t, groups.len(), themes.len(), options.seed);
    let mut theme_totals = vec![0; themes.len()];
    for &t in &article_theme {
        theme_totals[t] += 1;
    }
    let statements = statements(report, &shares, &theme_totals, &test);
    let word_totals = word_totals(corpus);
    let keyness = groups
        .par_iter()
        .zip(&articles_of)
        .map(|(name, articles)| {
            let top = options.top.max(MAP_WORDS_PER_GROUP);
            keyness(corpus, &word_totals, articles, name, top)
        })
        .collect::<Vec<_>>();
    let correspondence = correspondence_map(corpus, &groups, &articles_of, &keyness);
    let keyness = keyness
        .into_iter()
        .map(|mut k| {
            k.words.truncate(options.top);
            k
        })
        .collect();
    let (periods, trends) = match options.period {
        Some(p) => trends(p, &groups, &themes, &member, &article_theme, &dates),
        None => (Vec::new(), Vec::new()),
    };
    Comparison {
        by: options.by.clone(),
        groups,
        themes,
        shares,
        test,
        statements,
        keyness,
        correspondence,
        period: options.period,
        periods,
        trends,
        undated: dates.iter().filter(|d| d.is_none()).count(),
        unreadable_dates: unreadable_dates(report, &dates),
    }
}

fn unreadable_dates(
    report: &TopicsReport,
    dates: &[Option<crate::dates::Date>],
) -> Vec<UnreadableDate> {
    report
        .articles
        .iter()
        .zip(dates)
        .filter_map(|(a, parsed)| match (&a.date, parsed) {
            (Some(date), None) if !date.trim().is_empty() => Some(UnreadableDate {
                id: a.id.clone(),
                file: a.file.clone(),
                line: a.line,
                date: date.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The articles of each group, in order: each group's statistics then cost its own articles, not the
/// corpus (at 1,801 counties of news_34k, scanning the corpus once a group took minutes).
fn articles_of_groups(member: &[Option<usize>], groups: usize) -> Vec<Vec<usize>> {
    let mut articles = vec![Vec::new(); groups];
    for (i, m) in member.iter().enumerate() {
        if let Some(g) = m {
            articles[*g].push(i);
        }
    }
    articles
}

fn group_shares(
    groups: &[String],
    themes: &[String],
    articles_of: &[Vec<usize>],
    article_theme: &[usize],
    dates: &[Option<crate::dates::Date>],
) -> Vec<GroupShares> {
    groups
        .iter()
        .zip(articles_of)
        .map(|(g, idx)| {
            let n = idx.len();
            GroupShares {
                group: g.clone(),
                articles: n,
                undated: idx.iter().filter(|&&i| dates[i].is_none()).count(),
                themes: themes
                    .iter()
                    .enumerate()
                    .map(|(ti, t)| {
                        let count = idx.iter().filter(|&&i| article_theme[i] == ti).count();
                        let (low, high) = stats::wilson(count, n);
                        ThemeShare {
                            theme: t.clone(),
                            count,
                            share: round4(count as f64 / n.max(1) as f64),
                            low: round4(low),
                            high: round4(high),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// For each group, the theme where it differs most from the rest, in words, with the counts behind it and
/// the p-value of Fisher's exact test, Bonferroni-adjusted for the number of statements (one to two a
/// group, each about the theme where the group differs most: with many groups some differ by chance).
fn statements(
    report: &TopicsReport,
    shares: &[GroupShares],
    theme_totals: &[usize],
    test: &IndependenceTest,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let verdict = if test.p_value < 0.05 {
        "differ"
    } else {
        "do not differ detectably"
    };
    let method = if test.method == "permutation" {
        format!(
            "permutation test of the chi-square statistic, {} permutations",
            test.permutations
        )
    } else {
        format!("chi-square {:.2}, df {}", test.statistic, test.df)
    };
    let p = if test.p_value < 1e-4 {
        "p < 0.0001".to_string()
    } else {
        format!("p = {:.4}", test.p_value)
    };
    out.push(Statement {
        group: None,
        text: format!("The groups' theme mixes {verdict} ({method}, {p})."),
        may_be_chance: test.p_value >= 0.05,
    });
    let n_all: usize = theme_totals.iter().sum();
    let mut findings = Vec::new();
    for (gi, g) in shares.iter().enumerate() {
        let rest_n = n_all - g.articles;
        if g.articles == 0 || rest_n == 0 {
            continue;
        }
        let diffs: Vec<(usize, f64, usize)> = g
            .themes
            .iter()
            .enumerate()
            .map(|(ti, s)| {
                let rest = theme_totals[ti] - s.count;
                (ti, s.share - rest as f64 / rest_n as f64, rest)
            })
            .collect();
        let more = diffs
            .iter()
            .filter(|d| d.1 > 1e-9)
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        let less = diffs
            .iter()
            .filter(|d| d.1 < -1e-9)
            .min_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut said = Vec::new();
        if let Some(&(ti, _, rest)) = more {
            said.push(("more", ti, rest));
        }
        if let Some(&(ti, d, rest)) = less {
            if more.is_none_or(|m| -d >= m.1) {
                said.push(("less", ti, rest));
            }
        }
        for (direction, ti, rest) in said {
            let s = &g.themes[ti];
            let p = stats::fisher_exact(s.count, g.articles - s.count, rest, rest_n - rest);
            let text = format!(
                "{} writes {direction} about {} ({}) than the rest: {} of {} articles vs {} of {}",
                g.group,
                s.theme,
                report.themes.label(&s.theme),
                s.count,
                g.articles,
                rest,
                rest_n
            );
            findings.push((gi, text, p));
        }
    }
    let m = findings.len();
    for (gi, text, p) in findings {
        let adjusted = (p * m as f64).min(1.0);
        let p = match adjusted {
            a if a < 1e-4 => "p < 0.0001".to_string(),
            a => format!("p = {a:.4}"),
        };
        let adjusted_for = match m {
            1 => String::new(),
            m => format!(" adjusted for {m} statements"),
        };
        let may_be_chance = adjusted >= 0.05;
        let caution = if may_be_chance {
            ": this may be chance"
        } else {
            ""
        };
        out.push(Statement {
            group: Some(gi),
            text: format!("{text} ({p}{adjusted_for}, Fisher's exact test{caution})."),
            may_be_chance,
        });
    }
    out
}

/// How often each word (by id) occurs in the whole corpus, and all words together.
struct WordTotals {
    by_word: Vec<usize>,
    all: usize,
}

fn word_totals(corpus: &Corpus) -> WordTotals {
    let mut by_word = vec![0; corpus.vocabulary.len()];
    for i in 0..corpus.words.len() {
        for (t, c) in corpus.words.doc(i) {
            by_word[t as usize] += c as usize;
        }
    }
    let all = by_word.iter().sum();
    WordTotals { by_word, all }
}

/// A group's distinctive words against the rest of the corpus (`totals` less the group's own counts).
fn keyness(
    corpus: &Corpus,
    totals: &WordTotals,
    articles: &[usize],
    name: &str,
    top: usize,
) -> GroupKeyness {
    let mut group: HashMap<u32, usize> = HashMap::new();
    for &i in articles {
        for (t, c) in corpus.words.doc(i) {
            *group.entry(t).or_default() += c as usize;
        }
    }
    let c = group.values().sum::<usize>();
    let (c, d) = (c as f64, (totals.all - c) as f64);
    let min_count = if c > 10_000.0 { 5 } else { 2 };
    let mut words: Vec<KeyWord> = group
        .iter()
        .filter(|(_, &a)| a >= min_count)
        .filter_map(|(&t, &a)| {
            let b = totals.by_word[t as usize] - a;
            let (af, bf) = (a as f64, b as f64);
            (d == 0.0 || af / c > bf / d).then(|| {
                let g2 = stats::log_likelihood(af, bf, c, d.max(1.0));
                KeyWord {
                    word: corpus.vocabulary.word(t).to_string(),
                    group_count: a,
                    rest_count: b,
                    g2: round4(g2),
                    p_value: stats::chi2_sf(g2, 1),
                    log_ratio: round4(stats::log_ratio(af, bf, c, d.max(1.0))),
                }
            })
        })
        .collect();
    words.sort_by(|x, y| y.g2.total_cmp(&x.g2).then_with(|| x.word.cmp(&y.word)));
    words.truncate(top);
    GroupKeyness {
        group: name.to_string(),
        group_words: c as usize,
        rest_words: d as usize,
        words,
    }
}

/// Groups on the correspondence map: the largest, each with at least [`MAP_MIN_ARTICLES`] articles (a
/// county of one or two articles sits alone at the edge and crowds the others into the middle).
pub const MAP_GROUPS: usize = 20;
pub const MAP_MIN_ARTICLES: usize = 5;
/// Each mapped group brings its most distinctive words (by G²) to the map, as KH Coder's 特徴語 do.
const MAP_WORDS_PER_GROUP: usize = 3;

fn correspondence_map(
    corpus: &Corpus,
    groups: &[String],
    articles_of: &[Vec<usize>],
    keyness: &[GroupKeyness],
) -> Option<Correspondence> {
    let mapped: Vec<usize> = (0..groups.len())
        .filter(|&g| groups[g] != NO_VALUE && articles_of[g].len() >= MAP_MIN_ARTICLES)
        .take(MAP_GROUPS)
        .collect();
    let mut words: Vec<&str> = Vec::new();
    for &g in &mapped {
        for w in keyness[g].words.iter().take(MAP_WORDS_PER_GROUP) {
            if !words.contains(&w.word.as_str()) {
                words.push(&w.word);
            }
        }
    }
    let column_of: HashMap<u32, usize> = words
        .iter()
        .enumerate()
        .filter_map(|(j, w)| Some((corpus.vocabulary.get(w)?, j)))
        .collect();
    let mut counts = ndarray::Array2::<f64>::zeros((mapped.len(), words.len()));
    for (row, &g) in mapped.iter().enumerate() {
        for &i in &articles_of[g] {
            for (t, c) in corpus.words.doc(i) {
                if let Some(&j) = column_of.get(&t) {
                    counts[[row, j]] += f64::from(c);
                }
            }
        }
    }
    let row_labels: Vec<String> = mapped.iter().map(|&g| groups[g].clone()).collect();
    let column_labels: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    correspondence::analyse(&counts, &row_labels, &column_labels)
}

fn trends(
    period: Period,
    groups: &[String],
    themes: &[String],
    member: &[Option<usize>],
    article_theme: &[usize],
    dates: &[Option<crate::dates::Date>],
) -> (Vec<String>, Vec<TrendPoint>) {
    let indices: Vec<Option<i64>> = dates.iter().map(|d| d.map(|d| period.index(d))).collect();
    let (Some(first), Some(last)) = (
        indices.iter().flatten().min().copied(),
        indices.iter().flatten().max().copied(),
    ) else {
        return (Vec::new(), Vec::new());
    };
    let mut counts: HashMap<(usize, i64, usize), usize> = HashMap::new();
    let mut totals: HashMap<(usize, i64), usize> = HashMap::new();
    for i in 0..member.len() {
        if let (Some(g), Some(p)) = (member[i], indices[i]) {
            *counts.entry((g, p, article_theme[i])).or_default() += 1;
            *totals.entry((g, p)).or_default() += 1;
        }
    }
    let periods: Vec<String> = (first..=last).map(|p| period.label(p)).collect();
    let mut points = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        for p in first..=last {
            let total = totals.get(&(gi, p)).copied().unwrap_or(0);
            for (ti, t) in themes.iter().enumerate() {
                let count = counts.get(&(gi, p, ti)).copied().unwrap_or(0);
                points.push(TrendPoint {
                    group: g.clone(),
                    period: period.label(p),
                    theme: t.clone(),
                    count,
                    total,
                    share: (total > 0).then(|| round4(count as f64 / total as f64)),
                });
            }
        }
    }
    (periods, points)
}

/// A table of a comparison as it is written to CSV: a header and rows of text.
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

fn f4(x: f64) -> String {
    format!("{x:.4}")
}

impl Comparison {
    /// Each group's count, share and 95 % interval per theme.
    pub fn shares_table(&self) -> Table {
        let rows = self
            .shares
            .iter()
            .flat_map(|g| {
                g.themes.iter().map(move |t| {
                    let (count, total, undated) = (
                        t.count.to_string(),
                        g.articles.to_string(),
                        g.undated.to_string(),
                    );
                    vec![
                        g.group.clone(),
                        t.theme.clone(),
                        count,
                        total,
                        f4(t.share),
                        f4(t.low),
                        f4(t.high),
                        undated,
                    ]
                })
            })
            .collect();
        let header = vec![
            "group",
            "theme",
            "articles",
            "group_total",
            "share",
            "low95",
            "high95",
            "group_undated",
        ];
        Table { header, rows }
    }

    /// Each group's distinctive words with their counts and statistics.
    pub fn keyness_table(&self) -> Table {
        let rows = self
            .keyness
            .iter()
            .flat_map(|k| {
                k.words.iter().map(move |w| {
                    let (a, b, p) = (
                        w.group_count.to_string(),
                        w.rest_count.to_string(),
                        format!("{:.6}", w.p_value),
                    );
                    vec![
                        k.group.clone(),
                        w.word.clone(),
                        a,
                        b,
                        f4(w.g2),
                        p,
                        f4(w.log_ratio),
                    ]
                })
            })
            .collect();
        let header = vec![
            "group",
            "word",
            "group_count",
            "rest_count",
            "g2",
            "p_value",
            "log_ratio",
        ];
        Table { header, rows }
    }

    /// Theme share per group and period (of one theme, or all); an empty share where a group has no article.
    pub fn trends_table(&self, theme: Option<&str>) -> Table {
        let rows = self
            .trends
            .iter()
            .filter(|t| theme.is_none_or(|th| t.theme == th))
            .map(|t| {
                let (count, total) = (t.count.to_string(), t.total.to_string());
                vec![
                    t.group.clone(),
                    t.period.clone(),
                    t.theme.clone(),
                    count,
                    total,
                    t.share.map(f4).unwrap_or_default(),
                ]
            })
            .collect();
        Table {
            header: vec![
                "group",
                "period",
                "theme",
                "articles",
                "period_total",
                "share",
            ],
            rows,
        }
    }
}

/// A line on the dates that are not dates, with the first few of them, or `None` when there are none.
fn unreadable_dates_said(unreadable: &[UnreadableDate]) -> Option<String> {
    const SHOWN: usize = 3;
    if unreadable.is_empty() {
        return None;
    }
    let shown: Vec<String> = unreadable
        .iter()
        .take(SHOWN)
        .map(|u| {
            let line = u.line.map(|l| format!(":{l}")).unwrap_or_default();
            format!("{}{line} `{}`", u.file, u.date)
        })
        .collect();
    let more = match unreadable.len() > SHOWN {
        true => ", …; all in compare.json `unreadable_dates`",
        false => "",
    };
    Some(format!(
        "  {} of them with a date field that is not a date (write {}): {}{more}",
        unreadable.len(),
        crate::dates::DATE_FORMS,
        shown.join(", ")
    ))
}

/// Groups the terminal summary and the page show, the largest first: every group is in compare.json and
/// the CSV files, but a national corpus has two thousand counties.
pub const SHOWN_GROUPS: usize = 20;

impl Comparison {
    /// The statements to show when the first `shown` groups are: the test of all groups, those on the shown
    /// groups, and those on the others that are not chance; and how many are left out.
    pub fn statements_shown(&self, shown: usize) -> (Vec<&Statement>, usize) {
        let (said, unsaid): (Vec<&Statement>, Vec<&Statement>) = self
            .statements
            .iter()
            .partition(|s| s.group.is_none_or(|g| g < shown) || !s.may_be_chance);
        (said, unsaid.len())
    }
}

/// The comparison for the terminal.
/// Where the correspondence map is, what it holds, or why there is none.
pub fn correspondence_said(c: &Comparison) -> String {
    match &c.correspondence {
        Some(ca) => format!(
            "Correspondence map of the {} largest groups and {} of their distinctive words: \
             charts/compare_correspondence.png (its axes hold {:.1} % and {:.1} % of the inertia)",
            ca.rows.len(),
            ca.columns.len(),
            ca.explained[0] * 100.0,
            ca.explained[1] * 100.0
        ),
        None => format!(
            "No correspondence map: it needs three groups or more with {MAP_MIN_ARTICLES} articles or more \
             (not counting {NO_VALUE}) and distinctive words that set them apart"
        ),
    }
}

pub fn render(c: &Comparison, report: &TopicsReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Comparison by {}: {} group(s), {} undated article(s)",
        c.by,
        c.groups.len(),
        c.undated
    );
    if let Some(said) = unreadable_dates_said(&c.unreadable_dates) {
        let _ = writeln!(s, "{said}");
    }
    let shown = c.shares.len().min(SHOWN_GROUPS);
    for g in &c.shares[..shown] {
        let _ = writeln!(s, "\n{} · {} articles", g.group, g.articles);
        for t in g.themes.iter().filter(|t| t.count > 0) {
            let _ = writeln!(
                s,
                "  {:<12} {:>4} ({:>5.1}%, 95% {:.0}–{:.0}%)",
                report.themes.label(&t.theme),
                t.count,
                t.share * 100.0,
                t.low * 100.0,
                t.high * 100.0
            );
        }
        if let Some(k) = c.keyness.iter().find(|k| k.group == g.group) {
            let words: Vec<String> = k
                .words
                .iter()
                .take(8)
                .map(|w| format!("{}({}:{})", w.word, w.group_count, w.rest_count))
                .collect();
            let _ = writeln!(s, "  distinctive: {}", words.join(" "));
        }
    }
    if c.shares.len() > shown {
        let _ = writeln!(
            s,
            "\n… and {} smaller groups: every group is in compare.json, compare_shares.csv and compare_keyness.csv",
            c.shares.len() - shown
        );
    }
    let _ = writeln!(s);
    let (said, unsaid) = c.statements_shown(shown);
    for statement in said {
        let _ = writeln!(s, "{}", statement.text);
    }
    if unsaid > 0 {
        let _ = writeln!(
            s,
            "({unsaid} more statements on the smaller groups, each of which may be chance: compare.json)"
        );
    }
    let _ = writeln!(s, "\n{}", correspondence_said(c));
    if let Some(p) = c.period {
        let _ = writeln!(
            s,
            "\nTrends by {:?}: {} periods from {} to {} (see compare_trends.csv)",
            p,
            c.periods.len(),
            c.periods.first().map_or("", String::as_str),
            c.periods.last().map_or("", String::as_str)
        );
    }
    s
}
