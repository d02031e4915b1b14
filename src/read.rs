//! Reading input: `.txt` newspaper pages, `.jsonl`, `.json` and `.csv` records, from files or directories.
//!
//! A page is handed to [`crate::split`] to be cut into articles; a JSONL, JSON or CSV record is one article.

mod fields;
mod json;
mod json_stream;
mod manifest;
mod sheet;
pub use sheet::read_workbook;
mod source;

use crate::error::{Error, Result};
use encoding_rs::Encoding;
pub use fields::FieldNames;
pub use manifest::{
    apply_manifest, apply_manifest_entries, default_page_date, read_manifest, ManifestEntry,
};
use source::Source;
pub use source::{file_stem, STDIN};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One unit of input before splitting: a whole page, or one record of a table.
#[derive(Debug, Clone)]
pub struct Record {
    /// The file it came from, as the user named it (or `seeds/…` for the bundled pages).
    pub file: String,
    /// 1-based line (JSONL) or record line (CSV); `None` for a page.
    pub line: Option<usize>,
    pub kind: RecordKind,
    pub text: String,
    /// Every field of a JSONL/CSV record but `text`, kept as given (under the names `--field` gives them).
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A `.txt` page that holds several articles.
    Page,
    /// A `.txt` file that holds one article (`--txt article`).
    ArticleFile,
    /// A JSONL or CSV record that is one article.
    Article,
}

impl RecordKind {
    /// A whole `.txt` file, which a manifest and `--date` describe.
    pub fn is_file(self) -> bool {
        matches!(self, RecordKind::Page | RecordKind::ArticleFile)
    }
}

/// What a `.txt` file holds (`--txt`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TxtFile {
    /// A newspaper page, split into its articles.
    #[default]
    Page,
    /// One article, as scraped articles are saved: its first line is the title when it reads as one.
    Article,
}

/// Something the user gave that is not analysed, with the reason.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Skipped {
    pub source: String,
    pub line: Option<usize>,
    pub reason: String,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Input {
    pub records: Vec<Record>,
    pub skipped: Vec<Skipped>,
    pub files: Vec<String>,
}

const EXTENSIONS: [&str; 9] = [
    "txt", "jsonl", "json", "csv", "xlsx", "xlsm", "xls", "xlsb", "ods",
];

/// How input files are read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Decode every file with this encoding instead of detecting each file's.
    pub encoding: Option<&'static Encoding>,
    /// Fields that JSONL and CSV files hold under other names.
    pub fields: FieldNames,
    /// What a `.txt` file holds.
    pub txt: TxtFile,
    /// The folder the reports go to: not read when a folder of inputs holds it, so that a second run does
    /// not take the first one's reports for input.
    pub reports: Option<PathBuf>,
    /// What standard input holds, when told (`--stdin-as`); else JSONL or a JSON array, by its first
    /// character.
    pub stdin_as: Option<InputKind>,
}

/// A kind of input, as its file's extension names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// A newspaper page (or one article, with `--txt article`).
    Txt,
    /// One JSON record a line.
    Jsonl,
    /// A JSON array of records.
    Json,
    /// A table with a header row.
    Csv,
}

impl InputKind {
    fn extension(self) -> &'static str {
        match self {
            InputKind::Txt => "txt",
            InputKind::Jsonl => "jsonl",
            InputKind::Json => "json",
            InputKind::Csv => "csv",
        }
    }
}

/// Reads files and directories (recursively) whole. Records are put in order of file path and line, so that
/// the output does not depend on the order the inputs were named in. `options.encoding` forces one encoding;
/// without it, each file's is detected. [`read_chunks`] does the same a chunk at a time.
pub fn read_inputs(paths: &[PathBuf], options: &ReadOptions) -> Result<Input> {
    let mut input = Input::default();
    read_chunks(paths, options, usize::MAX, |chunk| {
        input.records.extend(chunk.records);
        input.skipped.extend(chunk.skipped);
        input.files.extend(chunk.files);
        Ok(())
    })?;
    input
        .skipped
        .sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
    Ok(input)
}

/// Reads the inputs in order of file path and line, handing `each` at most `chunk` records at a time, so
/// that a corpus larger than memory can be read: JSONL and CSV files are streamed record by record (in
/// UTF-8, GB18030, UTF-16 or any encoding where a newline byte is a newline), `.json` files too in UTF-8 and
/// UTF-16; pages are read whole, then handed on in chunks. Reading and parsing run on
/// their own thread, one chunk ahead of `each`, so that the next chunk is parsed while this one is worked
/// on instead of leaving a core idle.
pub fn read_chunks(
    paths: &[PathBuf],
    options: &ReadOptions,
    chunk: usize,
    mut each: impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let files = input_files(paths, options.reports.as_deref())?;
    std::thread::scope(|scope| {
        // A rendezvous channel: the reader parses the next chunk while this one is worked on, then waits, so
        // that at most two chunks are in memory.
        let (send, chunks) = std::sync::mpsc::sync_channel::<Input>(0);
        let reader = scope.spawn(move || {
            read_files(&files, options, chunk, &mut |input| {
                // The receiver is gone only when `each` failed; its error is the one reported.
                send.send(input)
                    .map_err(|_| Error::Usage("reading stopped".into()))
            })
        });
        let worked = chunks.iter().try_for_each(&mut each);
        drop(chunks);
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        worked.and(read)
    })
}

fn read_files(
    files: &[PathBuf],
    options: &ReadOptions,
    chunk: usize,
    each: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| f.metadata().map_or(0, |m| m.len()))
        .collect();
    // Standard input's length is not known beforehand.
    let total = match files.iter().any(|f| source::is_stdin(f)) {
        true => None,
        false => Some(sizes.iter().sum()),
    };
    let reading = Reading {
        options,
        chunk,
        bar: crate::progress::bytes_bar(total, "analysing"),
    };
    let mut gathered = Gathered::default();
    let mut add = |input: Input| gathered.add(input, chunk, each);
    for (file, size) in files.iter().zip(sizes) {
        read_input(file, size, &reading, &mut add)?;
    }
    gathered.hand_on(chunk, each)?;
    reading.bar.finish_and_clear();
    Ok(())
}

/// Reads one input: streamed when it is JSONL, JSON or CSV in an encoding that allows it, else whole.
fn read_input(
    path: &Path,
    size: u64,
    reading: &Reading,
    add: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    use std::io::{BufRead, Read};
    let options = reading.options;
    let mut input = Input::default();
    let named = extension(path);
    if named.is_some_and(|kind| sheet::EXTENSIONS.contains(&kind)) {
        // Spreadsheets are zip archives (or binary), read whole.
        let name = path.display().to_string();
        input.files.push(name.clone());
        sheet::read_workbook(
            path,
            &name,
            source::read_all(path)?,
            &options.fields,
            &mut input,
        )?;
        reading.bar.inc(size);
        return add(input);
    }
    if named == Some("txt") {
        // Pages are small: read in one go, without a buffer to copy them through.
        read_bytes(path, "txt", source::read_all(path)?, options, &mut input)?;
        reading.bar.inc(size);
        return add(input);
    }
    let bar = reading.bar.clone();
    let mut source = source::open(path, STREAM_HEAD, move |n| bar.inc(n))?;
    let kind = match named {
        Some(kind) => kind,
        None => stdin_kind(&mut source, options.stdin_as)?,
    };
    let Some(encoding) =
        stream_encoding(&mut source, kind, options.encoding).map_err(|e| Error::io(path, e))?
    else {
        let mut bytes = Vec::new();
        source
            .reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        read_bytes(path, kind, bytes, options, &mut input)?;
        return add(input);
    };
    let reader: Box<dyn BufRead> = match is_utf16(encoding) {
        true => Box::new(std::io::BufReader::new(Utf16AsUtf8::new(
            source.reader,
            encoding,
        ))),
        false => source.reader,
    };
    match kind {
        "jsonl" => stream_jsonl(path, reader, encoding, reading, add),
        "json" => stream_json(path, reader, reading, add),
        _ => stream_csv(path, reader, encoding, reading, add),
    }
}

/// What standard input holds: `--stdin-as`, or else JSONL or a JSON array, told by their first character.
fn stdin_kind(source: &mut Source, given: Option<InputKind>) -> Result<&'static str> {
    use std::io::BufRead;
    if let Some(kind) = given {
        return Ok(kind.extension());
    }
    let head = source.reader.fill_buf().map_err(|e| Error::io(STDIN, e))?;
    // Past byte-order marks, UTF-16's NUL bytes and blank space.
    let first = head
        .iter()
        .find(|b| !b" \t\r\n\0\xEF\xBB\xBF\xFE\xFF".contains(b));
    match first {
        // `{` alone on its line starts a pretty-printed object (`jq .`), which no JSONL line is.
        Some(&b'{') if alone_on_its_line(head, b'{') => Ok("json"),
        Some(b'{') | None => Ok("jsonl"),
        Some(b'[') => Ok("json"),
        Some(_) => Err(Error::input(
            STDIN,
            None,
            "standard input does not start with { (JSONL) or [ (a JSON array): say what it holds with --stdin-as csv or --stdin-as txt",
        )),
    }
}

/// Whether nothing but blank space (or UTF-16's NUL bytes) follows the first `byte` of `head` on its line.
fn alone_on_its_line(head: &[u8], byte: u8) -> bool {
    let Some(at) = head.iter().position(|&b| b == byte) else {
        return false;
    };
    let rest = &head[at + 1..];
    match rest.iter().position(|&b| b == b'\n') {
        Some(end) => rest[..end].iter().all(|b| b" \t\r\0".contains(b)),
        None => false,
    }
}

/// What the files of one reading share.
struct Reading<'a> {
    options: &'a ReadOptions,
    /// Records handed on at once.
    chunk: usize,
    /// Bytes read, moved as streamed files are read: a single file of gigabytes takes minutes.
    bar: indicatif::ProgressBar,
}

/// Records of small files gathered until they make a chunk ([`Gathered::add`]): handed on file by file, a
/// folder of 10,000 pages was segmented a page at a time, on one core, and took twice as long as the same
/// articles in one JSONL file; 3,416 JSONL files of 10 lines took 2.8 s where one took 2.1.
#[derive(Default)]
struct Gathered {
    input: Input,
    text: usize,
}

/// Text handed on at once at most, about that of a chunk of JSONL news (4,096 records of news_34k hold
/// 9 MB): pages hold several articles each.
const GATHERED_TEXT: usize = 16 << 20;

impl Gathered {
    /// Adds what a file (or a chunk of a large one) gave, in path order, and hands on what is gathered once it
    /// holds `chunk` records or [`GATHERED_TEXT`] bytes of text.
    fn add(
        &mut self,
        input: Input,
        chunk: usize,
        each: &mut impl FnMut(Input) -> Result<()>,
    ) -> Result<()> {
        self.text += input.records.iter().map(|r| r.text.len()).sum::<usize>();
        self.input.records.extend(input.records);
        self.input.skipped.extend(input.skipped);
        self.input.files.extend(input.files);
        if self.input.records.len() >= chunk || self.text >= GATHERED_TEXT {
            self.hand_on(chunk, each)?;
        }
        Ok(())
    }

    /// Hands on what is gathered, if anything.
    fn hand_on(&mut self, chunk: usize, each: &mut impl FnMut(Input) -> Result<()>) -> Result<()> {
        let Input {
            records,
            skipped,
            files,
        } = &self.input;
        if records.is_empty() && skipped.is_empty() && files.is_empty() {
            return Ok(());
        }
        self.text = 0;
        hand_on(std::mem::take(&mut self.input), chunk, each)
    }
}

/// Every file the paths name, sorted by name; a directory must hold at least one input file. A folder
/// `reports` under a directory is passed over, with a note. `-` is standard input, named [`STDIN`].
pub fn input_files(paths: &[PathBuf], reports: Option<&Path>) -> Result<Vec<PathBuf>> {
    let reports = reports.and_then(|r| std::fs::canonicalize(r).ok());
    let mut all = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            all.push(PathBuf::from(STDIN));
        } else if path.is_dir() {
            let (files, others) = files_under(path, reports.as_deref())?;
            note_others(path, &others);
            if files.is_empty() {
                return Err(Error::input(
                    path,
                    None,
                    "no .txt, .jsonl, .json, .csv or spreadsheet (.xlsx, .xls, .ods) files in this directory",
                ));
            }
            all.extend(files);
        } else if path.exists() {
            if extension(path).is_none() {
                return Err(Error::input(
                    path,
                    None,
                    "unsupported file type: give .txt pages, or .jsonl, .json, .csv or .xlsx (.xls, .ods) records",
                ));
            }
            all.push(path.clone());
        } else {
            return Err(Error::input(path, None, "no such file or directory"));
        }
    }
    all.sort_by_cached_key(|p| p.display().to_string());
    all.dedup();
    Ok(all)
}

fn hand_on(
    mut input: Input,
    chunk: usize,
    each: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let mut first = true;
    while first || !input.records.is_empty() {
        let rest = input.records.split_off(chunk.min(input.records.len()));
        each(Input {
            records: std::mem::replace(&mut input.records, rest),
            skipped: std::mem::take(&mut input.skipped),
            files: std::mem::take(&mut input.files),
        })?;
        first = false;
    }
    Ok(())
}

/// The encoding a JSONL, JSON or CSV input is streamed in, its byte-order mark consumed: the forced one, the
/// mark's, UTF-8 when the head is, or else chardetng's guess from the head. A UTF-16 input is then
/// transcoded to UTF-8 (see [`Utf16AsUtf8`]), so that its records too are cut at newline bytes. `None`,
/// having consumed nothing, for an input to be read whole: a page, one that looks binary, one in an
/// encoding that is neither (ISO-2022-JP), or a JSON array in GBK or Big5, where the second byte of a
/// character can be a backslash or a bracket, which would mislead the cutting of records.
fn stream_encoding(
    source: &mut Source,
    kind: &str,
    forced: Option<&'static Encoding>,
) -> std::io::Result<Option<&'static Encoding>> {
    use std::io::BufRead;
    if kind == "txt" {
        return Ok(None);
    }
    let whole = source.size.is_some_and(|s| s <= STREAM_HEAD as u64);
    let head = source.reader.fill_buf()?;
    let (encoding, bom) = match (Encoding::for_bom(head), forced) {
        (Some((marked, bom)), forced) => (forced.unwrap_or(marked), bom),
        (None, Some(forced)) if is_utf16(forced) => (forced, 0),
        (None, _) if head.contains(&0) => return Ok(None),
        (None, Some(forced)) => (forced, 0),
        (None, None) if looks_like_utf8(head) => (encoding_rs::UTF_8, 0),
        (None, None) => {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(head, whole);
            (detector.guess(Some(b"cn"), false), 0)
        }
    };
    let streams = match kind {
        "json" => encoding == encoding_rs::UTF_8 || is_utf16(encoding),
        _ => encoding.is_ascii_compatible() || is_utf16(encoding),
    };
    if streams {
        source.reader.consume(bom);
    }
    Ok(streams.then_some(encoding))
}

fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE
}

/// A UTF-16 file read as UTF-8, a buffer at a time. A sequence that is not UTF-16 (a lone surrogate)
/// becomes the byte 0xFF, which is never UTF-8, so that the line or row that holds it is skipped alone, as
/// a bad line of a GB18030 file is. Newlines stay where they were, and so do line numbers.
struct Utf16AsUtf8<R> {
    utf16: R,
    decoder: encoding_rs::Decoder,
    utf8: Vec<u8>,
    at: usize,
    ended: bool,
}

impl<R: std::io::BufRead> Utf16AsUtf8<R> {
    fn new(utf16: R, encoding: &'static Encoding) -> Self {
        Utf16AsUtf8 {
            utf16,
            decoder: encoding.new_decoder_without_bom_handling(),
            utf8: Vec::new(),
            at: 0,
            ended: false,
        }
    }

    /// Transcodes the next buffer of the file.
    fn refill(&mut self) -> std::io::Result<()> {
        use encoding_rs::DecoderResult;
        let utf16 = self.utf16.fill_buf()?;
        let last = utf16.is_empty();
        let (mut read, mut block) = (0, [0u8; 4096]);
        self.utf8.clear();
        self.at = 0;
        loop {
            let (result, r, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(&utf16[read..], &mut block, last);
            read += r;
            self.utf8.extend_from_slice(&block[..written]);
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(..) => self.utf8.push(0xFF),
            }
        }
        self.utf16.consume(read);
        self.ended = last;
        Ok(())
    }
}

impl<R: std::io::BufRead> std::io::Read for Utf16AsUtf8<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.utf8.len() && !self.ended {
            self.refill()?;
        }
        let n = out.len().min(self.utf8.len() - self.at);
        out[..n].copy_from_slice(&self.utf8[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Bytes read before a streamed file's encoding is decided.
const STREAM_HEAD: usize = 1 << 20;

/// A line or field in the file's encoding (a UTF-16 file's arrives transcoded to UTF-8, see
/// [`stream_encoding`]); `None` when it is not valid there.
fn decode_piece<'b>(
    encoding: &'static Encoding,
    bytes: &'b [u8],
) -> Option<std::borrow::Cow<'b, str>> {
    let read_as = match is_utf16(encoding) {
        true => encoding_rs::UTF_8,
        false => encoding,
    };
    read_as.decode_without_bom_handling_and_without_replacement(bytes)
}

fn not_valid(encoding: &'static Encoding) -> String {
    format!(
        "not valid {} (force the file's encoding with --encoding)",
        encoding.name()
    )
}

/// Streams a JSONL input, parsing each chunk's lines in parallel.
fn stream_jsonl(
    path: &Path,
    mut reader: Box<dyn std::io::BufRead>,
    encoding: &'static Encoding,
    reading: &Reading,
    each: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let (options, chunk) = (reading.options, reading.chunk);
    let name = path.display().to_string();
    let mut files = vec![name.clone()];
    let mut lines: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut line_no = 0;
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(path, e))?;
        if n > 0 {
            line_no += 1;
            lines.push((line_no, line));
        }
        if n == 0 || lines.len() >= chunk.min(JSONL_CHUNK) {
            let at_end = n == 0
                || reader
                    .fill_buf()
                    .map_err(|e| Error::io(path, e))?
                    .is_empty();
            let last = at_end.then_some(line_no);
            let lines = std::mem::take(&mut lines);
            let mut input = parse_jsonl_lines(path, &name, encoding, &options.fields, lines, last)?;
            input.files = std::mem::take(&mut files);
            each(input)?;
        }
        if n == 0 {
            return Ok(());
        }
    }
}

/// Lines (or records of a `.json` array) parsed at once when streaming: enough to keep both cores busy, few
/// enough to stay small.
const JSONL_CHUNK: usize = 4096;

/// Streams a `.json` input in UTF-8 (UTF-16 comes transcoded), a chunk of records at a time.
fn stream_json(
    path: &Path,
    reader: Box<dyn std::io::BufRead>,
    reading: &Reading,
    each: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let (options, chunk) = (reading.options, reading.chunk);
    let name = path.display().to_string();
    let mut files = vec![name.clone()];
    let chunk = chunk.min(JSONL_CHUNK);
    json::read_json(
        path,
        &name,
        reader,
        &options.fields,
        chunk,
        &mut |mut input| {
            input.files = std::mem::take(&mut files);
            each(input)
        },
    )
}

/// Streams a CSV input, a chunk of rows at a time. A row that is not valid in the input's encoding is
/// reported skipped, as a line of a JSONL file is.
fn stream_csv(
    path: &Path,
    reader: Box<dyn std::io::BufRead>,
    encoding: &'static Encoding,
    reading: &Reading,
    each: &mut impl FnMut(Input) -> Result<()>,
) -> Result<()> {
    let (options, chunk) = (reading.options, reading.chunk);
    let name = path.display().to_string();
    let mut input = Input {
        files: vec![name.clone()],
        ..Input::default()
    };
    csv_rows(path, &name, encoding, &options.fields, reader, |row| {
        push_parsed(&mut input, row);
        if input.records.len() >= chunk {
            each(std::mem::take(&mut input))?;
        }
        Ok(())
    })?;
    each(input)
}

/// Valid UTF-8 but perhaps for a character cut where the buffer ends (byte-order marks and NUL bytes are
/// dealt with before, in [`stream_encoding`]).
fn looks_like_utf8(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

fn parse_jsonl_lines(
    path: &Path,
    name: &str,
    encoding: &'static Encoding,
    fields: &FieldNames,
    lines: Vec<(usize, Vec<u8>)>,
    last: Option<usize>,
) -> Result<Input> {
    let parsed: Vec<Result<Option<Parsed>>> = map_records(lines, |(line_no, bytes)| {
        match decode_piece(encoding, &bytes) {
            Some(line) => {
                json::parse_jsonl_line(path, name, fields, line_no, &line, last == Some(line_no))
            }
            None => Ok(Some(Parsed::Skipped(Skipped {
                source: name.to_string(),
                line: Some(line_no),
                reason: not_valid(encoding),
            }))),
        }
    });
    let mut input = Input::default();
    for p in parsed {
        if let Some(p) = p? {
            push_parsed(&mut input, p);
        }
    }
    Ok(input)
}

/// `f` of each record, in order: in parallel, or on this thread when they are few. The thread pool is busy
/// segmenting the chunk before, and a small file's records handed to it waited their turn: 3,416 JSONL files
/// of 10 lines spent 0.43 s waiting, where one file of the same lines spent 0.05 s.
fn map_records<T: Send, R: Send>(records: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    const IN_PARALLEL: usize = 256;
    match records.len() {
        0..IN_PARALLEL => records.into_iter().map(f).collect(),
        _ => records.into_par_iter().map(f).collect(),
    }
}

enum Parsed {
    Record(Record),
    Skipped(Skipped),
}

/// The kind of file a name says: its extension, past a compressed file's `.gz` or `.zst`.
fn extension(path: &Path) -> Option<&'static str> {
    let name = source::uncompressed(path.file_name()?.to_str()?);
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    EXTENSIONS.into_iter().find(|e| *e == ext)
}

/// Says which files of a directory were left unread, so that an export in a format not read (`.xml`, `.doc`)
/// is not taken for an empty one. Hidden files (`.DS_Store`) and Office's lock files are left without a word.
fn note_others(dir: &Path, others: &[PathBuf]) {
    const NAMED: usize = 3;
    let others: Vec<&PathBuf> = others
        .iter()
        .filter(|p| !p.file_name().is_some_and(is_hidden))
        .collect();
    if others.is_empty() || crate::progress::is_quiet() {
        return;
    }
    let named: Vec<String> = others
        .iter()
        .take(NAMED)
        .map(|p| p.strip_prefix(dir).unwrap_or(p).display().to_string())
        .collect();
    let more = if others.len() > NAMED { ", …" } else { "" };
    eprintln!(
        "note: {}: {} file(s) not read, as they are not .txt, .jsonl, .json, .csv or spreadsheets (plain, .gz or .zst): {}{more}",
        dir.display(),
        others.len(),
        named.join(", ")
    );
}

/// The input files under a directory, sorted, and the other files there; the folder `reports` (canonical)
/// is passed over.
fn files_under(dir: &Path, reports: Option<&Path>) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut out = Vec::new();
    let mut others = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&d, e))?.path();
            if path.is_dir() && is_reports(&path, reports) {
                if !crate::progress::is_quiet() {
                    let path = path.display();
                    eprintln!("note: {path}: the folder of the reports (--out), not read as input");
                }
            } else if path.is_dir() {
                stack.push(path);
            } else if extension(&path).is_some() && !path.file_name().is_some_and(is_lock) {
                out.push(path);
            } else {
                others.push(path);
            }
        }
    }
    out.sort();
    others.sort();
    Ok((out, others))
}

/// Office's lock file beside a workbook open in Excel or WPS (`~$news.xlsx`): not a workbook.
fn is_lock(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with("~$")
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.') || is_lock(name)
}

/// Whether `dir` is the folder of the reports: the names are compared first, so that most folders are
/// not resolved.
fn is_reports(dir: &Path, reports: Option<&Path>) -> bool {
    reports.is_some_and(|reports| {
        dir.file_name() == reports.file_name()
            && std::fs::canonicalize(dir).is_ok_and(|dir| dir == reports)
    })
}

/// Adds the records of an input read whole, decoding it first (a file that cannot be decoded is skipped).
fn read_bytes(
    path: &Path,
    kind: &'static str,
    bytes: Vec<u8>,
    options: &ReadOptions,
    input: &mut Input,
) -> Result<()> {
    let name = path.display().to_string();
    input.files.push(name.clone());
    let text = match decode(&bytes, options.encoding) {
        Decoded::Text(text) => text,
        Decoded::Binary => {
            skip_file(input, name, "binary file, not text: refused".into());
            return Ok(());
        }
        Decoded::Undecodable(enc) => {
            skip_file(
                input,
                name,
                format!("undecodable: not valid {enc} (force one with --encoding)"),
            );
            return Ok(());
        }
    };
    let before = input.records.len();
    read_text_as(path, kind, text, &options.fields, input)?;
    // `read_text_as` takes a `.txt` file for a page, as the bundled seeds are.
    if options.txt == TxtFile::Article {
        for record in &mut input.records[before..] {
            if record.kind == RecordKind::Page {
                record.kind = RecordKind::ArticleFile;
            }
        }
    }
    Ok(())
}

/// Adds the records of already-decoded text, read as the kind of file its extension names.
pub fn read_text(path: &Path, text: String, fields: &FieldNames, input: &mut Input) -> Result<()> {
    match extension(path) {
        Some(kind) => read_text_as(path, kind, text, fields, input),
        None => Err(Error::input(
            path,
            None,
            "unsupported file type: give .txt pages, or .jsonl, .json, .csv or .xlsx (.xls, .ods) records",
        )),
    }
}

/// Adds the records of already-decoded text of a kind (`txt`, `jsonl`, `json` or `csv`).
fn read_text_as(
    path: &Path,
    kind: &str,
    text: String,
    fields: &FieldNames,
    input: &mut Input,
) -> Result<()> {
    let name = path.display().to_string();
    match kind {
        "txt" => push_page(name, text, input),
        "jsonl" => json::read_jsonl(path, &name, &text, fields, input)?,
        "json" => json::read_json(
            path,
            &name,
            text.as_bytes(),
            fields,
            usize::MAX,
            &mut |chunk| {
                input.records.extend(chunk.records);
                input.skipped.extend(chunk.skipped);
                Ok(())
            },
        )?,
        "csv" => read_csv(path, &name, &text, fields, input)?,
        _ => {
            return Err(Error::input(
                path,
                None,
                "a spreadsheet is not text: it is read from its bytes",
            ))
        }
    }
    Ok(())
}

/// Adds a page (or reports it skipped when it holds no text).
pub fn push_page(name: String, text: String, input: &mut Input) {
    if text.trim().is_empty() {
        input.skipped.push(Skipped {
            source: name,
            line: None,
            reason: "empty file".into(),
        });
        return;
    }
    input.records.push(Record {
        file: name,
        line: None,
        kind: RecordKind::Page,
        text,
        fields: BTreeMap::new(),
    });
}

/// Skips a whole file, with a warning (left out with `--quiet`; the file is listed in skipped.csv all the same).
fn skip_file(input: &mut Input, source: String, reason: String) {
    if !crate::progress::is_quiet() {
        eprintln!("warning: {source}: skipped: {reason}");
    }
    input.skipped.push(Skipped {
        source,
        line: None,
        reason,
    });
}

enum Decoded {
    Text(String),
    Binary,
    Undecodable(&'static str),
}

/// Bytes to text: a byte-order mark decides (UTF-8, UTF-16); else NUL bytes mean a binary file (unless
/// UTF-16 is forced); else a forced encoding is used, or valid UTF-8 taken as it is, or chardetng guesses
/// (GB18030/GBK for Chinese scraped from older sites).
fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Decoded {
    let with = |enc: &'static Encoding, body: &[u8]| {
        let (text, had_errors) = enc.decode_without_bom_handling(body);
        if had_errors {
            Decoded::Undecodable(enc.name())
        } else {
            Decoded::Text(text.into_owned())
        }
    };
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return with(forced.unwrap_or(enc), &bytes[bom..]);
    }
    let utf16 = forced.is_some_and(|e| e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE);
    if !utf16 && bytes.iter().take(8192).any(|&b| b == 0) {
        return Decoded::Binary;
    }
    if let Some(enc) = forced {
        return with(enc, bytes);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded::Text(text.to_string());
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    with(detector.guess(Some(b"cn"), false), bytes)
}

fn read_csv(
    path: &Path,
    name: &str,
    text: &str,
    fields: &FieldNames,
    input: &mut Input,
) -> Result<()> {
    csv_rows(
        path,
        name,
        encoding_rs::UTF_8,
        fields,
        text.as_bytes(),
        |row| {
            push_parsed(input, row);
            Ok(())
        },
    )
}

/// Hands on each row of a CSV file as a record (or skipped, with the reason). The rows are cut as bytes
/// (in an ASCII-compatible encoding no multi-byte character holds a quote, comma or newline) and their
/// fields decoded, so that a row that is not valid is skipped alone instead of stopping the run.
fn csv_rows(
    path: &Path,
    name: &str,
    encoding: &'static Encoding,
    names: &FieldNames,
    source: impl std::io::Read,
    mut each: impl FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(source);
    let header = reader
        .byte_headers()
        .map_err(|e| Error::input(path, Some(1), format!("cannot read the header: {e}")))?;
    let headers: Vec<String> = header
        .iter()
        .map(|h| decode_piece(encoding, h).map(String::from))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            Error::input(
                path,
                Some(1),
                format!("the header is {}", not_valid(encoding)),
            )
        })?;
    let columns: Vec<&str> = headers.iter().map(String::as_str).collect();
    let fields = names
        .header(&columns)
        .map_err(|message| Error::input(path, Some(1), message))?;
    for row in reader.byte_records() {
        let row = row.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            Error::input(path, line, format!("bad CSV row: {e}"))
        })?;
        let line_no = row.position().map(|p| p.line() as usize).unwrap_or(0);
        each(csv_record(
            name, line_no, encoding, names, &columns, &fields, &row,
        ))?;
    }
    Ok(())
}

/// One CSV row: `columns` are the header's names, `fields` what each is read as.
fn csv_record(
    name: &str,
    line: usize,
    encoding: &'static Encoding,
    names: &FieldNames,
    columns: &[&str],
    fields: &[&str],
    row: &csv::ByteRecord,
) -> Parsed {
    let mut kept = BTreeMap::new();
    let mut text = String::new();
    for ((column, &field), value) in columns.iter().zip(fields).zip(row.iter()) {
        let Some(value) = decode_piece(encoding, value) else {
            return Parsed::Skipped(Skipped {
                source: name.to_string(),
                line: Some(line),
                reason: format!("field `{column}` is {}", not_valid(encoding)),
            });
        };
        if field == "text" {
            text = value.to_string();
        } else if !value.is_empty() {
            kept.insert(field.to_string(), value.to_string());
        }
    }
    table_record(name, line, names, text, kept)
}

fn push_parsed(input: &mut Input, parsed: Parsed) {
    match parsed {
        Parsed::Record(r) => input.records.push(r),
        Parsed::Skipped(s) => input.skipped.push(s),
    }
}

/// A JSONL or CSV record, or the reason it is skipped.
fn table_record(
    name: &str,
    line: usize,
    names: &FieldNames,
    text: String,
    fields: BTreeMap<String, String>,
) -> Parsed {
    if text.trim().is_empty() {
        return Parsed::Skipped(Skipped {
            source: name.to_string(),
            line: Some(line),
            reason: format!("empty `{}`", names.column_of("text")),
        });
    }
    Parsed::Record(Record {
        file: name.to_string(),
        line: Some(line),
        kind: RecordKind::Article,
        text,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bar of bytes read moves while a large file is streamed, not only once it has been read.
    #[test]
    fn the_bar_moves_as_a_streamed_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jsonl");
        let line = "{\"text\": \"平遥县贺兰桥社区举办非遗市集，面塑、漆器、剪纸等非遗技艺吸引居民参与。\"}\n";
        std::fs::write(&path, line.repeat(40_000)).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let options = ReadOptions::default();
        let reading = Reading {
            options: &options,
            chunk: 1000,
            bar: indicatif::ProgressBar::hidden(),
        };
        reading.bar.set_length(size);
        let mut seen = Vec::new();
        let streamed = read_input(&path, size, &reading, &mut |_| {
            seen.push(reading.bar.position());
            Ok(())
        });
        assert!(streamed.is_ok());
        assert!(seen.len() >= 4 && seen[0] < size / 2, "{seen:?} of {size}");
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(reading.bar.position(), size);
    }

    /// Small files, pages or records, are gathered into chunks instead of handed on one by one (a folder of
    /// 10,000 pages was segmented a page at a time, on one core), in path order.
    #[test]
    fn a_compressed_file_is_of_the_kind_its_name_says_under_the_compression() {
        let kind = |name: &str| extension(Path::new(name));
        assert_eq!(kind("dir.v2/news.jsonl.gz"), Some("jsonl"));
        assert_eq!(kind("News.CSV.ZST"), Some("csv"));
        assert_eq!(kind("page.txt.gz"), Some("txt"));
        assert_eq!(kind("items.json"), Some("json"));
        assert_eq!(kind("backup.tar.gz"), None);
        assert_eq!(kind("news.gz"), None);
        assert_eq!(kind("news.jsonl.bz2"), None);
    }

    #[test]
    fn pages_are_gathered_into_chunks_in_path_order() {
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut pages: Vec<PathBuf> = std::fs::read_dir(&seeds)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| extension(p) == Some("txt"))
            .collect();
        pages.sort();
        let dir = tempfile::tempdir().unwrap();
        for (prefix, copies) in [("p", 25), ("r", 25)] {
            for i in 0..copies {
                let page = &pages[i % pages.len()];
                std::fs::copy(page, dir.path().join(format!("{prefix}{i:02}.txt"))).unwrap();
            }
        }
        let line = "{\"text\": \"平遥县贺兰桥社区举办非遗市集，面塑、漆器、剪纸等非遗技艺吸引居民参与。\"}\n";
        std::fs::write(dir.path().join("q.jsonl"), line.repeat(3)).unwrap();
        let (mut sizes, mut files) = (Vec::new(), Vec::new());
        let paths = [dir.path().to_path_buf()];
        read_chunks(&paths, &ReadOptions::default(), 20, |chunk| {
            sizes.push(chunk.records.len());
            files.extend(chunk.records.into_iter().map(|r| r.file));
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, [20, 20, 13]);
        let names: Vec<String> = files
            .iter()
            .map(|f| {
                Path::new(f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[25..28], ["q.jsonl", "q.jsonl", "q.jsonl"]);
    }
}
