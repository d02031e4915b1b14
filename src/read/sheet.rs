//! Spreadsheets (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`), as publicity offices and clipping services export
//! them, read with calamine: a sheet with a header row is read as a CSV file is, a row a record.

use super::{table_record, FieldNames, Input, Parsed, Skipped};
use crate::error::{Error, Result};
use calamine::{Data, Range, Reader};
use std::collections::BTreeMap;
use std::path::Path;

/// Rows tried as a sheet's header, from its first.
const HEADER_ROWS: usize = 5;

/// Extensions of the spreadsheets read (lower case).
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Adds the rows of every sheet of a workbook as records. Rows are numbered as the spreadsheet numbers them.
/// In a workbook of several sheets a row's source is `file#sheet`, and a sheet without the text column (a
/// summary, a chart) is skipped with the reason; the run stops only when no sheet has it.
pub fn read_workbook(
    path: &Path,
    name: &str,
    bytes: Vec<u8>,
    names: &FieldNames,
    input: &mut Input,
) -> Result<()> {
    let sheets = sheets_of(bytes).map_err(|e| {
        Error::input(
            path,
            None,
            format!("not a spreadsheet that can be read: {e}"),
        )
    })?;
    let several = sheets.len() > 1;
    let mut refused = Vec::new();
    for (sheet, cells) in &sheets {
        let source = match several {
            true => format!("{name}#{sheet}"),
            false => name.to_string(),
        };
        let id_prefix = several.then(|| format!("{}#{sheet}", super::file_stem(name)));
        let sheet = Sheet {
            source: &source,
            id_prefix: id_prefix.as_deref(),
            cells,
        };
        if let Err((line, message)) = sheet.read(names, input) {
            refused.push((source, line, message));
        }
    }
    if sheets.is_empty() {
        skip(
            input,
            name.to_string(),
            None,
            "empty workbook: no sheet holds a cell".into(),
        );
    } else if refused.len() == sheets.len() {
        // Named by its sheet when the workbook has several.
        let (source, line, message) = refused.swap_remove(0);
        return Err(Error::input(source, Some(line), message));
    }
    for (source, line, message) in refused {
        skip(
            input,
            source,
            Some(line),
            format!("sheet not read: {message}"),
        );
    }
    Ok(())
}

/// Reports a sheet or workbook skipped, with a warning (left out with `--quiet`).
fn skip(input: &mut Input, source: String, line: Option<usize>, reason: String) {
    if !crate::progress::is_quiet() {
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        eprintln!("warning: {source}{at}: {reason}");
    }
    input.skipped.push(Skipped {
        source,
        line,
        reason,
    });
}

/// The sheets of a workbook that hold cells. calamine panics on some malformed files (index out of range in
/// its `.xls` formula and style tables, as its issue tracker shows): such a panic is caught, silently, and
/// becomes an error that names the file, as any bad input does.
fn sheets_of(bytes: Vec<u8>) -> std::result::Result<Vec<(String, Range<Data>)>, String> {
    let read = || {
        let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(|e| e.to_string())?;
        let sheets = workbook.worksheets().into_iter();
        Ok(sheets.filter(|(_, cells)| !cells.is_empty()).collect())
    };
    quiet_panics::catch(read).unwrap_or_else(|panic| Err(format!("the reader failed: {panic}")))
}

/// Panics caught on purpose, without the message the default hook prints (it would read as a crash).
mod quiet_panics {
    use std::cell::Cell;
    use std::panic::{self, AssertUnwindSafe};

    thread_local! {
        static CATCHING: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `f`; a panic in it becomes `Err` with its message.
    pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let default = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                if !CATCHING.with(Cell::get) {
                    default(info);
                }
            }));
        });
        CATCHING.with(|c| c.set(true));
        let caught = panic::catch_unwind(AssertUnwindSafe(f));
        CATCHING.with(|c| c.set(false));
        caught.map_err(|panic| {
            let message = panic.downcast_ref::<&str>().map(|s| s.to_string());
            message
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into())
        })
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn a_panic_becomes_an_error_and_the_next_one_outside_still_panics() {
            let caught = super::catch(|| -> u8 { panic!("index 4 out of range") });
            assert_eq!(caught, Err("index 4 out of range".to_string()));
            assert_eq!(super::catch(|| 7), Ok(7));
            assert!(std::panic::catch_unwind(|| panic!("still a panic")).is_err());
        }
    }
}

/// One sheet's cells, and the names its rows go by.
struct Sheet<'a> {
    source: &'a str,
    /// Ids of rows that have none, in a workbook of several sheets: `file#sheet:row`, so that two sheets'
    /// rows do not share one.
    id_prefix: Option<&'a str>,
    cells: &'a Range<Data>,
}

impl Sheet<'_> {
    /// Adds the sheet's rows; its header row and why, when the header has no text column.
    /// Adds the sheet's rows; the header's row and why, when no row fit to be the header has the text
    /// column. The header is the first of the first [`HEADER_ROWS`] rows that has it: exports often put a
    /// title row above it (a merged cell, `2019年稿件统计表`).
    fn read(
        &self,
        names: &FieldNames,
        input: &mut Input,
    ) -> std::result::Result<(), (usize, String)> {
        let first_row = self.cells.start().map_or(0, |(row, _)| row as usize) + 1;
        let rows: Vec<(&[Data], usize)> = self.cells.rows().zip(first_row..).collect();
        let mut refused = Vec::new();
        for (at, &(header, line)) in rows.iter().enumerate().take(HEADER_ROWS) {
            let columns: Vec<String> = header.iter().map(cell_text).collect();
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            match names.header(&columns) {
                Ok(fields) => {
                    self.read_rows(names, &columns, &fields, &rows[at + 1..], input);
                    return Ok(());
                }
                Err(message) => {
                    let filled = columns.iter().filter(|c| !c.trim().is_empty()).count();
                    refused.push((line, message, filled));
                }
            }
        }
        // The first row that looks like a header (more than a title's one cell) says best what is missing.
        let shown = refused.iter().position(|r| r.2 > 1).unwrap_or(0);
        match refused.into_iter().nth(shown) {
            Some((line, message, _)) => Err((line, message)),
            None => Ok(()),
        }
    }

    fn read_rows(
        &self,
        names: &FieldNames,
        columns: &[&str],
        fields: &[&str],
        rows: &[(&[Data], usize)],
        input: &mut Input,
    ) {
        for &(row, line) in rows {
            if row.iter().all(|cell| cell_text(cell).trim().is_empty()) {
                continue; // a row left blank holds nothing to report
            }
            match self.record(names, columns, fields, row, line) {
                Parsed::Record(r) => input.records.push(r),
                Parsed::Skipped(s) => input.skipped.push(s),
            }
        }
    }

    fn record(
        &self,
        names: &FieldNames,
        columns: &[&str],
        fields: &[&str],
        row: &[Data],
        line: usize,
    ) -> Parsed {
        let mut kept = BTreeMap::new();
        let mut text = String::new();
        for ((_, &field), cell) in columns.iter().zip(fields).zip(row) {
            let value = cell_text(cell);
            if field == "text" {
                text = value;
            } else if !value.is_empty() {
                kept.insert(field.to_string(), value);
            }
        }
        if let Some(prefix) = self.id_prefix {
            kept.entry("id".to_string())
                .or_insert_with(|| format!("{prefix}:{line}"));
        }
        table_record(self.source, line, names, text, kept)
    }
}

/// A cell as text, as the spreadsheet shows it: whole numbers without `.0` (ids, years), dates as
/// `2025-10-01` (with the time when it has one), error cells (`#N/A`) as nothing.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
            match (hour, minute, second) {
                (0, 0, 0) => format!("{year:04}-{month:02}-{day:02}"),
                _ => format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"),
            }
        }
        Data::DateTime(d) => d.as_f64().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_read_as_the_spreadsheet_shows_them() {
        let date = |serial| {
            Data::DateTime(ExcelDateTime::new(
                serial,
                ExcelDateTimeType::DateTime,
                false,
            ))
        };
        assert_eq!(cell_text(&Data::Float(20191001.0)), "20191001");
        assert_eq!(cell_text(&Data::Float(0.25)), "0.25");
        assert_eq!(cell_text(&Data::Int(-3)), "-3");
        assert_eq!(cell_text(&date(43739.0)), "2019-10-01");
        assert_eq!(cell_text(&date(43739.5)), "2019-10-01 12:00:00");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "");
        assert_eq!(cell_text(&Data::String("平遥县".into())), "平遥县");
    }
}
