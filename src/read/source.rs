//! Opening an input: a file, or standard input (`-` on the command line), decompressed as it is read when it
//! is gzip or zstd, so that a corpus can stay compressed on disk (`news.jsonl.gz`, a third of the size) or
//! come from a pipe (`zcat news.jsonl.gz | jq -c … | analyze topics -`).

use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The name standard input goes by: in messages, reports and skipped.csv. `-` on the command line.
pub const STDIN: &str = "<stdin>";

pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// Name suffixes of compressed files, taken off before the kind of file is read from the name
/// (`news.jsonl.gz` is JSONL). Whatever a file is called, it is decompressed when its first bytes say so.
const COMPRESSED: [&str; 2] = ["gz", "zst"];

/// A name without a compressed file's `.gz` or `.zst`, in any case (`news.jsonl.GZ` is `news.jsonl`).
pub fn uncompressed(name: &str) -> &str {
    COMPRESSED
        .iter()
        .find_map(|c| {
            let cut = name.len().checked_sub(c.len() + 1)?;
            let suffix = name.get(cut..)?;
            (suffix.starts_with('.') && suffix[1..].eq_ignore_ascii_case(c)).then(|| &name[..cut])
        })
        .unwrap_or(name)
}

/// A file's name without its extension, nor a compressed file's `.gz` or `.zst` (`p1.txt.gz` is `p1`): what
/// ids made from the file's name start with.
pub fn file_stem(file: &str) -> String {
    Path::new(uncompressed(file))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Compression {
    Gzip,
    Zstd,
}

/// The compression the first bytes of an input announce (their magic numbers): neither can start a text in
/// any encoding read here.
fn compression(head: &[u8]) -> Option<Compression> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else {
        None
    }
}

fn name(compression: Compression) -> &'static str {
    match compression {
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
    }
}

/// An input opened for reading, decompressed.
pub struct Source {
    pub reader: Box<dyn BufRead>,
    /// Its size once decompressed, when known: a plain file's.
    pub size: Option<u64>,
}

/// Opens a file or standard input, with `capacity` bytes buffered. `counted` learns the bytes read before
/// decompressing (the progress bar).
pub fn open(path: &Path, capacity: usize, counted: impl Fn(u64) + 'static) -> Result<Source> {
    let (raw, size): (Box<dyn Read>, Option<u64>) = if is_stdin(path) {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let mut raw = Counted { raw, counted };
    let magic = read_head(&mut raw, 4).map_err(|e| Error::io(path, e))?;
    let compressed = compression(&magic);
    let raw = PutBack {
        head: magic,
        at: 0,
        rest: raw,
    };
    let (reader, size): (Box<dyn Read>, _) = match compressed {
        None => (Box::new(raw), size),
        Some(c) => {
            let decompressed = Decompressed::new(c, raw).map_err(|e| Error::io(path, e))?;
            (Box::new(decompressed), None)
        }
    };
    Ok(Source {
        reader: Box::new(BufReader::with_capacity(capacity, reader)),
        size,
    })
}

/// Bytes read ahead (the magic number), put back before the rest. They come with one read of the rest, so
/// that the first buffer of a file holds its head (a streamed file's encoding is decided from it), not only
/// the four bytes; and with only one, so that records written into a pipe are handed on as they come.
struct PutBack<R> {
    head: Vec<u8>,
    at: usize,
    rest: R,
}

impl<R: Read> Read for PutBack<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.head.len() - self.at).min(buffer.len());
        buffer[..n].copy_from_slice(&self.head[self.at..self.at + n]);
        self.at += n;
        match (n, self.rest.read(&mut buffer[n..])) {
            (_, Ok(m)) => Ok(n + m),
            // The error comes again with the next read.
            (1.., Err(_)) => Ok(n),
            (0, Err(e)) => Err(e),
        }
    }
}

/// The whole of an input, decompressed: for files read whole (pages).
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    let bytes = match is_stdin(path) {
        true => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(path, e))?;
            bytes
        }
        false => std::fs::read(path).map_err(|e| Error::io(path, e))?,
    };
    let Some(compressed) = compression(&bytes) else {
        return Ok(bytes);
    };
    let mut out = Vec::new();
    Decompressed::new(compressed, bytes.as_slice())
        .and_then(|mut d| d.read_to_end(&mut out))
        .map_err(|e| Error::io(path, e))?;
    Ok(out)
}

/// The first `n` bytes (fewer at the end of the input).
fn read_head(raw: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    raw.by_ref().take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A reader that reports the bytes read from it.
struct Counted<F> {
    raw: Box<dyn Read>,
    counted: F,
}

impl<F: Fn(u64)> Read for Counted<F> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.raw.read(buffer)?;
        (self.counted)(n as u64);
        Ok(n)
    }
}

/// A decompressor whose errors say what was being decompressed: flate2's alone ("corrupt deflate stream")
/// does not tell a cut-off download from a file that is not gzip.
struct Decompressed<'a> {
    inner: Box<dyn Read + 'a>,
    compression: Compression,
}

impl<'a> Decompressed<'a> {
    fn new(compression: Compression, raw: impl Read + 'a) -> std::io::Result<Self> {
        let inner: Box<dyn Read + 'a> = match compression {
            // Multi: `cat a.gz b.gz` is one valid gzip file of two members.
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(raw)?),
        };
        Ok(Decompressed { inner, compression })
    }
}

impl Read for Decompressed<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buffer).map_err(|e| {
            let kind = name(self.compression);
            std::io::Error::new(e.kind(), format!("not valid {kind} data, or cut off: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_only_a_compression_suffix() {
        assert_eq!(uncompressed("dir/news.jsonl.GZ"), "dir/news.jsonl");
        assert_eq!(uncompressed("p1.txt.zst"), "p1.txt");
        assert_eq!(uncompressed("p1.txt"), "p1.txt");
        assert_eq!(uncompressed("bigz"), "bigz");
        assert_eq!(file_stem("pages/p1.txt.gz"), "p1");
        assert_eq!(file_stem("news.jsonl"), "news");
    }
}
