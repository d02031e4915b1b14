//! Splitting newspaper pages into articles, and turning table records into articles.
//!
//! A page is a sequence of paragraphs (non-empty lines). Each paragraph is classified by its form
//! (headline, `——` subtitle, reporter line, byline in parentheses, photo credit, caption, body text),
//! then a small state machine groups them:
//! - a block of headline lines before body text starts an article; the block's last line is the title,
//!   unless a `——` subtitle follows it, or the line before it is a two-part headline (`流动不流失 流动不脱管`)
//!   and the last line is then its subtitle; earlier lines are section banners, lines that only name a place
//!   (`平遥县岳壁乡`) are kickers;
//! - body text that follows a paragraph ending mid-sentence continues it: the line break the layout put
//!   there is removed, and any short lines in between (captions, a headline set into the text) are taken out;
//! - a byline `(闫虹霞 马金金)` ends an article; a photo credit (`本报记者 赵浩 摄`) turns the paragraph
//!   before it into a photo caption.
//!
//! Photo captions come out as separate short items of kind [`ArticleKind::Caption`].

use crate::read::{Record, RecordKind};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    Article,
    Caption,
}

/// One article (or caption) with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub file: String,
    /// Line of the JSONL/CSV record; `None` for an article cut from a page.
    pub line: Option<usize>,
    pub kind: ArticleKind,
    /// A page banner or column above the headline (`抓党建促基层治理能力提升`).
    pub section: Option<String>,
    /// A line that only names the place (`平遥县岳壁乡`).
    pub kicker: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    pub text: String,
    /// Character offsets `[start, end)` of the article in its page.
    pub span: Option<(usize, usize)>,
    /// Metadata fields of a JSONL/CSV record (everything but `text`, `id` and `title`).
    pub fields: Fields,
}

/// An article's metadata fields, sorted by name, each once. A record's `BTreeMap` is kept as a slice: for the
/// two or three fields a record has, a map's node has room for eleven (about 540 bytes) for every article of
/// the corpus. Kept as maps, they took the peak memory of 341,600 records from 1.20 to 1.29 GB.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fields(Box<[(String, String)]>);

impl Fields {
    /// The value of field `name`, if the record had it.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(field, _)| field.as_str().cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Every field and its value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(field, value)| (field, value))
    }
}

impl From<BTreeMap<String, String>> for Fields {
    fn from(map: BTreeMap<String, String>) -> Fields {
        // A map gives its entries sorted by name, each name once: what `get` searches.
        Fields(map.into_iter().collect())
    }
}

/// Turns input records into articles: pages are split, table records are one article each. The records
/// are used up: a table record's text moves into its article instead of being copied.
pub fn articles_from_records(records: Vec<Record>) -> Vec<Article> {
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        match record.kind {
            RecordKind::Page => {
                // Fields a manifest gave the page (date, source, county) hold for each of its articles.
                let fields = Fields::from(record.fields);
                out.extend(
                    split_page(&record.file, &record.text)
                        .into_iter()
                        .map(|a| Article {
                            fields: fields.clone(),
                            ..a
                        }),
                );
            }
            RecordKind::ArticleFile => out.push(article_from_file(record)),
            RecordKind::Article => out.push(article_from_record(record)),
        }
    }
    out
}

fn article_from_record(mut record: Record) -> Article {
    let line = record.line.unwrap_or(0);
    // Id and title have their own places; kept twice they were a tenth of a large corpus's memory.
    let id = record
        .fields
        .remove("id")
        .unwrap_or_else(|| format!("{}:{line}", crate::read::file_stem(&record.file)));
    let title = record.fields.remove("title").unwrap_or_default();
    Article {
        id,
        file: record.file,
        line: record.line,
        kind: ArticleKind::Article,
        section: None,
        kicker: None,
        title,
        subtitle: None,
        authors: Vec::new(),
        text: record.text,
        span: None,
        fields: record.fields.into(),
    }
}

/// A `.txt` file that holds one article (`--txt article`), named by the file: its first line is the title
/// when it reads as a headline (at most 50 characters, no sentence end, text after it), else all is text.
fn article_from_file(mut record: Record) -> Article {
    let whole = record.text.trim();
    let (first, rest) = whole.split_once('\n').unwrap_or((whole, ""));
    let first = first.trim();
    let headline = first.chars().count() <= 50
        && !first.ends_with(['。', '！', '？', '…', '.', '!', '?'])
        && !rest.trim().is_empty();
    let (title, text) = match headline {
        true => (first.to_string(), rest.trim().to_string()),
        false => (String::new(), whole.to_string()),
    };
    record.text = text;
    let id = crate::read::file_stem(&record.file);
    record.fields.entry("id".into()).or_insert(id);
    record.fields.entry("title".into()).or_insert(title);
    article_from_record(record)
}

/// A non-empty line of a page with its character offsets.
#[derive(Debug, Clone)]
struct Para {
    text: String,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Class {
    Heading,
    Subtitle,
    Column,
    Reporter(Vec<String>),
    Byline(Vec<String>),
    PhotoCredit(Vec<String>),
    /// A photo caption: a short line with 正在/图为…, or ending in 现场.
    Caption,
    /// One short sentence: body text after an open article, a photo caption elsewhere.
    ShortSentence,
    Marker,
    Body,
}

const SENTENCE_END: &[char] = &['。', '！', '？', '!', '?', '…'];
const CLAUSE_PUNCT: &[char] = &['，', ',', '。', '；', ';', '！', '!', '？', '?'];
const CLOSERS: &[char] = &['”', '’', '」', '』', '）', ')'];
const REPORTER_PREFIXES: &[&str] = &[
    "本报记者",
    "本报见习记者",
    "本报通讯员",
    "见习记者",
    "记者",
    "通讯员",
    "□",
];
const CAPTION_WORDS: &[&str] = &["正在", "图为", "合影", "留影"];

/// Splits one page into articles and captions.
pub fn split_page(file: &str, text: &str) -> Vec<Article> {
    let paras = paragraphs(text);
    let mut builder = Builder::default();
    for para in paras {
        let class = classify(&para.text);
        builder.push(para, class);
    }
    builder.finish(file)
}

fn paragraphs(text: &str) -> Vec<Para> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let chars = line.chars().count();
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.chars().take_while(|c| c.is_whitespace()).count();
            let len = trimmed.chars().count();
            out.push(Para {
                text: trimmed.to_string(),
                start: offset + lead,
                end: offset + lead + len,
            });
        }
        offset += chars;
    }
    out
}

fn classify(text: &str) -> Class {
    let len = text.chars().count();
    if let Some(authors) = byline(text) {
        return Class::Byline(authors);
    }
    if len <= 30 && (text.ends_with(" 摄") || text.ends_with("摄影")) {
        return Class::PhotoCredit(names(&strip_reporter_words(
            text.trim_end_matches("摄影").trim_end_matches('摄'),
        )));
    }
    if len <= 40 && !has_clause_punct(text) && REPORTER_PREFIXES.iter().any(|p| text.starts_with(p))
    {
        return Class::Reporter(names(&strip_reporter_words(text)));
    }
    if text.starts_with('—') {
        return Class::Subtitle;
    }
    if len <= 8
        && (text.starts_with('「') && text.ends_with('」')
            || text.starts_with('【') && text.ends_with('】'))
    {
        return Class::Column;
    }
    if text == "资料图片" || text.starts_with("图为") && len <= 40 {
        return Class::Marker;
    }
    let sentence_caption = len <= 30
        && text.ends_with('。')
        && !has_clause_punct(&text[..text.len() - '。'.len_utf8()]);
    let heading_like = len <= 45 && !has_clause_punct(text) && !text.starts_with("本报讯");
    let caption_words = CAPTION_WORDS.iter().any(|w| text.contains(w))
        || text.trim_end_matches('。').ends_with("现场");
    if (sentence_caption || heading_like) && caption_words && !is_two_part(text) {
        return Class::Caption;
    }
    if sentence_caption {
        return Class::ShortSentence;
    }
    if heading_like {
        return Class::Heading;
    }
    Class::Body
}

fn has_clause_punct(text: &str) -> bool {
    text.contains(CLAUSE_PUNCT)
}

/// `(闫虹霞 马金金)` or `（赵慧）`: names in parentheses standing alone.
fn byline(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix(['(', '（'])?.strip_suffix([')', '）'])?;
    let len = inner.chars().count();
    let plain = inner
        .chars()
        .all(|c| !c.is_ascii_punctuation() && !CLAUSE_PUNCT.contains(&c) && c != '、');
    ((2..=24).contains(&len) && plain).then(|| names(inner))
}

/// A byline at the end of a body paragraph: `……保驾护航。(张春燕)`.
fn trailing_byline(text: &str) -> Option<(String, Vec<String>)> {
    if !text.ends_with([')', '）']) {
        return None;
    }
    let open = text.rfind(['(', '（'])?;
    let (body, tail) = text.split_at(open);
    let authors = byline(tail)?;
    body.ends_with(SENTENCE_END)
        .then(|| (body.to_string(), authors))
}

fn strip_reporter_words(text: &str) -> String {
    let mut out = text.replace('□', " ");
    for word in REPORTER_PREFIXES.iter().take(REPORTER_PREFIXES.len() - 1) {
        out = out.replace(word, " ");
    }
    out
}

fn names(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '\u{3000}')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether a paragraph stops mid-sentence, so that the next body paragraph continues it.
fn unterminated(text: &str) -> bool {
    let mut rev = text.chars().rev();
    match rev.next() {
        Some(c) if SENTENCE_END.contains(&c) => false,
        Some(c) if CLOSERS.contains(&c) => !rev.next().is_some_and(|p| SENTENCE_END.contains(&p)),
        Some(_) => true,
        None => false,
    }
}

/// A headline in two parallel halves separated by a space: `党建扎根基层 服务温暖民心`.
fn is_two_part(text: &str) -> bool {
    text.split([' ', '\u{3000}'])
        .filter(|p| !p.is_empty())
        .filter(|p| p.chars().count() >= 3)
        .count()
        >= 2
}

const PLACE_SUFFIXES: &[&str] = &[
    "省", "市", "县", "区", "旗", "乡", "镇", "村", "街道", "社区",
];

/// A line that only names a place: `平遥县朱坑乡南依涧村`, `山西省孝义市`.
fn is_place_only(text: &str) -> bool {
    let len = text.chars().count();
    let Some(suffix) = PLACE_SUFFIXES.iter().find(|s| text.ends_with(*s)) else {
        return false;
    };
    let head = &text[..text.len() - suffix.len()];
    (3..=14).contains(&len) && head.contains(['省', '市', '县', '区', '旗', '乡', '镇'])
}

/// Splits a place named before a headline: `山西省孝义市 五笔润色绘新景` → (`山西省孝义市`, `五笔润色绘新景`).
fn split_kicker(title: &str) -> (Option<String>, String) {
    if let Some(pos) = title.find([' ', '：', ':', '\u{3000}']) {
        let (head, rest) = title.split_at(pos);
        let rest = rest.trim_start_matches([' ', '：', ':', '\u{3000}']).trim();
        if is_place_only(head) && !rest.is_empty() {
            return (Some(head.to_string()), rest.to_string());
        }
    }
    (None, title.to_string())
}

#[derive(Debug, Default)]
struct Draft {
    kind: Option<ArticleKind>,
    section: Option<String>,
    kicker: Option<String>,
    title: String,
    subtitle: Option<String>,
    authors: Vec<String>,
    paras: Vec<String>,
    start: usize,
    end: usize,
    closed: bool,
}

impl Draft {
    fn caption(para: &Para, authors: Vec<String>) -> Self {
        Draft {
            kind: Some(ArticleKind::Caption),
            title: para.text.clone(),
            paras: vec![para.text.clone()],
            start: para.start,
            end: para.end,
            authors,
            closed: true,
            ..Draft::default()
        }
    }

    fn continues_with(&self, text: &str) -> bool {
        !self.closed
            && self.paras.last().is_some_and(|p| unterminated(p))
            && !text.starts_with("本报讯")
    }
}

#[derive(Debug, Default)]
struct Builder {
    done: Vec<Draft>,
    current: Option<Draft>,
    pending: Vec<(Para, Class)>,
    /// Where the last body paragraph of `current` started, for photo credits.
    last_body: Option<Para>,
}

impl Builder {
    fn push(&mut self, para: Para, class: Class) {
        let open = self
            .current
            .as_ref()
            .is_some_and(|c| !c.closed && c.kind == Some(ArticleKind::Article));
        match class {
            Class::Body => self.body(para),
            Class::ShortSentence if open && self.pending.is_empty() => self.body(para),
            Class::Byline(authors) => {
                self.flush_pending_as_captions();
                match self.current.as_mut().filter(|c| !c.closed) {
                    Some(cur) => {
                        cur.authors = authors;
                        cur.end = para.end;
                        cur.closed = true;
                    }
                    None => self.done.push(Draft::caption(&para, authors)),
                }
            }
            Class::PhotoCredit(authors) => self.photo_credit(&para, authors),
            _ => self.pending.push((para, class)),
        }
    }

    fn body(&mut self, para: Para) {
        let (text, trailing) = match trailing_byline(&para.text) {
            Some((body, authors)) => (body, Some(authors)),
            None => (para.text.clone(), None),
        };
        let continues = self
            .current
            .as_ref()
            .is_some_and(|c| c.continues_with(&text));
        let has_heading = self
            .pending
            .iter()
            .any(|(_, c)| *c == Class::Heading || *c == Class::Subtitle);
        if continues {
            self.take_interjections();
            let cur = self.current.as_mut().expect("continues implies current");
            cur.paras
                .last_mut()
                .expect("continues implies a paragraph")
                .push_str(&text);
            cur.end = para.end;
        } else if self.pending_is_subhead(&text) {
            let (subhead, _) = self.pending.pop().expect("one pending line");
            let cur = self
                .current
                .as_mut()
                .expect("a subhead needs an open article");
            cur.paras.push(subhead.text);
            cur.paras.push(text);
            cur.end = para.end;
        } else if has_heading
            || self.pending_reporter()
            || self.current.as_ref().is_none_or(|c| c.closed)
            || text.starts_with("本报讯")
        {
            self.start_article(&para, text);
        } else {
            self.flush_pending_as_captions();
            let cur = self.current.as_mut().expect("checked above");
            cur.paras.push(text);
            cur.end = para.end;
        }
        self.last_body = Some(para.clone());
        if let (Some(authors), Some(cur)) = (trailing, self.current.as_mut()) {
            cur.authors = authors;
            cur.closed = true;
        }
    }

    /// One headline line inside an open article, followed by body text that does not start a news item
    /// (`本报讯`): a subhead of that article, not a new one.
    fn pending_is_subhead(&self, text: &str) -> bool {
        let open = self
            .current
            .as_ref()
            .is_some_and(|c| !c.closed && c.kind == Some(ArticleKind::Article));
        open && !text.starts_with("本报讯")
            && matches!(&self.pending[..], [(p, Class::Heading)] if !is_place_only(&p.text))
    }

    fn pending_reporter(&self) -> bool {
        self.pending
            .iter()
            .any(|(_, c)| matches!(c, Class::Reporter(_)))
    }

    /// Short lines set into an article that continues after them: a missing headline, or captions.
    fn take_interjections(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let cur = self
            .current
            .as_mut()
            .expect("called while an article continues");
        let needs_title = cur.title.is_empty();
        let title_at = needs_title
            .then(|| {
                let headings = || {
                    pending
                        .iter()
                        .enumerate()
                        .filter(|(_, (_, c))| *c == Class::Heading)
                };
                headings()
                    .find(|(_, (p, _))| is_two_part(&p.text))
                    .or_else(|| headings().next())
                    .map(|(i, _)| i)
            })
            .flatten();
        for (i, (para, class)) in pending.into_iter().enumerate() {
            if Some(i) == title_at {
                self.current.as_mut().expect("current").title = para.text;
            } else if class != Class::Marker {
                self.done.push(Draft::caption(&para, Vec::new()));
            }
        }
    }

    /// Pending short lines become captions; a marker (`资料图片`) or column label inside an open article
    /// stays part of that article's span instead.
    fn flush_pending_as_captions(&mut self) {
        for (para, class) in std::mem::take(&mut self.pending) {
            match self.current.as_mut().filter(|c| !c.closed) {
                // The article's span grows over the marker, so no line is left outside every item.
                Some(cur) if matches!(class, Class::Marker | Class::Column) => {
                    cur.end = cur.end.max(para.end)
                }
                _ => self.done.push(Draft::caption(&para, Vec::new())),
            }
        }
    }

    fn start_article(&mut self, para: &Para, text: String) {
        self.close_current();
        let mut draft = Draft {
            kind: Some(ArticleKind::Article),
            start: para.start,
            end: para.end,
            ..Draft::default()
        };
        let mut headings = Vec::new();
        let mut subtitle_after = None;
        for (p, class) in std::mem::take(&mut self.pending) {
            match class {
                Class::Heading if is_place_only(&p.text) => draft.kicker = Some(p.text.clone()),
                Class::Heading => headings.push(p.clone()),
                Class::Subtitle => {
                    subtitle_after = Some(headings.len());
                    draft.subtitle = Some(p.text.trim_start_matches(['—', ' ']).to_string());
                }
                Class::Reporter(names) => draft.authors.extend(names),
                Class::Column => draft.section = Some(p.text.clone()),
                Class::Caption | Class::ShortSentence => {
                    self.done.push(Draft::caption(&p, Vec::new()))
                }
                Class::Marker | Class::Body | Class::Byline(_) | Class::PhotoCredit(_) => {}
            }
            draft.start = draft.start.min(p.start);
        }
        assign_headline(&mut draft, &headings, subtitle_after);
        draft.paras.push(text);
        self.current = Some(draft);
    }

    /// A photo credit: the body paragraph just before it was a photo caption, not article text.
    fn photo_credit(&mut self, credit: &Para, authors: Vec<String>) {
        self.flush_pending_as_captions();
        let (Some(para), Some(cur)) = (self.last_body.take(), self.current.as_mut()) else {
            self.done.push(Draft::caption(credit, authors));
            return;
        };
        if cur.paras.len() > 1 {
            cur.paras.pop();
            let mut caption = Draft::caption(&para, authors);
            caption.end = credit.end;
            self.done.push(caption);
        } else {
            cur.end = credit.end;
            cur.kind = Some(ArticleKind::Caption);
            if cur.title.is_empty() {
                cur.title = para.text.clone();
            }
            cur.authors = authors;
            cur.closed = true;
        }
    }

    fn close_current(&mut self) {
        if let Some(cur) = self.current.take() {
            self.done.push(cur);
        }
        self.last_body = None;
    }

    fn finish(mut self, file: &str) -> Vec<Article> {
        self.close_current();
        self.flush_pending_as_captions();
        let mut drafts = self.done;
        if !drafts.is_empty() && drafts.iter().all(|d| d.kind != Some(ArticleKind::Article)) {
            // A page of short lines only (a headline and a caption, say) is still one article, not nothing.
            drafts = vec![merge_into_article(drafts)];
        }
        drafts.sort_by_key(|d| d.start);
        let stem = crate::read::file_stem(file);
        let (mut n_articles, mut n_captions) = (0, 0);
        drafts
            .into_iter()
            .map(|d| {
                let kind = d.kind.unwrap_or(ArticleKind::Caption);
                let id = match kind {
                    ArticleKind::Article => {
                        n_articles += 1;
                        format!("{stem}#{n_articles}")
                    }
                    ArticleKind::Caption => {
                        n_captions += 1;
                        format!("{stem}#c{n_captions}")
                    }
                };
                Article {
                    id,
                    file: file.to_string(),
                    line: None,
                    kind,
                    section: d.section,
                    kicker: d.kicker,
                    title: d.title,
                    subtitle: d.subtitle,
                    authors: d.authors,
                    text: d.paras.join("\n"),
                    span: Some((d.start, d.end)),
                    fields: Fields::default(),
                }
            })
            .collect()
    }
}

/// One article from short items: the first line is its title, all lines its text.
fn merge_into_article(mut drafts: Vec<Draft>) -> Draft {
    drafts.sort_by_key(|d| d.start);
    let start = drafts.first().map_or(0, |d| d.start);
    let end = drafts.iter().map(|d| d.end).max().unwrap_or(start);
    let paras: Vec<String> = drafts.iter().flat_map(|d| d.paras.clone()).collect();
    Draft {
        kind: Some(ArticleKind::Article),
        title: paras.first().cloned().unwrap_or_default(),
        authors: drafts.iter().flat_map(|d| d.authors.clone()).collect(),
        paras,
        start,
        end,
        closed: true,
        ..Draft::default()
    }
}

/// Chooses title, subtitle and section from the headline lines above an article (rules in the module doc).
fn assign_headline(draft: &mut Draft, headings: &[Para], subtitle_after: Option<usize>) {
    let texts: Vec<&str> = headings.iter().map(|p| p.text.as_str()).collect();
    let title_index = match subtitle_after {
        Some(n) if n > 0 => Some(n - 1),
        _ if texts.len() >= 2 => {
            let (prev, last) = (texts[texts.len() - 2], texts[texts.len() - 1]);
            if !is_two_part(last) && is_two_part(prev) && draft.subtitle.is_none() {
                draft.subtitle = Some(last.to_string());
                Some(texts.len() - 2)
            } else {
                Some(texts.len() - 1)
            }
        }
        _ => texts.len().checked_sub(1),
    };
    let Some(t) = title_index else { return };
    let banners: Vec<&str> = texts[..t].to_vec();
    if !banners.is_empty() {
        let banner = banners.join(" / ");
        draft.section = Some(match draft.section.take() {
            Some(column) => format!("{banner} / {column}"),
            None => banner,
        });
    }
    let (kicker, title) = split_kicker(texts[t]);
    draft.title = title;
    if kicker.is_some() {
        draft.kicker = kicker;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table record's fields, kept as a sorted slice, are found by name as the record's map held them;
    /// the id and the title have their own places.
    #[test]
    fn a_records_fields_are_found_by_name() {
        let given: BTreeMap<String, String> = [
            ("id", "rmrb/1"),
            ("title", "习近平会见中国女排代表"),
            ("source", "people_daily"),
            ("date", "20191001"),
            ("版次", "01"),
            ("url", "http://example.org/1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let record = Record {
            file: "news.jsonl".into(),
            line: Some(1),
            kind: RecordKind::Article,
            text: "新华社北京9月30日电".into(),
            fields: given.clone(),
        };
        let article = articles_from_records(vec![record]).remove(0);
        assert_eq!(
            (article.id.as_str(), article.title.as_str()),
            ("rmrb/1", "习近平会见中国女排代表")
        );
        let kept: Vec<(&String, &String)> = article.fields.iter().collect();
        let expected: Vec<(&String, &String)> = given
            .iter()
            .filter(|(k, _)| *k != "id" && *k != "title")
            .collect();
        assert_eq!(kept, expected);
        for (name, value) in &expected {
            assert_eq!(article.fields.get(name), Some(*value), "{name}");
        }
        for absent in ["id", "title", "county", "", "sourc", "sources", "版"] {
            assert_eq!(article.fields.get(absent), None, "{absent}");
        }
        assert_eq!(Fields::default().get("date"), None);
    }
}
