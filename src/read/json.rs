//! JSON records: a line of a `.jsonl` file, or a record of a `.json` array.

use super::{push_parsed, skip_file, table_record, FieldNames, Input, Parsed, Skipped};
use crate::error::{Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;
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
        Err(e) => Err(Error::input(path, Some(line_no), not_json(&e, 0))),
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

/// A `.json` file: an array of objects (as scrapy's `-o items.json` writes it), or one object. Each record is
/// numbered by the line it starts on, so that errors and skips point into the file as in JSONL. Read whole:
/// an array cannot be cut at newlines as JSONL is, so corpora larger than memory should come as JSONL.
/// A file whose first record is no article (an `index.json` beside the pages of a folder) is skipped whole,
/// with a warning, instead of stopping the run; a later record without text stops it, as in JSONL.
pub(super) fn read_json(
    path: &Path,
    name: &str,
    text: &str,
    names: &FieldNames,
    input: &mut Input,
) -> Result<()> {
    let bytes = text.as_bytes();
    let mut lines = LineCounter::default();
    let mut at = skip_whitespace(bytes, 0);
    let in_array = bytes.get(at) == Some(&b'[');
    if in_array {
        at = skip_whitespace(bytes, at + 1);
    }
    let mut first = true;
    while at < bytes.len() && !(in_array && bytes[at] == b']') {
        let line = lines.line_at(bytes, at);
        let Some((value, end)) = value_at(path, text, at, line)? else {
            push_parsed(input, cut_off(name, line));
            return Ok(());
        };
        if std::mem::take(&mut first) {
            if let Some(reason) = no_article(&value, names) {
                let reason = format!("not a file of articles: its first record {reason}");
                skip_file(input, name.to_string(), reason);
                return Ok(());
            }
        }
        push_parsed(input, object_record(path, name, names, line, value)?);
        at = skip_whitespace(bytes, end);
        let message = match (in_array, bytes.get(at)) {
            (true, Some(b',')) => {
                at = skip_whitespace(bytes, at + 1);
                continue;
            }
            (true, Some(b']')) | (false, None) => continue,
            (true, _) => "expected `,` or `]` after a record of the array",
            (false, Some(_)) => {
                "more than one JSON value: give an array of objects, or JSONL (one object a line)"
            }
        };
        return Err(Error::input(path, Some(lines.line_at(bytes, at)), message));
    }
    match in_array {
        true => array_closed(path, bytes, at, &mut lines),
        false => Ok(()),
    }
}

/// The JSON value that starts at byte `at` (on line `line`) and the byte after it, or None when the file
/// ends inside it.
fn value_at(path: &Path, text: &str, at: usize, line: usize) -> Result<Option<(Value, usize)>> {
    let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
    match values.next() {
        Some(Ok(value)) => Ok(Some((value, at + values.byte_offset()))),
        Some(Err(e)) if e.is_eof() => Ok(None),
        Some(Err(e)) => {
            let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1);
            let (line, column) = match e.line() {
                0 | 1 => (line, column),
                later => (line + later - 1, 0),
            };
            Err(Error::input(path, Some(line), not_json(&e, column)))
        }
        // `at` is at a character that is not whitespace, so a value or an error starts there.
        None => Err(Error::input(path, Some(line), "a JSON value was expected")),
    }
}

/// Checks that nothing follows the array's `]` (at `at`, where the records stopped). An array that the end
/// of the file leaves open (`at` is past the end) only has a warning: its records are whole, but the file
/// may have been cut off while it was written.
fn array_closed(path: &Path, bytes: &[u8], at: usize, lines: &mut LineCounter) -> Result<()> {
    if at >= bytes.len() {
        if !crate::progress::is_quiet() {
            let name = path.display();
            eprintln!(
                "warning: {name}: the array ends without `]` (cut off while written?); \
                 its whole records were read"
            );
        }
        return Ok(());
    }
    let after = skip_whitespace(bytes, at + 1);
    if after < bytes.len() {
        let line = lines.line_at(bytes, after);
        return Err(Error::input(
            path,
            Some(line),
            "something follows the array's `]`",
        ));
    }
    Ok(())
}

/// Why a JSON value is not an article, if it is not.
fn no_article(value: &Value, names: &FieldNames) -> Option<String> {
    match value {
        Value::Object(map) => names.check_keys(map).err().map(|e| format!("has {e}")),
        _ => Some("is not a JSON object".into()),
    }
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// serde_json's message, its place given as the column of the line the error names (serde_json counts lines
/// from where it started, which in a JSONL line or a record of an array is not the file's start); `column` is
/// where it started in that line, when the error is on its first line.
fn not_json(e: &serde_json::Error, column: usize) -> String {
    let message = e.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    match e.column() {
        0 => format!("not valid JSON: {message}"),
        c => format!("not valid JSON: {message} at column {}", column + c),
    }
}

/// Line numbers of byte offsets that only grow, counted once.
#[derive(Default)]
struct LineCounter {
    at: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], at: usize) -> usize {
        self.newlines += bytes[self.at..at].iter().filter(|&&b| b == b'\n').count();
        self.at = at;
        self.newlines + 1
    }
}
