//! Comparison statistics against values computed by hand or by closed forms, date parsing, manifests.

mod common;

use analyze::dates::{parse_date, Date, Period};
use analyze::stats::{
    chi2_sf, chi_square, fisher_exact, independence, log_likelihood, log_ratio, wilson,
};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() < tol
}

#[test]
fn wilson_intervals_match_the_formula() {
    // Wilson (1927); reference values computed independently with z = 1.959964.
    let (lo, hi) = wilson(4, 10);
    assert!(
        close(lo, 0.168_180_33, 1e-7) && close(hi, 0.687_326_23, 1e-7),
        "{lo} {hi}"
    );
    let (lo, hi) = wilson(0, 10);
    assert!(close(lo, 0.0, 1e-12) && close(hi, 0.277_532_80, 1e-7));
    let (lo, hi) = wilson(20, 20);
    assert!(close(lo, 0.838_874_84, 1e-7) && close(hi, 1.0, 1e-12));
    assert_eq!(wilson(0, 0), (0.0, 1.0));
}

#[test]
fn fisher_exact_matches_scipy() {
    // scipy.stats.fisher_exact (two-sided), which sums the tables no more likely than the one seen.
    for (table, p) in [
        ([3, 1, 1, 3], 0.485_714_285_714_285_65), // the lady tasting tea
        ([1, 0, 60, 739], 0.076_25),              // one article of one: 61/800
        ([31, 220, 24, 525], 7.180_652_962_106_065e-5),
        ([2, 8, 1, 8], 1.0),
        ([0, 10, 1, 8], 0.473_684_210_526_315_8),
        ([1, 1, 2, 15], 0.298_245_614_035_087_76),
    ] {
        let got = fisher_exact(table[0], table[1], table[2], table[3]);
        assert!(close(got, p, 1e-9 * p.max(1e-3)), "{table:?}: {got} vs {p}");
    }
}

#[test]
fn chi_square_tail_matches_closed_forms() {
    // Even df: P(χ² ≥ x) = e^{-x/2} Σ_{k<df/2} (x/2)^k / k!.
    let closed = |x: f64, df: usize| -> f64 {
        let h = x / 2.0;
        (0..df / 2)
            .map(|k| h.powi(k as i32) / (1..=k).map(|i| i as f64).product::<f64>())
            .sum::<f64>()
            * (-h).exp()
    };
    for (x, df) in [(10.0, 2), (10.0, 4), (3.0, 6), (25.0, 8), (0.5, 2)] {
        assert!(
            close(chi2_sf(x, df), closed(x, df), 1e-12),
            "x {x} df {df}: {} vs {}",
            chi2_sf(x, df),
            closed(x, df)
        );
    }
    assert!(close(chi2_sf(3.841_458_820_694_124, 1), 0.05, 1e-12));
    assert!(close(chi2_sf(6.634_896_601_021_214, 1), 0.01, 1e-12));
}

#[test]
fn chi_square_statistic_by_hand() {
    // [[10, 20], [30, 40]]: expected 12, 18, 28, 42 → 4/12 + 4/18 + 4/28 + 4/42.
    let (stat, df) = chi_square(&[vec![10, 20], vec![30, 40]]);
    assert!(close(
        stat,
        4.0 / 12.0 + 4.0 / 18.0 + 4.0 / 28.0 + 4.0 / 42.0,
        1e-12
    ));
    assert_eq!(df, 1);
    let (_, df) = chi_square(&[vec![1, 0, 2], vec![0, 0, 3], vec![0, 0, 0]]);
    assert_eq!(df, 1, "empty rows and columns do not count");
}

#[test]
fn small_tables_use_a_permutation_test_that_is_reproducible() {
    let groups = [0, 0, 0, 0, 1, 1, 1, 1];
    let themes = [0, 0, 0, 1, 1, 1, 1, 1];
    let a = independence(&groups, &themes, 2, 2, 7);
    assert_eq!(a.method, "permutation");
    let b = independence(&groups, &themes, 2, 2, 7);
    assert_eq!(a.p_value, b.p_value);
    // Exact: P(stat ≥ observed) over the C(8,3) = 56 placements of the three theme-0 articles: 3 in one
    // group (4 + 4 ways) or 2 vs 1 is less extreme; observed has 3 vs 0, so p = 8/56 = 0.143.
    assert!(close(a.p_value, 8.0 / 56.0, 0.02), "{}", a.p_value);
    let big_groups: Vec<usize> = (0..400).map(|i| i % 2).collect();
    let big_themes: Vec<usize> = (0..400)
        .map(|i| if i % 2 == 0 { i % 3 } else { (i + 1) % 3 / 2 })
        .collect();
    let t = independence(&big_groups, &big_themes, 2, 3, 1);
    assert_eq!(t.method, "chi-square");
    assert!(close(t.p_value, chi2_sf(t.statistic, t.df), 1e-15));
}

#[test]
fn keyness_by_hand() {
    // a = 10 of 1000, b = 5 of 2000: E = 5 and 10 → G² = 2(10 ln 2 + 5 ln ½) = 10 ln 2.
    assert!(close(
        log_likelihood(10.0, 5.0, 1000.0, 2000.0),
        10.0 * 2f64.ln(),
        1e-12
    ));
    assert!(
        close(log_ratio(10.0, 5.0, 1000.0, 2000.0), 2.0, 1e-12),
        "four times as frequent"
    );
    assert!(
        close(log_ratio(4.0, 0.0, 100.0, 100.0), 3.0, 1e-12),
        "zero taken as 0.5"
    );
}

#[test]
fn dates_in_every_format() {
    let d = Date {
        year: 2019,
        month: 10,
        day: 1,
    };
    for s in [
        "2019-10-01",
        "20191001",
        "2019/10/1",
        "2019年10月1日",
        "2019.10.01",
        "2019-10-01T08:00:00",
        " 2019-10-01 ",
    ] {
        assert_eq!(parse_date(s), Some(d), "{s}");
    }
    for s in [
        "2019-02-30",
        "2019-13-01",
        "2019-10",
        "abc",
        "",
        "19-10-01",
        "2019年10月",
        "2019-1-1-1",
    ] {
        assert_eq!(parse_date(s), None, "{s}");
    }
    assert_eq!(
        parse_date("2020-02-29"),
        Some(Date {
            year: 2020,
            month: 2,
            day: 29
        })
    );
    assert_eq!(parse_date("1900-02-29"), None);
    assert_eq!(Period::Quarter.label(Period::Quarter.index(d)), "2019Q4");
    assert_eq!(Period::Month.label(Period::Month.index(d)), "2019-10");
    assert_eq!(Period::Year.label(Period::Year.index(d)), "2019");
    // A label reads back as its period, across years and before year 0's sign matters.
    for period in [Period::Month, Period::Quarter, Period::Year] {
        for index in [period.index(d) - 30, period.index(d), period.index(d) + 13] {
            assert_eq!(period.index_of_label(&period.label(index)), Some(index));
        }
        assert_eq!(period.index_of_label("(无 none)"), None);
    }
    assert_eq!(Period::Month.index_of_label("2019-00"), None);
}

#[test]
fn a_manifest_gives_seed_pages_dates_and_sources_and_compare_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "file,date,source\n000_741fc0305083c170.txt,2025-09-30,平遥报\n001_1e1be208c4a694e1.txt,2025年10月8日,平遥报\n002_349b83f5d47ec507.txt,20251203,长治日报\n";
    std::fs::write(dir.path().join("pages.csv"), manifest).unwrap();
    common::ok(
        dir.path(),
        &[
            "compare",
            "--manifest",
            "pages.csv",
            "--by",
            "source",
            "--period",
            "month",
            "--format",
            "none",
            "-q",
            "-o",
            "out",
        ],
    );
    let report: serde_json::Value = common::json(dir.path().join("out/topics.json"));
    let arts = report["articles"].as_array().unwrap();
    assert!(arts
        .iter()
        .filter(|a| a["file"].as_str().unwrap().contains("000_"))
        .all(|a| a["date"] == "2025-09-30" && a["source"] == "平遥报"));
    let c: serde_json::Value = common::json(dir.path().join("out/compare.json"));
    assert_eq!(c["undated"], 6, "pages 003 and 004 hold 6 undated articles");
    assert!(
        c.get("unreadable_dates").is_none(),
        "no date is not a date that cannot be read"
    );
    assert_eq!(
        c["periods"],
        serde_json::json!(["2025-09", "2025-10", "2025-11", "2025-12"])
    );
    let sizes: Vec<(String, u64)> = c["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().to_string(),
                g["articles"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(sizes.contains(&("平遥报".to_string(), 10)), "{sizes:?}");
    assert!(sizes.contains(&("长治日报".to_string(), 3)), "{sizes:?}");
    let trends = c["trends"].as_array().unwrap();
    let nov = trends
        .iter()
        .find(|t| t["group"] == "平遥报" && t["period"] == "2025-11")
        .unwrap();
    assert_eq!(nov["total"], 0);
    assert!(
        nov["share"].is_null(),
        "a month without articles is a gap, not a zero"
    );

    std::fs::write(dir.path().join("pages.toml"), "[[page]]\nfile = \"003_10174769722c7e51.txt\"\ndate = \"2025-08-01\"\ncounty = \"孝义市\"\n").unwrap();
    common::ok(
        dir.path(),
        &[
            "topics",
            "--manifest",
            "pages.toml",
            "--format",
            "none",
            "-q",
            "-o",
            "t",
        ],
    );
    let report: serde_json::Value = common::json(dir.path().join("t/topics.json"));
    let page3: Vec<&serde_json::Value> = report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["file"].as_str().unwrap().contains("003_"))
        .collect();
    assert_eq!(page3.len(), 4);
    assert!(page3.iter().all(|a| a["county"] == "孝义市"
        && a["county_from"] == "field"
        && a["date"] == "2025-08-01"));
}

#[test]
fn compare_counties_on_the_seeds_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::ok(
        dir.path(),
        &[
            "compare",
            "--by",
            "county",
            "--groups",
            "平遥县,汾阳市",
            "--format",
            "none",
            "-o",
            "out",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("平遥县 writes more about heritage"), "{text}");
    assert!(text.contains("permutation test"), "{text}");
    let c: serde_json::Value = common::json(dir.path().join("out/compare.json"));
    let pingyao = c["keyness"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["group"] == "平遥县")
        .unwrap();
    let words: Vec<&str> = pingyao["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["word"].as_str().unwrap())
        .collect();
    assert!(
        words.contains(&"流动党员") && words.contains(&"消防"),
        "{words:?}"
    );
    let fenyang = c["keyness"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["group"] == "汾阳市")
        .unwrap();
    let w0 = &fenyang["words"][0];
    assert!(
        w0["g2"].as_f64().unwrap() > 3.84
            && w0["group_count"].as_u64().unwrap() > w0["rest_count"].as_u64().unwrap() / 10
    );
    let csv = std::fs::read(dir.path().join("out/compare_shares.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
}

/// A date field that holds no date (a typo, `昨天`) leaves its article undated, and the run says which.
#[test]
fn dates_that_are_not_dates_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        (
            "平遥县贺兰桥社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与。",
            "2025-13-45",
        ),
        (
            "宁国镇秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红。",
            "昨天",
        ),
        (
            "汾阳市社区网格员走访居民,党支部推动老旧小区改造,居民满意。",
            "2025-10-01",
        ),
        ("壶关县养老服务中心开展助餐服务,老人吃上热乎饭。", ""),
    ];
    let csv: String = rows
        .iter()
        .enumerate()
        .map(|(i, (text, date))| format!("a{i},\"{text}\",{date}\n"))
        .collect();
    std::fs::write(dir.path().join("d.csv"), format!("id,text,date\n{csv}")).unwrap();
    let out = common::ok(
        dir.path(),
        &[
            "compare", "d.csv", "-k", "2", "--period", "month", "--format", "html", "-o", "out",
        ],
    );
    let c: serde_json::Value = common::json(dir.path().join("out/compare.json"));
    assert_eq!(c["undated"], 3);
    let unreadable: Vec<(&str, u64, &str)> = c["unreadable_dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap(),
                u["line"].as_u64().unwrap(),
                u["date"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(unreadable, [("a0", 2, "2025-13-45"), ("a1", 3, "昨天")]);
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains("2 of them with a date field that is not a date")
            && said.contains("d.csv:3 `昨天`"),
        "{said}"
    );
    let page = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(
        page.contains(
            "3 篇无日期 undated article(s): in the shares above, not in the trends; 2 of them"
        ),
        "the page says so too"
    );
}

/// Many small groups: a group of one or two articles that differs from the rest is said to be perhaps
/// chance (Fisher's exact test, adjusted for every statement), a large one that differs is not; the
/// summary and the page show the 20 largest groups and say where all are.
#[test]
fn small_groups_are_not_findings_and_many_groups_are_cut_to_the_largest() {
    let dir = tempfile::tempdir().unwrap();
    let heritage = "社区举办非遗市集,面塑、漆器、剪纸等非遗技艺吸引居民参与,非遗传承人现场展示技艺";
    let farm = "秋粮丰收,合作社组织农机收割玉米,村集体经济增收,农户分红,乡村振兴有了新底气";
    // 平遥县: 12 articles on heritage; 县1 … 县24: two on farming each, the first also one on heritage.
    let mut lines = String::new();
    let mut add = |county: &str, text: &str| {
        let i = lines.lines().count();
        let line = serde_json::json!({"county": county, "text": format!("{text}（第{i}期）")});
        lines += &format!("{line}\n");
    };
    (0..12).for_each(|_| add("平遥县", heritage));
    for c in 1..=24 {
        let county = format!("县{c}");
        add(&county, farm);
        add(&county, farm);
    }
    add("县1", heritage);
    std::fs::write(dir.path().join("c.jsonl"), lines).unwrap();
    let out = common::ok(
        dir.path(),
        &[
            "compare", "c.jsonl", "--by", "county", "-k", "2", "--format", "html", "-o", "out",
        ],
    );
    let said = String::from_utf8(out.stdout).unwrap();
    let finding = said
        .lines()
        .find(|l| l.starts_with("平遥县 writes more about heritage"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        finding.contains("12 of 12 articles vs 1 of 49 (p < 0.0001 adjusted for")
            && !finding.contains("chance"),
        "{finding}"
    );
    let small = said
        .lines()
        .find(|l| l.starts_with("县1 writes more about heritage"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(small.contains("this may be chance"), "{small}");
    assert_eq!(said.matches(" articles\n").count(), 20, "{said}");
    assert!(said.contains("… and 5 smaller groups"), "{said}");
    assert!(
        said.contains("more statements on the smaller groups"),
        "{said}"
    );
    let c: serde_json::Value = common::json(dir.path().join("out/compare.json"));
    let all = c["statements"].as_array().unwrap();
    assert!(all
        .iter()
        .any(|s| s.as_str().unwrap().starts_with("县24 writes")));
    let page = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(
        page.contains("… and 5 smaller groups: all in"),
        "the page cuts too"
    );
}

/// `--groups` that name no group of the articles: a usage error that says so, not a panic.
#[test]
fn groups_that_do_not_occur_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "compare",
        "--by",
        "county",
        "--groups",
        "不存在县",
        "--format",
        "none",
        "-o",
        "out",
    ];
    let out = common::run(dir.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("none of the groups [\"不存在县\"] occurs in `county`"),
        "{err}"
    );
}

/// The ten categories of cnews_1000 and their distinctive words on one correspondence map: each category
/// brings its three most distinctive words, and the category furthest out on the first axis has its own
/// most distinctive word on the same side.
#[test]
fn the_correspondence_map_puts_groups_beside_their_words() {
    let Some(path) = common::cnews() else { return };
    let dir = tempfile::tempdir().unwrap();
    common::ok(
        std::path::Path::new("."),
        &[
            "compare",
            path.to_str().unwrap(),
            "--by",
            "label",
            "-k",
            "10",
            "-q",
            "-o",
            dir.path().to_str().unwrap(),
        ],
    );
    let c = common::json(dir.path().join("compare.json"));
    let ca = &c["correspondence"];
    let rows = ca["rows"].as_array().unwrap();
    let columns = ca["columns"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "{ca}");
    let words: Vec<&str> = columns
        .iter()
        .map(|w| w["label"].as_str().unwrap())
        .collect();
    let keyness = c["keyness"].as_array().unwrap();
    for k in keyness {
        for w in k["words"].as_array().unwrap().iter().take(3) {
            assert!(
                words.contains(&w["word"].as_str().unwrap()),
                "{w} of {}",
                k["group"]
            );
        }
    }
    let explained: Vec<f64> = ca["explained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        explained[0] >= explained[1] && explained[1] > 0.05,
        "{explained:?}"
    );
    let x = |p: &serde_json::Value| p["x"].as_f64().unwrap();
    let outer = rows
        .iter()
        .max_by(|a, b| x(a).abs().total_cmp(&x(b).abs()))
        .unwrap();
    let group = outer["label"].as_str().unwrap();
    let own = keyness.iter().find(|k| k["group"] == group).unwrap()["words"][0]["word"]
        .as_str()
        .unwrap();
    let word = columns.iter().find(|w| w["label"] == own).unwrap();
    assert!(
        x(outer) * x(word) > 0.0,
        "{group} at {outer}, {own} at {word}"
    );
    assert!(dir
        .path()
        .join("charts/compare_correspondence.png")
        .exists());
    assert!(dir
        .path()
        .join("charts/compare_correspondence.csv")
        .exists());
}
