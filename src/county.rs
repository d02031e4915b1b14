//! Which county-level division an article is about, from the gazetteer of China's 2,978 county-level
//! divisions (`data/counties.csv`).
//!
//! Every full name (`平遥县`) and, for counties and county-level cities, the short name (`平遥`) is searched
//! for. A mention in the headline counts three times one in the body, a full name twice a short one. A short
//! name followed by 镇/乡/村/街道/社区 is a township or street of that name, not the county (`交口乡`), and
//! short names that are common words (`东方`, `和平`) are not used. A name shared by several divisions
//! (`朝阳区`, `通州区`) goes to the one whose province or city is named in the article, then on its page;
//! with no such context the mention is not counted.

use rustc_hash::{FxHashMap, FxHashSet};

const COUNTIES_CSV: &str = include_str!("data/counties.csv");
/// Two-character words a name can straddle (`世界` before 界首, `政策` after 和政): see the script beside it.
const STRADDLE_WORDS: &str = include_str!("data/straddle_words.txt");
const SHORT_NAME_SUFFIXES: [char; 3] = ['县', '市', '旗'];
/// Short names that are ordinary words far more often than places.
const COMMON_WORD_SHORT_NAMES: &[&str] = &[
    "东方",
    "富裕",
    "安宁",
    "永和",
    "和平",
    "万年",
    "大方",
    "长子",
    "和顺",
    "清水",
    "平安",
    "太和",
    "光明",
    "新华",
    "长安",
    "城关",
    "龙门",
    "大同",
    "开放",
    "和静",
    "新城",
    "江山",
    "公主岭",
    "井冈山",
    "武夷山",
    "峨眉山",
    "惠民",
    "宁国",
    "安平",
    "普安",
    "永新",
    "兴业",
    "新兴",
    "龙泉",
    "泰和",
    "长丰",
    "安福",
    "和田",
    // Words that jieba's dictionary knows 300 times or more under a tag other than a place or a name
    // (资源 17,453 times as a noun, 合作 13,478 as a verbal noun), read one by one: those that news writes
    // as words far more often than as the county. Each was also taken for a place, so left out of themes.
    "资源",
    "合作",
    "武功",
    "比如",
    "南部",
    "公安",
    "共和",
    "友谊",
    "中方",
    "凤凰",
    "延长",
    "光泽",
    "会同",
    "大名",
    "平定",
    "洞口",
    "温泉",
    "石门",
    "应城",
    "建平",
    "莲花",
    "平和",
    "黄龙",
    "全州",
    "桃源",
    "当阳",
    "三门",
    "台前",
    "石狮",
    "威信",
    // 孙中山, 中山路, 中山大学.
    "中山",
    // The places of autonomous counties that are words (通道, 互助, 沿河, 大厂), other places' names
    // (江城 is 武汉, 长白山, 澜沧江, 三江源) or a common name (金平).
    "通道",
    "互助",
    "河口",
    "沿河",
    "金平",
    "江城",
    "长白",
    "澜沧",
    "三江",
    "大厂",
    // 华北平原, 汾渭平原: one of its 266 uses in news_34k is the county (山东平原); 平原县 is still found.
    "平原",
];
/// Place names above or beside the counties that hold a county's short name (`雄安新区` holds 安新), matched
/// as the provinces' and cities' names are so that the short name inside them is not taken for the county.
const OTHER_PLACE_NAMES: &[&str] = &["雄安新区", "雄安"];
/// Full names that are also ordinary words (`老城区`, `郊区`): never matched in free text.
const COMMON_WORD_FULL_NAMES: &[&str] = &["城区", "郊区", "矿区", "老城区"];
/// What after a short name shows it names something smaller than the county.
const SMALLER_PLACE_SUFFIXES: &[&str] = &["镇", "乡", "村", "街道", "社区", "路", "街", "大道"];

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct County {
    pub code: String,
    pub name: String,
    pub city: String,
    pub province: String,
}

/// The county an article was tagged with, and how.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CountyTag {
    pub name: String,
    pub code: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    /// `field` (given in the input), `title` or `text` (found there).
    pub from: &'static str,
}

pub struct Gazetteer {
    counties: Vec<County>,
    /// Full and short names to the counties that carry them; bool: is a full name.
    names: FxHashMap<String, Vec<(usize, bool)>>,
    /// Division codes to counties: a county field is looked up for every article that has one.
    codes: FxHashMap<String, usize>,
    /// Every name, in the order of the automaton's pattern ids.
    patterns: Vec<String>,
    /// Finds the longest name at a position (so 平遥县 wins over 平遥).
    matcher: aho_corasick::AhoCorasick,
    /// The first two characters of every name (see [`first_two`]).
    starts: FxHashSet<u64>,
    /// The same pairs as bits of a table small enough for the first-level cache, checked first.
    start_bits: PairBits,
    /// [`STRADDLE_WORDS`] as [`first_two`] keys.
    straddle_words: FxHashSet<u64>,
}

impl Default for Gazetteer {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Gazetteer {
    pub fn builtin() -> Self {
        let counties: Vec<County> = COUNTIES_CSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .filter_map(|l| {
                let mut f = l.split(',');
                Some(County {
                    code: f.next()?.to_string(),
                    name: f.next()?.to_string(),
                    city: f.next()?.to_string(),
                    province: f.next()?.to_string(),
                })
            })
            .collect();
        let regions = region_names(&counties);
        let mut names: FxHashMap<String, Vec<(usize, bool)>> = FxHashMap::default();
        for (i, c) in counties.iter().enumerate() {
            if !COMMON_WORD_FULL_NAMES.contains(&c.name.as_str()) {
                names.entry(c.name.clone()).or_default().push((i, true));
            }
            // 民和回族土族自治县 is written 民和县 as often, and 民和.
            let core = autonomous_core(&c.name);
            if let Some((core, suffix)) = core {
                names
                    .entry(format!("{core}{suffix}"))
                    .or_default()
                    .push((i, true));
            }
            let core = core
                .map(|(core, _)| core.to_string())
                .filter(|core| !COMMON_WORD_SHORT_NAMES.contains(&core.as_str()));
            // 长沙 alone is the city of 长沙市 far more often than 长沙县; 东莞 is 东莞市, city and county.
            let short = match core {
                Some(core) => Some(core),
                None if autonomous_core(&c.name).is_some() => None,
                None => short_name(&c.name),
            }
            .filter(|s| !regions.contains(s) || c.name == c.city);
            if let Some(short) = short {
                names.entry(short).or_default().push((i, false));
            }
        }
        // Provinces' and cities' names are found too, leftmost-longest with the counties', so that a county's
        // short name inside one (龙江 in 黑龙江) is not taken for the county; they are mentions of nothing.
        let mut patterns: Vec<String> = names.keys().cloned().collect();
        patterns.extend(regions.into_iter().filter(|r| !names.contains_key(r)));
        patterns.sort();
        patterns.dedup();
        let matcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .start_kind(aho_corasick::StartKind::Anchored)
            .build(&patterns)
            .expect("county names build an automaton");
        assert!(
            patterns
                .iter()
                .all(|p| p.chars().count() >= 2 && p.chars().all(|c| c.len_utf8() == 3)),
            "every county name is two or more characters of three bytes (see `names_in`)"
        );
        let starts = patterns
            .iter()
            .map(|p| first_two(p.as_bytes()))
            .collect::<FxHashSet<u64>>();
        let start_bits = PairBits::new(&starts);
        let mut codes = FxHashMap::default();
        for (i, c) in counties.iter().enumerate() {
            codes.entry(c.code.clone()).or_insert(i);
        }
        let straddle_words = STRADDLE_WORDS
            .lines()
            .filter(|w| !w.starts_with('#') && w.len() == 6)
            .map(|w| first_two(w.as_bytes()))
            .collect();
        Gazetteer {
            counties,
            codes,
            names,
            patterns,
            matcher,
            starts,
            start_bits,
            straddle_words,
        }
    }

    pub fn counties(&self) -> &[County] {
        &self.counties
    }

    /// Short names in use (`平遥`), without those that are common words.
    pub fn short_names(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .filter(|(_, c)| c.iter().all(|(_, full)| !full))
            .map(|(n, _)| n.as_str())
    }

    pub fn by_code(&self, code: &str) -> Option<&County> {
        self.codes.get(code).map(|&i| &self.counties[i])
    }

    /// The county an article is about: headline first, then body; `page` gives context for ambiguous names.
    pub fn tag(&self, headline: &str, body: &str, page: &str) -> Option<CountyTag> {
        let mut scores: FxHashMap<usize, (f64, usize)> = FxHashMap::default();
        // Headline and body, each looked in for a name that gives context (no name runs from one into the
        // other, which a text made of both would hold).
        let context = [headline, body];
        // A name repeats thousands of times in a long text: resolve each name and confirm each short name
        // once, not once per mention (each is a scan of the whole text).
        let mut resolved: FxHashMap<Vec<(usize, bool)>, Option<usize>> = FxHashMap::default();
        let mut confirmed: FxHashMap<usize, bool> = FxHashMap::default();
        for (text, weight, offset) in [(headline, 3.0, 0), (body, 1.0, headline.len())] {
            for m in self.mentions(text) {
                let resolution = *resolved
                    .entry(m.candidates.clone())
                    .or_insert_with(|| self.resolve(&m.candidates, &context, page));
                let Some(i) = resolution else {
                    continue;
                };
                if m.needs_confirming
                    && !*confirmed
                        .entry(i)
                        .or_insert_with(|| self.short_name_confirmed(i, &context, page))
                {
                    continue;
                }
                let score = weight * if m.full { 2.0 } else { 1.0 };
                let entry = scores.entry(i).or_insert((0.0, usize::MAX));
                entry.0 += score;
                entry.1 = entry.1.min(offset + m.position);
            }
        }
        let in_headline = self.mentions(headline);
        let headline_hit = |i: usize| {
            in_headline
                .iter()
                .any(|m| m.candidates.iter().any(|&(c, _)| c == i))
        };
        let best = scores.into_iter().max_by(|a, b| {
            a.1 .0
                .total_cmp(&b.1 .0)
                .then_with(|| b.1 .1.cmp(&a.1 .1))
                .then_with(|| self.counties[b.0].code.cmp(&self.counties[a.0].code))
        })?;
        let from = if headline_hit(best.0) {
            "title"
        } else {
            "text"
        };
        Some(self.tag_of(best.0, from))
    }

    /// A county given in an input field: a full or short name (or a code), resolved with the article as context.
    pub fn from_field(&self, value: &str, context: &str) -> CountyTag {
        let value = value.trim();
        if let Some(&i) = self.codes.get(value) {
            return self.tag_of(i, "field");
        }
        let resolved = self.names.get(value).and_then(|cands| {
            let full: Vec<(usize, bool)> = cands.iter().copied().filter(|c| c.1).collect();
            let cands = if full.is_empty() { cands.clone() } else { full };
            self.resolve(&cands, &[context], "").or(Some(cands[0].0))
        });
        match resolved {
            Some(i) => self.tag_of(i, "field"),
            None => CountyTag {
                name: value.to_string(),
                code: None,
                city: None,
                province: None,
                from: "field",
            },
        }
    }

    fn tag_of(&self, i: usize, from: &'static str) -> CountyTag {
        let c = &self.counties[i];
        CountyTag {
            name: c.name.clone(),
            code: Some(c.code.clone()),
            city: (!c.city.is_empty()).then(|| c.city.clone()),
            province: Some(c.province.clone()),
            from,
        }
    }

    /// The one candidate whose city or province the context names (or else the page), if there is one.
    fn resolve(&self, candidates: &[(usize, bool)], context: &[&str], page: &str) -> Option<usize> {
        if let [(only, _)] = candidates {
            return Some(*only);
        }
        for texts in [context, &[page]] {
            let named: Vec<usize> = candidates
                .iter()
                .map(|&(i, _)| i)
                .filter(|&i| texts.iter().any(|text| self.region_named(i, text)))
                .collect();
            if let [one] = named[..] {
                return Some(one);
            }
        }
        None
    }

    /// A short name (`平遥`) counts only where the county's full name, its city or its province is named in
    /// the article or on its page: alone it is too often part of another word (`贺兰桥`, `文化惠民`).
    fn short_name_confirmed(&self, i: usize, context: &[&str], page: &str) -> bool {
        let full = self.counties[i].name.as_str();
        let named_in_full = |t: &str| full.chars().count() > 2 && t.contains(full);
        context
            .iter()
            .chain([&page])
            .any(|t| named_in_full(t) || self.region_named(i, t))
    }

    fn region_named(&self, i: usize, text: &str) -> bool {
        let c = &self.counties[i];
        [&c.city, &c.province]
            .into_iter()
            .filter(|n| !n.is_empty())
            .any(|n| text.contains(n.as_str()) || text.contains(region_short_name(n)))
    }

    /// Every name in a text, leftmost-longest, as `AhoCorasick::find_iter` would give them. The automaton is
    /// only tried where a name's first two characters stand: run over every byte of Chinese text it missed
    /// the cache at nearly every step, and was most of the time of tagging. Every name is of characters of
    /// three bytes (checked in `builtin`), so only the first byte of such a character can start one, and
    /// the six bytes there are a name's first two characters: no character is decoded.
    fn names_in(&self, text: &str) -> Vec<aho_corasick::Match> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut at = 0;
        while at + 6 <= bytes.len() {
            if !(0xE0..=0xEF).contains(&bytes[at]) {
                at += 1;
                continue;
            }
            let key = first_two(&bytes[at..]);
            if self.start_bits.may_hold(key) && self.starts.contains(&key) {
                let input = aho_corasick::Input::new(text)
                    .span(at..text.len())
                    .anchored(aho_corasick::Anchored::Yes);
                if let Some(m) = self.matcher.find(input) {
                    found.push(m);
                    at = m.end();
                    continue;
                }
            }
            at += 3;
        }
        found
    }

    fn mentions(&self, text: &str) -> Vec<Mention> {
        let found = self.names_in(text);
        // A name right after a province's, a city's or a county's full name (`湖州市长兴县`, `湖北大冶`) is not
        // tried for a straddled word: 市长 and 北大 there are two names side by side. After a short name it
        // is: `同心同德` is a word, not 同心县 and 同德县.
        let after_a_place = |i: usize| {
            i > 0 && found[i - 1].end() == found[i].start() && {
                let before = &self.patterns[found[i - 1].pattern().as_usize()];
                self.names.get(before).is_none_or(|c| c.iter().any(|c| c.1))
            }
        };
        found
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                // A province's or city's name is in no county's list.
                let cands = self.names.get(&self.patterns[m.pattern().as_usize()])?;
                let full = cands.iter().any(|c| c.1);
                let after = &text[m.end()..];
                if !full && SMALLER_PLACE_SUFFIXES.iter().any(|s| after.starts_with(s)) {
                    return None;
                }
                if !after_a_place(i)
                    && self.straddles(&text[..m.start()], &text[m.range()], after, full)
                {
                    return None;
                }
                let candidates = cands.iter().copied().filter(|c| c.1 == full).collect();
                Some(Mention {
                    position: m.start(),
                    full,
                    needs_confirming: !full || m.len() == 6,
                    candidates,
                })
            })
            .collect()
    }
}

impl Gazetteer {
    /// Whether a name found in a text is rather the end of a word before it (`世界首次`: 界首) or, for a short
    /// name or a one-character county (`和县`), the start of a word after it (`和政策`, `市和县级`). A longer
    /// full name is not tried on the word after it: `海城市场监管局` is 海城市's.
    fn straddles(&self, before: &str, name: &str, after: &str, full: bool) -> bool {
        let pair = |left: &str, right: &str| {
            let (l, r) = (left.as_bytes(), right.as_bytes());
            l.len() == 3 && r.len() == 3 && {
                let mut bytes = [0u8; 6];
                bytes[..3].copy_from_slice(l);
                bytes[3..].copy_from_slice(r);
                self.straddle_words.contains(&first_two(&bytes))
            }
        };
        if pair(last_char(before), first_char(name)) {
            return true;
        }
        let checks_after = !full || name.chars().count() == 2;
        checks_after && pair(last_char(name), first_char(after))
    }
}

fn last_char(text: &str) -> &str {
    text.char_indices()
        .next_back()
        .map_or("", |(i, _)| &text[i..])
}

fn first_char(text: &str) -> &str {
    text.chars().next().map_or("", |c| &text[..c.len_utf8()])
}

/// A set of character pairs as one bit each at a hash of the pair (a one-hash Bloom filter): 32 KB, so it
/// stays in the first-level cache, and with some 5,000 pairs a clear bit rules out 98 % of the characters
/// of a text before the exact set (a hash-table probe, most of the time of tagging) is asked.
#[derive(Debug, Clone)]
struct PairBits {
    bits: Vec<u64>,
}

impl PairBits {
    const LOG2_BITS: u32 = 18;

    fn new(pairs: &FxHashSet<u64>) -> Self {
        let mut bits = vec![0u64; (1 << Self::LOG2_BITS) / 64];
        for &p in pairs {
            let i = Self::index(p);
            bits[i / 64] |= 1 << (i % 64);
        }
        PairBits { bits }
    }

    fn index(pair: u64) -> usize {
        (pair.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::LOG2_BITS)) as usize
    }

    fn may_hold(&self, pair: u64) -> bool {
        let i = Self::index(pair);
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }
}

/// The first two characters of a name, or of the text at a character of three bytes, as one key: their
/// six bytes.
fn first_two(bytes: &[u8]) -> u64 {
    let mut key = [0u8; 8];
    key[..6].copy_from_slice(&bytes[..6]);
    u64::from_le_bytes(key)
}

struct Mention {
    position: usize,
    full: bool,
    /// Whether the county must be confirmed by its city or province: a short name, or a full name of two
    /// characters (`和县` in `干部和县直部门`, `范县` in `示范县`), which is no surer than one.
    needs_confirming: bool,
    candidates: Vec<(usize, bool)>,
}

/// The names of the provinces and cities above the counties, full and short (`黑龙江省`, `黑龙江`), and
/// [`OTHER_PLACE_NAMES`]: those of two characters or more, each of three bytes, as the automaton needs.
fn region_names(counties: &[County]) -> FxHashSet<String> {
    counties
        .iter()
        .flat_map(|c| [&c.city, &c.province])
        .filter(|n| !n.is_empty())
        .flat_map(|n| [n.to_string(), region_short_name(n).to_string()])
        .chain(OTHER_PLACE_NAMES.iter().map(|n| n.to_string()))
        .filter(|n| n.chars().count() >= 2 && n.chars().all(|c| c.len_utf8() == 3))
        .collect()
}

/// The peoples named in autonomous counties' and banners' names, without 族 (`民和回族土族自治县`).
const PEOPLES: &[&str] = &[
    "回",
    "土",
    "蒙古",
    "满",
    "彝",
    "苗",
    "侗",
    "瑶",
    "壮",
    "布依",
    "土家",
    "哈尼",
    "傣",
    "傈僳",
    "佤",
    "拉祜",
    "纳西",
    "景颇",
    "白",
    "藏",
    "羌",
    "普米",
    "怒",
    "独龙",
    "仡佬",
    "水",
    "毛南",
    "仫佬",
    "黎",
    "畲",
    "哈萨克",
    "锡伯",
    "塔吉克",
    "达斡尔",
    "鄂温克",
    "鄂伦春",
    "撒拉",
    "保安",
    "东乡",
    "裕固",
    "朝鲜",
    "各族",
    "布朗",
    "阿昌",
    "德昂",
    "基诺",
    "门巴",
    "珞巴",
    "京",
    "高山",
    "柯尔克孜",
    "乌孜别克",
    "俄罗斯",
    "维吾尔",
    "塔塔尔",
];

/// The place in an autonomous county's or banner's name and the suffix it is written with alone:
/// `民和回族土族自治县` → (`民和`, `县`), `莫力达瓦达斡尔族自治旗` → (`莫力达瓦`, `旗`). The place is the
/// name before the first people it names, at least two characters.
fn autonomous_core(name: &str) -> Option<(&str, char)> {
    let suffix = match () {
        _ if name.ends_with("自治县") => '县',
        _ if name.ends_with("自治旗") => '旗',
        _ => return None,
    };
    let at = name
        .char_indices()
        .skip(2)
        .map(|(i, _)| i)
        .find(|&i| PEOPLES.iter().any(|p| name[i..].starts_with(p)))?;
    Some((&name[..at], suffix))
}

fn short_name(name: &str) -> Option<String> {
    let stripped = name.strip_suffix(SHORT_NAME_SUFFIXES)?;
    let short = (stripped.chars().count() >= 2).then(|| stripped.to_string())?;
    (!COMMON_WORD_SHORT_NAMES.contains(&short.as_str())).then_some(short)
}

/// `山西省` → `山西`, `晋中市` → `晋中`, `广西壮族自治区` → `广西`.
pub fn region_short_name(name: &str) -> &str {
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "自治州",
        "地区",
        "省",
        "市",
        "盟",
    ] {
        if let Some(s) = name.strip_suffix(suffix) {
            if s.chars().count() >= 2 {
                return s;
            }
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names found by trying the automaton only where a name's first two characters stand are exactly the
    /// leftmost-longest matches of a plain scan, on the seed pages and on text built to trip it (names
    /// back to back, a short name inside a full one, a name cut at the end).
    #[test]
    fn names_found_by_their_first_characters_are_those_of_a_full_scan() {
        let g = Gazetteer::builtin();
        let scan = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&g.patterns)
            .unwrap();
        let mut texts: Vec<String> = crate::seeds::seed_input()
            .records
            .into_iter()
            .map(|r| r.text)
            .collect();
        texts.push("平遥县平遥古城交口乡交口县朝阳区通州区，太原市小店区。平".into());
        texts.push("晋中市平遥县灵石县介休市介休".into());
        let mut found = 0;
        for text in &texts {
            let fast: Vec<(usize, usize, usize)> = g
                .names_in(text)
                .iter()
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            let full: Vec<(usize, usize, usize)> = scan
                .find_iter(text.as_str())
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            assert_eq!(fast, full);
            found += fast.len();
        }
        assert!(found > 20, "only {found} names in the test texts");
    }
}
