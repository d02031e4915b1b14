//! JSON records: a line of a `.jsonl` file, or a record of a `.json` array.

use super::json_stream::{characters, Cut, Next, Records};
use super::{push_parsed, skip_file, table_record, FieldNames, Input, Parsed, Skipped};
use crate::error::{Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// A JSONL file read whole: one that is not streamed (see `open_stream`).
pub(super) fn read_jsonl(
    path: &Path,
    name: &str,
    text: &str,
    fields: &FieldNames,
    input: &mut Input,
) -> Result<()> {
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let last = lines.peek().is_none();
        if let Some(parsed) = parse_jsonl_line(path, name, fields, i + 1, line, last)? {
            push_parsed(input, parsed);
        }
    }
    Ok(())
}

/// One JSONL line: a record, a record skipped for an empty text, nothing for a blank line, or an error
/// (not JSON, not an object, no `text`) that stops the run. The file's `last` line is skipped instead when
/// it ends inside its object: a crawler stopped while writing leaves such a line, and the records before it
/// are whole.
pub(super) fn parse_jsonl_line(
    path: &Path,
    name: &str,
    names: &FieldNames,
    line_no: usize,
    line: &str,
    last: bool,
) -> Result<Option<Parsed>> {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str(line) {
        Ok(value) => object_record(path, name, names, line_no, value).map(Some),
        Err(e) if last && e.is_eof() => Ok(Some(cut_off(name, line_no))),
        Err(e) => Err(Error::input(path, Some(line_no), not_json(&e, line, 0))),
    }
}

/// A record that the end of the file cuts off, skipped.
fn cut_off(name: &str, line: usize) -> Parsed {
    Parsed::Skipped(Skipped {
        source: name.to_string(),
        line: Some(line),
        reason: "cut off: the file ends inside this record (was it still being written?)".into(),
    })
}

/// A JSON value that should be an object with the text: a record, or one skipped for an empty text.
fn object_record(
    path: &Path,
    name: &str,
    names: &FieldNames,
    line_no: usize,
    value: Value,
) -> Result<Parsed> {
    let Value::Object(map) = value else {
        return Err(Error::input(
            path,
            Some(line_no),
            "expected a JSON object with a `text` field",
        ));
    };
    names
        .check_keys(&map)
        .map_err(|message| Error::input(path, Some(line_no), message))?;
    let mut fields = BTreeMap::new();
    let mut text = String::new();
    for (key, value) in map {
        let value = match value {
            Value::String(s) => s,
            Value::Null => continue,
            other => other.to_string(),
        };
        match names.field_of(&key) {
            "text" => text = value,
            field => {
                fields.insert(field.to_string(), value);
            }
        }
    }
    Ok(table_record(name, line_no, names, text, fields))
}

/// A `.json` file: an array of objects (as scrapy's `-o items.json` writes it), or one object, read from
/// `reader` (UTF-8) a record at a time and handed to `each` `chunk` records at a time (at least once), each
/// chunk's records parsed in parallel: an array larger than memory streams as JSONL does. Each record is
/// numbered by the line it starts on, so that errors and skips point into the file as in JSONL.
/// A file whose first record is no article (an `index.json` beside the pages of a folder) is skipped whole,
/// with a warning, instead of stopping the run; a later record without text stops it, as in JSONL. A last
/// record that the end of the file cuts off is skipped; an array left open after whole records is read,
/// with a warning.
pub(super) fn read_json(
    path: &Path,
    name: &str,
    reader: impl BufRead,
    names: &FieldNames,
    chunk: usize,
    each: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let mut records = Records::new(reader);
    let mut first = true;
    loop {
        let (cuts, next) = cut_records(path, &mut records, chunk)?;
        let cut_off = cuts.last().is_some_and(|c| !c.whole);
        let numbered: Vec<(usize, Cut)> = cuts.into_iter().enumerate().collect();
        let parsed: Vec<Result<Element>> = super::map_records(numbered, |(i, cut)| {
            parse_record(path, name, names, cut, first && i == 0)
        });
        first = false;
        let mut input = Input::default();
        for element in parsed {
            match element? {
                Element::Parsed(parsed) => push_parsed(&mut input, parsed),
                Element::NotArticles(reason) => {
                    let reason = format!("not a file of articles: its first record {reason}");
                    skip_file(&mut input, name.to_string(), reason);
                    return each(input);
                }
            }
        }
        match next {
            None => each(input)?,
            Some(end) => {
                ended(path, end, cut_off)?;
                return each(input);
            }
        }
    }
}

/// What ended a file's records: an error of layout, or the end of the file, with a warning when an array
/// was left open after whole records.
fn ended(path: &Path, end: Next, cut_off: bool) -> Result<()> {
    match end {
        Next::Unexpected { line, message } => Err(Error::input(path, Some(line), message)),
        Next::Open if !cut_off && !crate::progress::is_quiet() => {
            let name = path.display();
            eprintln!(
                "warning: {name}: the array ends without `]` (cut off while written?); \
                 its whole records were read"
            );
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The next `chunk` records, or fewer and what ended them (the end of the file or an error of layout).
fn cut_records(
    path: &Path,
    records: &mut Records<impl BufRead>,
    chunk: usize,
) -> Result<(Vec<Cut>, Option<Next>)> {
    let mut cuts = Vec::new();
    while cuts.len() < chunk {
        match records.next().map_err(|e| Error::io(path, e))? {
            Next::Record(cut) if cut.whole => cuts.push(cut),
            Next::Record(cut) => {
                cuts.push(cut);
                return Ok((cuts, Some(Next::Open)));
            }
            end => return Ok((cuts, Some(end))),
        }
    }
    Ok((cuts, None))
}

/// A record of a `.json` file parsed, or why its first record shows that it is no file of articles.
enum Element {
    Parsed(Parsed),
    NotArticles(String),
}

fn parse_record(
    path: &Path,
    name: &str,
    names: &FieldNames,
    cut: Cut,
    first: bool,
) -> Result<Element> {
    let Ok(text) = std::str::from_utf8(&cut.bytes) else {
        return Ok(Element::Parsed(Parsed::Skipped(Skipped {
            source: name.to_string(),
            line: Some(cut.line),
            reason: super::not_valid(encoding_rs::UTF_8),
        })));
    };
    match serde_json::from_str::<Value>(text) {
        Ok(value) => match no_article(&value, names) {
            Some(reason) if first => Ok(Element::NotArticles(reason)),
            _ => object_record(path, name, names, cut.line, value).map(Element::Parsed),
        },
        Err(e) if !cut.whole && e.is_eof() => Ok(Element::Parsed(cut_off(name, cut.line))),
        Err(e) => {
            let line = cut.line + e.line().max(1) - 1;
            Err(Error::input(
                path,
                Some(line),
                not_json(&e, text, cut.column),
            ))
        }
    }
}

/// Why a JSON value is not an article, if it is not.
fn no_article(value: &Value, names: &FieldNames) -> Option<String> {
    match value {
        Value::Object(map) => names.check_keys(map).err().map(|e| format!("has {e}")),
        _ => Some("is not a JSON object".into()),
    }
}

/// serde_json's message, its place given as the column of the line the error names, in characters as an
/// editor counts them (serde_json counts bytes, three to a Chinese character, and counts lines from where it
/// started, which in a JSONL line or a record of an array is not the file's start). `text` is what was
/// parsed, and `column` the characters before it on its first line.
fn not_json(e: &serde_json::Error, text: &str, column: usize) -> String {
    let message = e.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    if e.column() == 0 {
        return format!("not valid JSON: {message}");
    }
    let line_start = match e.line() {
        0 | 1 => 0,
        n => memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(n - 2)
            .map_or(text.len(), |at| at + 1),
    };
    let before = &text.as_bytes()[line_start..];
    let before = &before[..(e.column() - 1).min(before.len())];
    let column = characters(before) + 1 + if e.line() <= 1 { column } else { 0 };
    format!("not valid JSON: {message} at column {column}")
}
