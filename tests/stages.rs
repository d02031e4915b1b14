//! Segmentation, TF-IDF, clustering and theme naming on real text from the seeds.

mod common;

use analyze::cluster::{self, ClusterOptions, KChoice};
use analyze::county::Gazetteer;
use analyze::segment::{SegmentOptions, Segmenter};
use analyze::terms::{count_ids, Bags, Vocabulary};
use analyze::themes::{self, Lexicon};
use analyze::vectors::{smooth_idf, TfIdf, TfIdfOptions};
use std::io::Write;

fn segmenter() -> Segmenter {
    Segmenter::new(&SegmentOptions::default(), &Gazetteer::builtin()).unwrap()
}

/// The corpus of the five seed pages.
fn seed_corpus() -> analyze::corpus::Corpus {
    analyze::corpus::build(
        analyze::seeds::seed_input(),
        &Gazetteer::builtin(),
        &segmenter(),
    )
    .unwrap()
}

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Documents of words as the corpus keeps them: bags of interned ids.
fn bags_of(docs: &[Vec<String>]) -> (Bags, Vocabulary) {
    let mut vocabulary = Vocabulary::default();
    let mut bags = Bags::default();
    for doc in docs {
        bags.push(&vocabulary.bag(doc.iter().map(String::as_str)));
    }
    (bags, vocabulary)
}

fn dense_row(t: &TfIdf, i: usize) -> Vec<f64> {
    let mut row = vec![0.0; t.features.len()];
    for (j, x) in t.row(i) {
        row[j as usize] = f64::from(x);
    }
    row
}

#[test]
fn bags_intern_words_in_order_and_count_them() {
    let mut v = Vocabulary::default();
    let mut bags = Bags::default();
    let first = v.bag(["养老", "服务", "养老"]);
    assert_eq!(first, [(0, 2), (1, 1)]);
    assert_eq!(count_ids(vec![7, 3, 7, 7]), [(3, 1), (7, 3)]);
    bags.push(&first);
    bags.push(&v.bag(["服务", "非遗"]));
    assert_eq!(bags.len(), 2);
    assert_eq!(bags.doc(1).collect::<Vec<_>>(), [(1, 1), (2, 1)]);
    assert_eq!(v.word(2), "非遗");
    assert_eq!(v.get("服务"), Some(1));
    assert_eq!(bags.select(&[1]).terms(0), [1, 2]);
}

#[test]
fn domain_words_stay_whole() {
    let s = segmenter();
    let text =
        "坚持党建引领基层治理,网格员走访流动党员,非遗传承助力乡村振兴,幸福小院让老人养老更安心。";
    let cut = s.cut(text);
    for w in [
        "党建引领",
        "基层治理",
        "网格员",
        "流动党员",
        "乡村振兴",
        "幸福小院",
    ] {
        assert!(cut.contains(&w), "{w} was split: {cut:?}");
    }
    let content = s.content_words(text);
    for w in [
        "党建引领",
        "基层治理",
        "网格员",
        "流动党员",
        "乡村振兴",
        "幸福小院",
        "养老",
    ] {
        assert!(
            content.contains(&w),
            "{w} not kept as a content word: {content:?}"
        );
    }
}

#[test]
fn boilerplate_punctuation_numbers_and_places_are_dropped() {
    let s = segmenter();
    let content = s.content_words(
        "本报讯 近日,平遥县宁国镇2025年秋粮丰收,记者了解到,全镇共收获玉米3万吨。（闫虹霞）",
    );
    for w in [
        "本报讯",
        "近日",
        "记者",
        "2025",
        "平遥县",
        ",",
        "闫虹霞",
        "3",
    ] {
        assert!(!content.contains(&w), "{w} kept: {content:?}");
    }
    assert!(
        content.contains(&"秋粮") && content.contains(&"玉米"),
        "{content:?}"
    );
}

#[test]
fn user_files_extend_the_dictionary_and_stop_words() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("dict.txt");
    let stop = dir.path().join("stop.txt");
    std::fs::File::create(&dict)
        .unwrap()
        .write_all("# mine\n晋商文化 n\n".as_bytes())
        .unwrap();
    std::fs::File::create(&stop)
        .unwrap()
        .write_all("游客\n".as_bytes())
        .unwrap();
    let options = SegmentOptions {
        user_dicts: vec![dict],
        stopword_files: vec![stop],
        ..Default::default()
    };
    let s = Segmenter::new(&options, &Gazetteer::builtin()).unwrap();
    let content = s.content_words("游客走进古城感受晋商文化。");
    assert!(content.contains(&"晋商文化"), "{content:?}");
    assert!(!content.contains(&"游客"), "{content:?}");
}

#[test]
fn a_bad_user_dictionary_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("dict.txt");
    std::fs::write(&dict, "非遗工坊 100 n\n晋商 many n\n").unwrap();
    let options = SegmentOptions {
        user_dicts: vec![dict],
        ..Default::default()
    };
    let err = Segmenter::new(&options, &Gazetteer::builtin())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("dict.txt:2") && err.contains("many"), "{err}");
}

#[test]
fn tfidf_uses_the_corpus_idf_sublinear_tf_and_unit_rows() {
    let docs = vec![
        words(&["非遗", "非遗", "非遗", "传承"]),
        words(&["非遗", "养老"]),
        words(&["养老", "老人", "老人"]),
    ];
    let (bags, vocabulary) = bags_of(&docs);
    let t = TfIdf::fit(&bags, &vocabulary, &TfIdfOptions::default());
    assert_eq!(t.features, words(&["传承", "养老", "老人", "非遗"]));
    // smoothed idf: ln((1+n)/(1+df)) + 1
    assert!((t.idf[3] - ((4.0f64 / 3.0).ln() + 1.0)).abs() < 1e-12);
    assert!((t.idf[0] - (2.0f64.ln() + 1.0)).abs() < 1e-12);
    let row0 = dense_row(&t, 0);
    let (w_feiyi, w_chuancheng) = ((1.0 + 3f64.ln()) * t.idf[3], t.idf[0]);
    let norm = (w_feiyi * w_feiyi + w_chuancheng * w_chuancheng).sqrt();
    // Weights are stored in single precision.
    assert!((row0[3] - w_feiyi / norm).abs() < 1e-6);
    assert!((row0[0] - w_chuancheng / norm).abs() < 1e-6);
    for i in 0..3 {
        let r = dense_row(&t, i);
        assert!((r.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-6);
    }
}

#[test]
fn document_frequency_bounds_adapt_to_corpus_size() {
    let o = TfIdfOptions::default();
    assert_eq!(o.df_bounds(19), (1, 1.0));
    assert_eq!(o.df_bounds(1000), (2, 0.5));
    assert_eq!(o.df_bounds(100_000), (5, 0.5));
    let mut docs: Vec<Vec<String>> = (0..40).map(|_| words(&["工作"])).collect();
    docs[0].push("罕见".into());
    docs[1].push("文化".into());
    docs[2].push("文化".into());
    let (bags, vocabulary) = bags_of(&docs);
    let t = TfIdf::fit(&bags, &vocabulary, &o);
    assert_eq!(
        t.features,
        words(&["文化"]),
        "in every document and in one only are dropped"
    );
    assert!((smooth_idf(40, 2) - t.idf[0]).abs() < 1e-12);
}

/// Two groups of real seed articles, agriculture and party-building, fall into two clusters.
#[test]
fn kmeans_separates_real_articles_by_theme() {
    let corpus = seed_corpus();
    let pick = |needle: &str| {
        corpus
            .articles
            .iter()
            .position(|a| a.title.contains(needle))
            .unwrap()
    };
    let farm = ["林果产业", "撂荒地", "葡", "集体经营"].map(pick);
    let party = ["流动不流失", "主题党日", "找得到门", "党建扎根基层"].map(pick);
    let rows: Vec<usize> = farm.iter().chain(&party).copied().collect();
    let bags = corpus.words.select(&rows);
    let t = TfIdf::fit(&bags, &corpus.vocabulary, &TfIdfOptions::default());
    let x = cluster::embed(&t, 100, 7).unwrap();
    let options = ClusterOptions {
        k: KChoice::Fixed { k: 2 },
        ..Default::default()
    };
    let c = cluster::cluster(&x, &options).unwrap();
    assert!(
        c.labels[..4].iter().all(|&l| l == c.labels[0]),
        "{:?}",
        c.labels
    );
    assert!(
        c.labels[4..].iter().all(|&l| l == c.labels[4]),
        "{:?}",
        c.labels
    );
    assert_ne!(c.labels[0], c.labels[4]);
    assert!(c.confidence.iter().all(|&m| (0.0..=1.0).contains(&m)));

    let kw = themes::cluster_keywords(&t, &bags, &c.labels, 2, 10);
    let lexicon = Lexicon::builtin();
    assert_eq!(
        themes::cluster_theme(&lexicon, &kw[c.labels[0]]).0,
        "agriculture",
        "{:?}",
        kw[c.labels[0]]
    );
    assert_eq!(
        themes::cluster_theme(&lexicon, &kw[c.labels[4]]).0,
        "governance",
        "{:?}",
        kw[c.labels[4]]
    );

    let auto = ClusterOptions {
        k: KChoice::Auto { min: 2, max: 6 },
        ..Default::default()
    };
    let a = cluster::cluster(&x, &auto).unwrap();
    assert_eq!(
        a.k_scores.iter().map(|s| s.k).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    let best = a
        .k_scores
        .iter()
        .max_by(|p, q| p.silhouette.total_cmp(&q.silhouette))
        .unwrap();
    let first_near_best = a
        .k_scores
        .iter()
        .find(|s| s.silhouette >= best.silhouette - best.silhouette_error)
        .unwrap();
    assert_eq!(
        a.k, first_near_best.k,
        "auto keeps the smallest k within a standard error of the best: {:?}",
        a.k_scores
    );
    assert!(a.k <= 3, "eight articles of two themes: {:?}", a.k_scores);
}

#[test]
fn silhouette_matches_the_pairwise_definition() {
    let mut x = ndarray::array![
        [1.0f32, 0.1],
        [0.9, 0.2],
        [0.2, 1.0],
        [0.1, 0.8],
        [0.7, 0.7]
    ];
    cluster::normalise_rows(&mut x);
    let labels = [0, 0, 1, 1, 1];
    let fast = cluster::silhouette(&x, &labels, 2);
    let (_, error) = cluster::silhouette_with_error(&x, &labels, 2);
    let mut points = Vec::new();
    let d = |i: usize, j: usize| 1.0 - f64::from(x.row(i).dot(&x.row(j)));
    let mut total = 0.0;
    for i in 0..5 {
        let mean = |c: usize| {
            let others: Vec<usize> = (0..5).filter(|&j| j != i && labels[j] == c).collect();
            others.iter().map(|&j| d(i, j)).sum::<f64>() / others.len() as f64
        };
        let (a, b) = (mean(labels[i]), mean(1 - labels[i]));
        points.push((b - a) / a.max(b));
        total += (b - a) / a.max(b);
    }
    let variance = points
        .iter()
        .map(|s| (s - total / 5.0).powi(2))
        .sum::<f64>()
        / 4.0;
    assert!((error - (variance / 5.0).sqrt()).abs() < 1e-6, "{error}");
    // The rows are single precision.
    assert!(
        (fast - total / 5.0).abs() < 1e-6,
        "{fast} vs {}",
        total / 5.0
    );
}

#[test]
fn same_seed_same_clusters() {
    let corpus = seed_corpus();
    let t = TfIdf::fit(&corpus.words, &corpus.vocabulary, &TfIdfOptions::default());
    let run = || {
        let x = cluster::embed(&t, 100, 3).unwrap();
        cluster::cluster(
            &x,
            &ClusterOptions {
                k: KChoice::Fixed { k: 4 },
                seed: 3,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.centroids, b.centroids);
}

#[test]
fn theme_files_extend_and_replace_and_report_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("themes.toml");
    std::fs::write(&good, "[[theme]]\nid = \"safety\"\nlabel = \"公共安全\"\nseeds = [\"逃生\", \"应急演练\"]\n\n[[theme]]\nid = \"eldercare\"\nlabel = \"敬老养老\"\nseeds = [\"养老\"]\n").unwrap();
    let mut lexicon = Lexicon::builtin();
    lexicon.extend_from_file(&good).unwrap();
    assert_eq!(lexicon.themes.len(), 5);
    assert_eq!(lexicon.label("eldercare"), "敬老养老");
    let words = vec![("逃生".to_string(), 1.0), ("应急演练".to_string(), 1.0)];
    assert_eq!(themes::cluster_theme(&lexicon, &words).0, "safety");

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[theme]]\nid = \"x\"\nlabel = \"X\"\nseeds = [\"a\", \n",
    )
    .unwrap();
    let err = Lexicon::builtin()
        .extend_from_file(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.toml:"), "{err}");
}

#[test]
fn an_article_takes_its_own_theme_only_on_clear_evidence() {
    let lexicon = Lexicon::builtin();
    let ids: Vec<&str> = lexicon.themes.iter().map(|t| t.id.as_str()).collect();
    let share = |g: f64, e: f64| -> Vec<f64> {
        ids.iter()
            .map(|&t| match t {
                "governance" => g,
                "eldercare" => e,
                _ => 0.0,
            })
            .collect()
    };
    assert_eq!(
        themes::article_theme(&lexicon, &share(0.05, 0.09), "governance").0,
        "eldercare"
    );
    assert_eq!(
        themes::article_theme(&lexicon, &share(0.07, 0.09), "governance").0,
        "governance"
    );
    assert_eq!(
        themes::article_theme(&lexicon, &share(0.0, 0.05), "other").0,
        "other",
        "below the threshold"
    );
}

/// Theme masks found in one pass over each word agree with testing every seed in turn (`shares`), for
/// whole-word seeds, seeds inside longer words, one-character seeds, and words of no theme.
#[test]
fn word_masks_agree_with_the_seed_by_seed_test() {
    let lexicon = Lexicon::builtin();
    let seeds: Vec<String> = lexicon
        .themes
        .iter()
        .flat_map(|t| t.seeds.iter().cloned())
        .collect();
    let mut words: Vec<String> = seeds.clone();
    words.extend(seeds.iter().map(|s| format!("新{s}工作")));
    words.extend(
        seeds
            .iter()
            .filter_map(|s| s.chars().next())
            .map(String::from),
    );
    words.extend(self::words(&[
        "经济",
        "比赛",
        "养老服务中心",
        "非遗传承人",
        "党建",
    ]));
    let masks = lexicon.word_masks(&words);
    assert!(masks.contains(&0) && masks.iter().filter(|&&m| m != 0).count() > seeds.len());
    for (word, mask) in words.iter().zip(&masks) {
        let shares = lexicon.shares(&[(word.clone(), 1.0)]);
        let expected = shares
            .iter()
            .enumerate()
            .filter(|(_, &s)| s > 0.0)
            .fold(0u64, |m, (i, _)| m | 1 << i);
        assert_eq!(*mask, expected, "{word}");
    }
}

/// A corpus read in several chunks (10,000 records of news_34k: the first pieces while the vocabulary is
/// young, then whole chunks, each admitted while the next is segmented) keeps, for every article, the bags
/// that segmenting its own title and text give, sorted by id; and the vocabulary numbers words in the order
/// they first occur in the input, so that ids do not depend on how the work was cut or scheduled.
#[test]
fn a_corpus_read_in_chunks_keeps_each_articles_words_and_numbers_them_in_input_order() {
    let Some(news) = common::news34k() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("head.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&news)
        .unwrap()
        .lines()
        .take(10_000)
        .map(String::from)
        .collect();
    std::fs::write(&head, lines.join("\n")).unwrap();
    let records: std::collections::HashMap<String, (String, String)> = lines
        .iter()
        .map(|l| {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            let field = |f: &str| r[f].as_str().unwrap_or_default().to_string();
            (field("id"), (field("title"), field("text")))
        })
        .collect();
    let options = SegmentOptions {
        keep_order: true,
        ..Default::default()
    };
    let corpus = analyze::corpus::load(&[head], &Default::default(), &options).unwrap();
    assert!(corpus.articles.len() > 9_000 && corpus.vocabulary.len() > 50_000);
    let segmenter = segmenter();
    let counted = |words: Vec<&str>| {
        let mut counts = std::collections::BTreeMap::<String, u32>::new();
        words
            .into_iter()
            .for_each(|w| *counts.entry(w.to_string()).or_default() += 1);
        counts
    };
    let named = |bag: Vec<(u32, u32)>| -> std::collections::BTreeMap<String, u32> {
        assert!(bag.windows(2).all(|w| w[0].0 < w[1].0), "a bag is sorted");
        bag.into_iter()
            .map(|(t, c)| (corpus.vocabulary.word(t).to_string(), c))
            .collect()
    };
    for (i, article) in corpus.articles.iter().enumerate() {
        let (title, text) = &records[&article.id];
        let headline = segmenter.content_words(title);
        let mut all = headline.clone();
        all.extend(segmenter.content_words(text));
        assert_eq!(
            named(corpus.words.doc(i).collect()),
            counted(all),
            "{}",
            article.id
        );
        assert_eq!(
            named(corpus.headline_words.doc(i).collect()),
            counted(headline),
            "{}",
            article.id
        );
    }
    let mut next = 0;
    for sequence in corpus.sequences.as_ref().unwrap() {
        for &t in sequence {
            assert!(
                t <= next,
                "id {t} occurs before id {next}: ids are not in order of first occurrence"
            );
            next = next.max(t + 1);
        }
    }
    assert_eq!(next as usize, corpus.vocabulary.len());
}

/// An article's top terms are the first of all its (word, weight) pairs sorted by weight, highest first,
/// ties by word: for every seed article, and for asks of none, one, ten and more words than it has.
#[test]
fn top_terms_are_the_head_of_the_row_sorted_by_weight_then_word() {
    let corpus = seed_corpus();
    let t = TfIdf::fit(&corpus.words, &corpus.vocabulary, &TfIdfOptions::default());
    for i in 0..t.n_docs {
        let mut all: Vec<(String, f64)> = t
            .row(i)
            .map(|(j, w)| (t.features[j as usize].clone(), f64::from(w)))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        assert!(all.len() > 10, "article {i} has {} features", all.len());
        for n in [0, 1, 10, all.len() + 3] {
            let expected = &all[..n.min(all.len())];
            assert_eq!(t.top_terms(i, n), expected, "article {i}, {n} terms");
        }
    }
}

/// The best words of a group's mean TF-IDF row are the head of all its words' mean weights, sorted highest
/// first, ties by word: for the whole seed corpus and for one page's articles, asked for none, three, ten
/// and more words than there are.
#[test]
fn mean_terms_are_the_head_of_the_mean_row_sorted_by_weight_then_word() {
    let corpus = seed_corpus();
    let t = TfIdf::fit(&corpus.words, &corpus.vocabulary, &TfIdfOptions::default());
    let all: Vec<usize> = (0..t.n_docs).collect();
    let first_page: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| corpus.articles[i].file == corpus.articles[0].file)
        .collect();
    assert!(first_page.len() > 1 && first_page.len() < all.len());
    for members in [all, first_page] {
        let mut sums = vec![0.0f64; t.cols()];
        for &i in &members {
            t.row(i).for_each(|(j, w)| sums[j as usize] += f64::from(w));
        }
        let mut expected: Vec<(String, f64)> = sums
            .iter()
            .enumerate()
            .filter(|(_, &s)| s > 0.0)
            .map(|(j, &s)| (t.features[j].clone(), s / members.len() as f64))
            .collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for n in [0, 3, 10, expected.len() + 1] {
            let want = &expected[..n.min(expected.len())];
            assert_eq!(
                t.mean_terms(&members, n),
                want,
                "{n} of {} members' words",
                members.len()
            );
        }
    }
}
