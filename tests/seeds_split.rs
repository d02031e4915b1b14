//! Splitting the five seed pages into articles, and tagging each with its county.

use analyze::corpus;
use analyze::county::Gazetteer;
use analyze::segment::{SegmentOptions, Segmenter};
use analyze::split::{split_page, ArticleKind};

/// (page, title, county) of every substantive article of the seeds, in page order.
const EXPECTED: [(&str, &str, &str); 19] = [
    ("000", "非遗市集凝聚社区认同 党建引领焕发治理活力", "平遥县"),
    ("000", "流动不流失 流动不脱管", "平遥县"),
    (
        "000",
        "“学、活、实”三维发力 推动主题党日活动提质增效",
        "平遥县",
    ),
    ("000", "「留学中国·与城市同行」系列活动在平遥举办", "平遥县"),
    ("000", "集体经营促发展 产业兴旺保增收", "平遥县"),
    ("000", "以林果产业为笔 勾勒乡村振兴新图景", "平遥县"),
    ("001", "党建引领强根基 集体经济焕新生", "平遥县"),
    ("001", "居民吃水不再难 老旧小区「持久美」", "平遥县"),
    ("001", "公益消防进校园 共筑安全“防火墙”", "平遥县"),
    ("001", "小集市搭起大舞台 土山货撬动新振兴", "平遥县"),
    ("002", "让群众“找得到门、办得成事”", "壶关县"),
    ("002", "文明交通齐参与 携手筑牢安全线", "潞州区"),
    ("002", "打破村域壁垒 做实“飞地经济”", "沁源县"),
    ("003", "五笔润色绘新景 和美乡村入画来", "孝义市"),
    (
        "003",
        "深入开展“三个一批”行动 助推幸福养老提档升级",
        "灵石县",
    ),
    ("003", "激活县域撂荒地 助力乡村振兴", "泽州县"),
    ("003", "“葡”平致富路 村民“萄”金忙", "河津市"),
    ("004", "党建扎根基层 服务温暖民心", "汾阳市"),
    ("004", "传非遗之美 赋发展之力", "汾阳市"),
];

/// The seed pages' articles with their text (the corpus keeps only their words).
fn seed_articles() -> Vec<analyze::split::Article> {
    analyze::split::articles_from_records(analyze::seeds::seed_input().records)
        .into_iter()
        .filter(|a| a.kind == analyze::split::ArticleKind::Article)
        .collect()
}

fn seed_corpus() -> corpus::Corpus {
    let gazetteer = Gazetteer::builtin();
    let segmenter = Segmenter::new(&SegmentOptions::default(), &gazetteer).unwrap();
    corpus::build(analyze::seeds::seed_input(), &gazetteer, &segmenter).unwrap()
}

#[test]
fn every_seed_article_is_found_with_its_title_and_county() {
    let corpus = seed_corpus();
    let found: Vec<(String, String, String)> = corpus
        .articles
        .iter()
        .zip(&corpus.counties)
        .map(|(a, c)| {
            let page = a.file.trim_start_matches("seeds/")[..3].to_string();
            (
                page,
                a.title.clone(),
                c.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = EXPECTED
        .iter()
        .map(|(p, t, c)| (p.to_string(), t.to_string(), c.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn counties_carry_city_and_province_from_the_gazetteer() {
    let corpus = seed_corpus();
    let pingyao = corpus.counties[0].as_ref().unwrap();
    assert_eq!(pingyao.code.as_deref(), Some("140728"));
    assert_eq!(pingyao.city.as_deref(), Some("晋中市"));
    assert_eq!(pingyao.province.as_deref(), Some("山西省"));
    let luzhou = corpus.counties[11].as_ref().unwrap();
    assert_eq!(luzhou.city.as_deref(), Some("长治市"));
}

#[test]
fn photo_captions_are_separate_short_items_not_article_text() {
    let corpus = seed_corpus();
    let captions: Vec<&str> = corpus
        .captions
        .iter()
        .map(|(a, _)| a.text.as_str())
        .collect();
    assert!(captions.contains(&"南依涧村村民正在采摘苹果。"));
    assert!(captions.contains(&"消防演练现场"));
    assert!(captions
        .iter()
        .any(|c| c.starts_with("近日,上党区南宋镇永丰村")));
    assert!(captions
        .iter()
        .any(|c| c.starts_with("日前,黎城县东阳关镇龙王庙村")));
    assert!(captions.len() <= 8, "{captions:?}");
    for a in seed_articles() {
        assert!(!a.text.contains("正在采摘苹果"), "caption left in {}", a.id);
        assert!(
            !a.text.contains("上党区南宋镇永丰村"),
            "photo news left in {}",
            a.id
        );
    }
    let photo = corpus
        .captions
        .iter()
        .find(|(a, _)| a.text.contains("黎城县"))
        .unwrap();
    assert_eq!(photo.0.authors, ["赵浩"]);
    assert_eq!(photo.1.as_ref().unwrap().name, "黎城县");
}

#[test]
fn line_breaks_inside_sentences_are_repaired() {
    let articles = seed_articles();
    let market = &articles[0];
    assert!(
        market.text.contains("社会力量参与"),
        "社 / 会力量参与 not joined"
    );
    let apples = &articles[5];
    assert!(
        apples.text.contains("收入也逐年攀升,生活越过越红火"),
        "break around a caption not joined"
    );
    let fire = &articles[8];
    assert!(
        fire.text.contains("演练严格按照预设方案推进"),
        "break around a headline not joined"
    );
}

#[test]
fn subtitles_bylines_and_reporters_are_recorded() {
    let corpus = seed_corpus();
    let a = &corpus.articles;
    assert_eq!(
        a[0].subtitle.as_deref(),
        Some("平遥县贺兰桥社区积极探索基层治理现代化")
    );
    assert_eq!(a[0].authors, ["闫虹霞", "马金金"]);
    assert_eq!(a[0].section.as_deref(), Some("抓党建促基层治理能力提升"));
    assert!(
        seed_articles()[0]
            .text
            .contains("筑牢组织根基 构建协同治理新格局"),
        "subheads stay in the article"
    );
    assert!(
        a.iter().all(|a| a.text.is_empty()) && corpus.chars[0] > 500,
        "the corpus keeps the length of a text, not the text"
    );
    assert_eq!(
        a[1].subtitle.as_deref(),
        Some("平遥县着力加强党员教育管理工作")
    );
    assert_eq!(a[2].kicker.as_deref(), Some("平遥县岳壁乡"));
    assert_eq!(a[10].authors, ["李盼", "王楠"]);
    assert_eq!(a[8].authors, ["张春燕"]);
    assert_eq!(a[13].kicker.as_deref(), Some("山西省孝义市"));
    assert_eq!(
        a[17].subtitle.as_deref(),
        Some("汾阳市以党建引领绘就基层治理幸福图景")
    );
    assert_eq!(a[17].authors, ["武子祺"]);
}

#[test]
fn spans_point_at_the_article_in_its_page() {
    let (_, page) = analyze::seeds::SEEDS[0];
    let articles = split_page("p.txt", page);
    let chars: Vec<char> = page.chars().collect();
    for a in articles.iter().filter(|a| a.kind == ArticleKind::Article) {
        let (start, end) = a.span.unwrap();
        let slice: String = chars[start..end].iter().collect();
        let first_line = a.text.lines().next().unwrap();
        let probe: String = first_line.chars().take(10).collect();
        assert!(
            slice.contains(&probe),
            "{} span does not hold its text",
            a.id
        );
        assert!(
            slice.contains(&a.title),
            "{} span does not hold its title",
            a.id
        );
    }
}

#[test]
fn a_page_without_layout_is_one_article() {
    let articles = split_page(
        "plain.txt",
        "平遥县举办非遗展演活动,吸引众多市民参观。\n活动现场气氛热烈。\n",
    );
    let kinds: Vec<ArticleKind> = articles.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [ArticleKind::Article]);
    assert!(articles[0].text.contains("活动现场气氛热烈"));
}

#[test]
fn ambiguous_names_follow_their_province_and_short_names_need_context() {
    let g = Gazetteer::builtin();
    let beijing = g
        .tag("朝阳区推进老旧小区改造", "北京市朝阳区今年完成改造。", "")
        .unwrap();
    assert_eq!(beijing.province.as_deref(), Some("北京市"));
    let changchun = g
        .tag(
            "朝阳区推进老旧小区改造",
            "吉林省长春市朝阳区今年完成改造。",
            "",
        )
        .unwrap();
    assert_eq!(changchun.city.as_deref(), Some("长春市"));
    assert_eq!(
        g.tag("朝阳区推进老旧小区改造", "今年完成改造。", ""),
        None,
        "no context: no guess"
    );
    assert_eq!(
        g.tag("贺兰桥社区", "社区开展活动", ""),
        None,
        "short name inside a street name"
    );
    assert_eq!(
        g.tag("", "交口乡开展活动", "").map(|c| c.name),
        None,
        "a township, not 交口县"
    );
    let field = g.from_field("平遥", "");
    assert_eq!(field.code.as_deref(), Some("140728"));
    assert_eq!(field.from, "field");
    // A field may hold the division code instead of a name.
    let by_code = g.from_field(" 140728 ", "");
    assert_eq!((by_code.name.as_str(), by_code.from), ("平遥县", "field"));
    assert_eq!(g.by_code("140728").map(|c| c.name.as_str()), Some("平遥县"));
    assert!(g.by_code("999999").is_none());
}

/// Lines of the kind news_34k is full of, each of which named a county that it is not about before short
/// names were checked against the provinces' and cities' names and against common words.
#[test]
fn short_names_inside_other_names_and_words_are_not_counties() {
    let g = Gazetteer::builtin();
    let tag = |body: &str| g.tag("", body, "").map(|c| c.name);
    // 龙江 inside 黑龙江, whose naming the province then seemed to confirm.
    assert_eq!(
        tag("黑龙江省召开全省冬季旅游工作会议，哈尔滨冰雪节开幕。"),
        None
    );
    // 长沙 alone is the city, not 长沙县.
    assert_eq!(
        tag("湖南省长沙市举办图书博览会，长沙各区同步开展活动。"),
        None
    );
    // 资源 is a word far more often than 资源县 of 桂林市, even where 广西 is named.
    assert_eq!(tag("广西壮族自治区整合旅游资源，推动文化资源共享。"), None);
    // 安新 inside 雄安新区 of 河北省.
    assert_eq!(
        tag("河北省雄安新区建设加快推进，雄安新区启动区初具规模。"),
        None
    );
    // Names straddling two words: 和政 in 和政府 (和政县 is in 甘肃), 海城市 in 沿海城市, 界首 in 世界首个
    // (界首市 is in 安徽), 和县 in 和县级.
    assert_eq!(tag("甘肃省各级党委和政府把乡村振兴摆在突出位置。"), None);
    assert_eq!(tag("辽宁省已在36座沿海城市建立海洋监测站。"), None);
    assert_eq!(tag("世界首个高原水电机组在安徽投产。"), None);
    assert_eq!(tag("安徽省规定省、市和县级人民政府建立协调机制。"), None);
    // Two names side by side are not a straddled word (市长, 北大, 闻到).
    assert_eq!(tag("浙江省湖州市长兴县开发区。").as_deref(), Some("长兴县"));
    assert_eq!(tag("铁路止于湖北大冶。").as_deref(), Some("大冶市"));
    assert_eq!(
        tag("台风在广东徐闻到广西北海一带登陆。").as_deref(),
        Some("徐闻县")
    );
    // A one-character county is no surer than a short name: 和县 needs 马鞍山 or 安徽 named.
    assert_eq!(tag("领导干部和县直部门负责人参加会议。"), None);
    assert_eq!(
        tag("马鞍山和县，趁着好天气抢收小麦。").as_deref(),
        Some("和县")
    );
    // An autonomous county goes by its place and 县 (民和县, not 和县) or its place alone.
    assert_eq!(
        tag("青海民和县中川乡救灾安置。").as_deref(),
        Some("民和回族土族自治县")
    );
    assert_eq!(
        tag("在重庆彭水，中堡盐业遗址入选考古新发现。").as_deref(),
        Some("彭水苗族土家族自治县")
    );
    // What still counts: a short name with its province named, a full name, a city that is its own county.
    assert_eq!(
        tag("山西省晋中市，平遥古城游客如织。").as_deref(),
        Some("平遥县")
    );
    assert_eq!(tag("龙江县召开会议。").as_deref(), Some("龙江县"));
    assert_eq!(tag("广东省东莞制造业转型升级。").as_deref(), Some("东莞市"));
}
