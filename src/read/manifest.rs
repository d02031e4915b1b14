//! Sidecar manifests: the date, source and county of `.txt` pages.

use super::Input;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Metadata for `.txt` pages from a sidecar manifest: a CSV with a header (`file` and any of `date`, `source`,
/// `county`, …) or a TOML file of `[[page]]` tables with the same keys. A page matches an entry by its path,
/// a path ending in the entry, or its file name.
pub fn apply_manifest(input: &mut Input, path: &Path) -> Result<usize> {
    Ok(apply_manifest_entries(input, &read_manifest(path)?))
}

/// The entries of a manifest file (see [`apply_manifest`]).
pub fn read_manifest(path: &Path) -> Result<Vec<ManifestEntry>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        toml_manifest(path, &text)
    } else {
        csv_manifest(path, &text)
    }
}

/// Gives the pages of `input` the fields of their manifest entries; returns how many pages matched. A
/// compressed page (`p1.txt.gz`) matches its entry with or without `.gz`.
pub fn apply_manifest_entries(input: &mut Input, entries: &[ManifestEntry]) -> usize {
    let mut applied = 0;
    for record in input.records.iter_mut().filter(|r| r.kind.is_file()) {
        let plain = super::source::uncompressed(&record.file);
        let names = [record.file.as_str(), plain];
        let hit = entries
            .iter()
            .find(|(entry, _)| names.iter().any(|name| names_entry(name, entry)));
        if let Some((_, fields)) = hit {
            record.fields.extend(fields.clone());
            applied += 1;
        }
    }
    applied
}

/// Whether a page's path is the entry's: the same path, a path ending in it, or the same file name.
fn names_entry(path: &str, entry: &str) -> bool {
    path == entry
        || path.ends_with(&format!("/{entry}"))
        || Path::new(path).file_name().is_some_and(|n| n == entry)
}

pub type ManifestEntry = (String, BTreeMap<String, String>);

fn csv_manifest(path: &Path, text: &str) -> Result<Vec<ManifestEntry>> {
    let mut reader =
        csv::Reader::from_reader(text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::input(path, Some(1), format!("cannot read the header: {e}")))?
        .clone();
    if !headers.iter().any(|h| h == "file") {
        return Err(Error::input(
            path,
            Some(1),
            "the manifest header has no `file` column",
        ));
    }
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            Error::input(
                path,
                e.position().map(|p| p.line() as usize),
                format!("bad CSV row: {e}"),
            )
        })?;
        let mut fields: BTreeMap<String, String> = headers
            .iter()
            .zip(row.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        let file = fields.remove("file").unwrap_or_default();
        out.push((file, fields));
    }
    Ok(out)
}

fn toml_manifest(path: &Path, text: &str) -> Result<Vec<ManifestEntry>> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(default)]
        page: Vec<BTreeMap<String, toml::Value>>,
    }
    let m: Manifest = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        Error::input(
            path,
            line,
            format!(
                "not a manifest ({}); expected [[page]] tables with `file`",
                e.message()
            ),
        )
    })?;
    m.page
        .into_iter()
        .enumerate()
        .map(|(i, table)| {
            let mut fields: BTreeMap<String, String> = table
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect();
            let file = fields.remove("file").ok_or_else(|| {
                Error::input(
                    path,
                    None,
                    format!("[[page]] number {} has no `file`", i + 1),
                )
            })?;
            Ok((file, fields))
        })
        .collect()
}

/// Gives every page without a date this one (`--date`).
pub fn default_page_date(input: &mut Input, date: &str) {
    for record in input.records.iter_mut().filter(|r| r.kind.is_file()) {
        record
            .fields
            .entry("date".into())
            .or_insert_with(|| date.to_string());
    }
}
