//! The `analyze` binary end to end: outputs, reproducibility, and clear errors on bad input.

mod common;

use common::{json as read_json, run, stderr};
use std::process::Command;

#[test]
fn topics_on_the_bundled_seeds_writes_named_themes_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::ok(dir.path(), &["topics"]);
    let summary = String::from_utf8(o.stdout).unwrap();
    assert!(summary.starts_with("19 articles"), "{summary}");
    for label in ["党建引领与基层治理", "非遗与文化传承", "农业与乡村产业"] {
        assert!(summary.contains(label), "{label} missing:\n{summary}");
    }
    let report = read_json(dir.path().join("reports/topics.json"));
    let articles = report["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 19);
    let theme_of = |needle: &str| {
        let a = articles
            .iter()
            .find(|a| a["title"].as_str().unwrap().contains(needle))
            .unwrap();
        a["theme"].as_str().unwrap().to_string()
    };
    assert_eq!(theme_of("幸福养老"), "eldercare");
    assert_eq!(theme_of("传非遗之美"), "heritage");
    assert_eq!(theme_of("撂荒地"), "agriculture");
    assert_eq!(theme_of("葡"), "agriculture");
    assert_eq!(theme_of("流动不流失"), "governance");
    assert_eq!(theme_of("找得到门"), "governance");
    for a in articles {
        for field in [
            "id",
            "source",
            "title",
            "county",
            "date",
            "cluster",
            "theme",
            "confidence",
            "keywords",
        ] {
            assert!(a.get(field).is_some(), "article lacks {field}");
        }
        assert!(!a["keywords"].as_array().unwrap().is_empty());
    }
    let clusters = report["clusters"].as_array().unwrap();
    let sizes: Vec<u64> = clusters
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<u64>(), 19);
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "clusters numbered by size: {sizes:?}"
    );
    for (i, c) in clusters.iter().enumerate() {
        assert_eq!(c["id"].as_u64().unwrap(), i as u64);
        assert!(c["keywords"][0]["word"].is_string() && c["keywords"][0]["weight"].is_f64());
    }
    assert_eq!(report["meta"]["counts"]["articles"], 19);
    assert_eq!(report["meta"]["seed"], 42);
    assert!(report["skipped"].as_array().unwrap().is_empty());
    for csv in ["articles.csv", "clusters.csv"] {
        let bytes = std::fs::read(dir.path().join("reports").join(csv)).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{csv} lacks the BOM");
        assert!(String::from_utf8(bytes).unwrap().contains("平遥县") || csv == "clusters.csv");
    }
}

#[test]
fn same_seed_gives_byte_identical_files_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str, threads: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_analyze"));
        c.args(["topics", "-q", "--out", out])
            .current_dir(dir.path());
        if let Some(t) = threads {
            c.env("RAYON_NUM_THREADS", t);
        }
        assert!(c.status().unwrap().success());
    };
    run("a", None);
    run("b", Some("1"));
    run("c", Some("3"));
    let charts: Vec<String> = std::fs::read_dir(dir.path().join("a/charts"))
        .unwrap()
        .map(|e| format!("charts/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert!(charts.len() > 20, "{charts:?}");
    let files = ["topics.json", "articles.csv", "clusters.csv", "index.html"].map(String::from);
    for f in files.iter().chain(&charts) {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        assert_eq!(
            a,
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f} differs with 1 thread"
        );
        assert_eq!(
            a,
            std::fs::read(dir.path().join("c").join(f)).unwrap(),
            "{f} differs with 3 threads"
        );
    }
}

#[test]
fn jsonl_and_csv_records_keep_metadata_and_a_given_county_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (_, page) = analyze::seeds::SEEDS[2];
    let mut lines = String::new();
    for (i, para) in page
        .split("\n\n")
        .filter(|p| p.chars().count() > 150)
        .enumerate()
    {
        let county = if i == 0 {
            ",\"county\":\"汾阳市\""
        } else {
            ""
        };
        let rec = serde_json::json!({"id": format!("r{i}"), "text": para, "date": "2025-12-02", "source": "长治日报"});
        let mut s = rec.to_string();
        s.insert_str(s.len() - 1, county);
        lines.push_str(&s);
        lines.push('\n');
    }
    std::fs::write(dir.path().join("a.jsonl"), &lines).unwrap();
    std::fs::write(dir.path().join("b.csv"), "id,title,text\nc1,飞地经济,\"沁源县整合资源破解乡村发展困局,统一规划、统一建设、统一经营香菇大棚,村集体增收,村民分红。\"\n").unwrap();
    common::ok(
        dir.path(),
        &["topics", "a.jsonl", "b.csv", "-k", "2", "-q", "-o", "out"],
    );
    let report = read_json(dir.path().join("out/topics.json"));
    let arts = report["articles"].as_array().unwrap();
    let r0 = arts.iter().find(|a| a["id"] == "r0").unwrap();
    assert_eq!(r0["county"], "汾阳市");
    assert_eq!(r0["county_from"], "field");
    assert_eq!(r0["date"], "2025-12-02");
    assert_eq!(r0["source"], "长治日报");
    assert_eq!(r0["line"], 1);
    let c1 = arts.iter().find(|a| a["id"] == "c1").unwrap();
    assert_eq!(c1["county"], "沁源县");
    assert_eq!(c1["title"], "飞地经济");
}

#[test]
fn bad_input_gets_a_clear_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("bad.jsonl"),
        "{\"text\": \"平遥县非遗市集开市。\"}\n{not json\n",
    )
    .unwrap();
    let o = run(p, &["topics", "bad.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bad.jsonl:2: not valid JSON: key must be a string at column 2")
            && !stderr(&o).contains("line 1"),
        "{}",
        stderr(&o)
    );
    // The column counts characters, as an editor does, not the three bytes of each Chinese one.
    std::fs::write(
        p.join("bad.jsonl"),
        "{\"标题\": \"平遥\", \"text\": oops}\n",
    )
    .unwrap();
    let o = run(p, &["topics", "bad.jsonl"]);
    assert!(
        stderr(&o).contains("bad.jsonl:1: not valid JSON: expected value at column 22"),
        "{}",
        stderr(&o)
    );

    std::fs::write(p.join("notext.jsonl"), "{\"title\": \"无正文\"}\n").unwrap();
    let o = run(p, &["topics", "notext.jsonl"]);
    assert!(
        stderr(&o).contains("notext.jsonl:1") && stderr(&o).contains("`text`"),
        "{}",
        stderr(&o)
    );

    std::fs::write(p.join("empty.txt"), "").unwrap();
    let o = run(p, &["topics", "empty.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("empty.txt") && stderr(&o).contains("empty file"),
        "{}",
        stderr(&o)
    );

    std::fs::create_dir(p.join("nothing")).unwrap();
    std::fs::write(p.join("nothing/readme.md"), "# notes").unwrap();
    let o = run(p, &["topics", "nothing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nothing")
            && stderr(&o).contains("no .txt, .jsonl, .json, .csv or spreadsheet"),
        "{}",
        stderr(&o)
    );

    let o = run(p, &["topics", "-k", "50"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("-k 50") && stderr(&o).contains("19"),
        "{}",
        stderr(&o)
    );

    let o = run(p, &["topics", "-k", "many"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("many"), "{}", stderr(&o));

    let o = run(p, &["topics", "missing.jsonl"]);
    assert!(
        stderr(&o).contains("missing.jsonl: no such file"),
        "{}",
        stderr(&o)
    );

    std::fs::write(
        p.join("ragged.csv"),
        "id,text\n1,平遥县非遗市集开市\n2,太多,列\n",
    )
    .unwrap();
    let o = run(p, &["topics", "ragged.csv"]);
    assert!(stderr(&o).contains("ragged.csv:3"), "{}", stderr(&o));
}

#[test]
fn records_without_content_are_reported_skipped_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let good = "平遥县贺兰桥社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺。";
    let farm = "宁国镇秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红。";
    let lines = format!(
        "{}\n{}\n{}\n{}\n",
        serde_json::json!({"id": "a", "text": good}),
        serde_json::json!({"id": "b", "text": "   "}),
        serde_json::json!({"id": "c", "text": "2025年10月1日。"}),
        serde_json::json!({"id": "d", "text": farm}),
    );
    std::fs::write(p.join("x.jsonl"), lines).unwrap();
    let o = common::ok(p, &["topics", "x.jsonl", "-k", "2", "-o", "out"]);
    let report = read_json(p.join("out/topics.json"));
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0]["line"], 2);
    assert!(skipped[0]["reason"].as_str().unwrap().contains("empty"));
    assert!(skipped[1]["reason"]
        .as_str()
        .unwrap()
        .contains("no content words"));
    assert_eq!(report["articles"].as_array().unwrap().len(), 2);
    let summary = String::from_utf8(o.stdout).unwrap();
    assert!(
        summary.contains("2 skipped") && summary.contains("x.jsonl:3"),
        "{summary}"
    );
    let csv = std::fs::read_to_string(p.join("out/skipped.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn keywords_by_county_and_by_article_with_both_methods() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::ok(
        dir.path(),
        &["keywords", "--by", "county", "--top", "5", "--json"],
    );
    let groups: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let groups = groups.as_array().unwrap();
    let hejin = groups.iter().find(|g| g["group"] == "河津市").unwrap();
    assert_eq!(hejin["articles"], 1);
    assert_eq!(hejin["keywords"][0]["word"], "葡萄");
    let pingyao = groups.iter().find(|g| g["group"] == "平遥县").unwrap();
    assert_eq!(pingyao["articles"], 10);

    let o = common::ok(
        dir.path(),
        &[
            "keywords", "--by", "article", "--method", "textrank", "--top", "3",
        ],
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains("[1 articles]")).count(),
        19,
        "{text}"
    );

    let o = common::ok(dir.path(), &["keywords", "--by", "cluster", "-k", "3"]);
    assert_eq!(
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .filter(|l| l.contains(" articles]"))
            .count(),
        3
    );
}

/// topics.json of `analyze ARGS --format none` run on one thread and on two, which must be the same bytes.
fn same_topics_json_on_one_and_two_threads(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let run = |threads: &str| {
        let out = format!("threads-{threads}");
        let o = Command::new(env!("CARGO_BIN_EXE_analyze"))
            .args(args)
            .args(["--format", "none", "-q", "-o", &out])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", common::stderr(&o));
        std::fs::read(dir.join(out).join("topics.json")).unwrap()
    };
    let one = run("1");
    assert!(
        one == run("2"),
        "topics.json differs between 1 and 2 threads"
    );
    one
}

/// Above 20,000 articles the LSA basis comes from a sample and k-means runs on mini-batches; the result is
/// still the same with one thread or two, and every record is either analysed or listed as skipped.
#[test]
fn a_large_corpus_gives_the_same_result_on_any_thread_count() {
    let Some(news) = common::news34k() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let one = same_topics_json_on_one_and_two_threads(
        dir.path(),
        &["topics", news.to_str().unwrap(), "-k", "20"],
    );
    let r: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let counts = &r["meta"]["counts"];
    assert!(counts["articles"].as_u64().unwrap() > 30_000, "{counts}");
    let lines = std::fs::read_to_string(&news)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    assert_eq!(
        counts["articles"].as_u64().unwrap() + counts["skipped"].as_u64().unwrap(),
        lines,
        "every line is analysed or skipped"
    );
    let sizes = cluster_sizes(&r);
    assert_eq!(sizes.len(), 20);
    assert!(
        sizes.iter().all(|&s| s > 100),
        "no degenerate cluster: {sizes:?}"
    );
}

/// On a large corpus `-k auto` compares the values of k on a 10,000-article sample (side by side, with the
/// same result on one thread), keeps the best silhouette, and fits that k on every article.
#[test]
fn k_auto_on_a_large_corpus_compares_k_on_a_sample_and_fits_every_article() {
    let Some(news) = common::news34k() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let two = same_topics_json_on_one_and_two_threads(
        dir.path(),
        &[
            "topics",
            news.to_str().unwrap(),
            "-k",
            "auto",
            "--k-range",
            "8..12",
        ],
    );
    let r: serde_json::Value = serde_json::from_slice(&two).unwrap();
    chose_k_on_the_sample_and_fitted_every_article(&r, &[8, 9, 10, 11, 12]);
}

/// From 10,000 articles up, not only above 20,000, `-k auto` ranks k on a 10,000-article sample: on the first
/// 15,000 records of news_34k, fitting every k on every article took twice as long as news_34k's whole run.
#[test]
fn k_auto_above_ten_thousand_articles_compares_k_on_a_sample() {
    let Some(news) = common::news34k() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&news).unwrap();
    let head: String = text
        .lines()
        .take(12_000)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("head.jsonl"), head).unwrap();
    let args = ["head.jsonl", "-k", "auto", "--k-range", "8..10"];
    common::ok(
        dir.path(),
        &[&["topics"], &args[..], &["--format", "none", "-o", "out"]].concat(),
    );
    let r = read_json(dir.path().join("out/topics.json"));
    let articles = r["meta"]["counts"]["articles"].as_u64().unwrap();
    assert!((10_001..20_000).contains(&articles), "{articles}");
    chose_k_on_the_sample_and_fitted_every_article(&r, &[8, 9, 10]);
}

/// Every k of `ks` scored on the 10,000-article sample, the smallest k within one standard error of the best
/// silhouette kept (the rule of `-k auto`), and fitted on every article.
fn chose_k_on_the_sample_and_fitted_every_article(r: &serde_json::Value, ks: &[u64]) {
    let scores = r["k_selection"].as_array().unwrap();
    let tried: Vec<u64> = scores.iter().map(|s| s["k"].as_u64().unwrap()).collect();
    assert_eq!(tried, ks);
    assert!(
        scores.iter().all(|s| s["documents"] == 10_000),
        "every k scored on the sample: {scores:?}"
    );
    let score = |s: &serde_json::Value, field: &str| s[field].as_f64().unwrap();
    let best = scores
        .iter()
        .max_by(|a, b| score(a, "silhouette").total_cmp(&score(b, "silhouette")))
        .unwrap();
    let floor = score(best, "silhouette") - score(best, "silhouette_error");
    let smallest_near_best = scores
        .iter()
        .find(|s| score(s, "silhouette") >= floor)
        .unwrap();
    let k = r["meta"]["k"].as_u64().unwrap();
    assert_eq!(
        k,
        smallest_near_best["k"].as_u64().unwrap(),
        "the smallest k within a standard error of the best is kept: {scores:?}"
    );
    let sizes = cluster_sizes(r);
    assert_eq!(sizes.len() as u64, k);
    assert_eq!(
        sizes.iter().sum::<u64>(),
        r["meta"]["counts"]["articles"].as_u64().unwrap(),
        "the chosen k is fitted on every article, not only the sample"
    );
}

fn cluster_sizes(report: &serde_json::Value) -> Vec<u64> {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect()
}

/// `--txt article`: scraped articles saved one a `.txt` file are read file by file instead of split as
/// newspaper pages (where a subhead starts a new article): each file one article named by the file, its
/// first line the title when it reads as a headline; a manifest and `--date` describe them as they do pages.
#[test]
fn txt_files_can_hold_one_article_each() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("in")).unwrap();
    let craft = "平遥推光漆器传承人收徒授艺\n\n平遥县贺兰桥社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺。\n（2025年9月30日）\n推光漆器髹饰技艺\n传承人带领学徒打磨漆面，一件漆器要经过上百道工序，社区为非遗工坊提供场地和培训。\n";
    let harvest = "宁国镇秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红,乡村振兴有了新底气。\n合作社还建起烘干房，农户的玉米不再怕雨，村集体经济收入今年翻了一番。\n";
    std::fs::write(p.join("in/漆器.txt"), craft).unwrap();
    std::fs::write(p.join("in/秋收.txt"), harvest).unwrap();
    std::fs::write(p.join("manifest.csv"), "file,source\n漆器.txt,平遥报\n").unwrap();
    let read = |txt: &str| {
        let out = format!("out_{txt}");
        let args = ["topics", "in", "--txt", txt, "-k", "1", "--format", "none"];
        let more = [
            "--manifest",
            "manifest.csv",
            "--date",
            "2025-10-01",
            "-o",
            &out,
        ];
        common::ok(p, &[&args[..], &more[..]].concat());
        let r = read_json(p.join(out).join("topics.json"));
        let articles = r["articles"].as_array().unwrap().clone();
        articles
            .iter()
            .map(|a| {
                let field = |f: &str| a[f].as_str().unwrap_or("").to_string();
                [field("id"), field("title"), field("source"), field("date")]
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        read("page").len(),
        3,
        "as a page, the subhead starts a second article"
    );
    let article =
        |id: &str, title: &str, source: &str| [id, title, source, "2025-10-01"].map(String::from);
    assert_eq!(
        read("article"),
        [
            article("漆器", "平遥推光漆器传承人收徒授艺", "平遥报"),
            article("秋收", "", "in/秋收.txt"),
        ]
    );
}

/// The terminal summary of a corpus whose themes are large lists, for each theme, the articles nearest its
/// centre (its `examples` in topics.json) and how many more there are, where it listed every article: a
/// thousand lines for cnews_1000, 33,849 for news_34k.
#[test]
fn the_summary_of_large_themes_lists_the_articles_nearest_their_centres() {
    let Some(cnews) = common::cnews() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cnews = cnews.to_str().unwrap();
    let o = common::ok(
        dir.path(),
        &["topics", cnews, "-k", "10", "--format", "none", "-o", "out"],
    );
    let summary = String::from_utf8(o.stdout).unwrap();
    let report = read_json(dir.path().join("out/topics.json"));
    // An article as its summary line shows it: title (cnews_1000 has none) and confidence.
    let shown: std::collections::HashMap<&str, String> = report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let title = match a["title"].as_str().unwrap() {
                "" => "(untitled)",
                title => title,
            };
            let confidence = a["confidence"].as_f64().unwrap();
            (
                a["id"].as_str().unwrap(),
                format!("{title}  ({confidence:.2}"),
            )
        })
        .collect();
    // Each theme's block, up to the blank line after it.
    let blocks: Vec<&str> = summary
        .split("\nTheme ")
        .skip(1)
        .map(|b| b.split("\n\n").next().unwrap())
        .collect();
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(blocks.len(), clusters.len());
    for (block, cluster) in blocks.iter().zip(clusters) {
        let size = cluster["size"].as_u64().unwrap() as usize;
        assert!(size > 10, "cnews_1000 at k = 10 has large themes: {size}");
        let listed: Vec<&str> = block.lines().filter(|l| l.starts_with("  - ")).collect();
        let examples = cluster["examples"].as_array().unwrap();
        assert_eq!(listed.len(), examples.len(), "{block}");
        for (line, id) in listed.iter().zip(examples) {
            let article = &shown[id.as_str().unwrap()];
            assert!(line.contains(article.as_str()), "{line} is not {article}");
        }
        let more = format!("  … and {} more", size - listed.len());
        assert!(block.contains(&more), "{more} missing in:\n{block}");
    }
    assert!(summary.lines().count() < 200, "{summary}");
}
