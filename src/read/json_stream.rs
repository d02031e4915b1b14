//! A `.json` file cut into its records a record at a time, from any buffered reader, so that an array larger
//! than memory streams as JSONL does. serde_json can stream the values of a JSONL file but not the elements
//! of one array read from a file, nor say on which line each begins; this lexer only tells strings from the
//! rest and counts brackets to find where a record ends, and serde_json parses each record it cuts.
//! Its input must be UTF-8 (or an encoding where `"`, `\` and brackets never occur inside a character).

use std::io::BufRead;

/// The bytes of one record (a top-level value, or an element of the top-level array) and where it starts.
pub(super) struct Cut {
    /// 1-based line and 0-based column, in characters, of its first byte.
    pub line: usize,
    pub column: usize,
    pub bytes: Vec<u8>,
    /// False when the input ended inside it: a string or bracket left open.
    pub whole: bool,
}

/// What follows in the file.
pub(super) enum Next {
    Record(Cut),
    /// No more records: the array closed (or the one value ended) and nothing follows.
    End,
    /// The input ends where the array should go on or close: its records are whole, but `]` is missing.
    Open,
    /// Something the layout does not allow, on this line.
    Unexpected {
        line: usize,
        message: &'static str,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Start,
    /// Inside the array, where a record or `]` may come (after `[` or a `,`).
    InArray,
    AfterRecord,
    Closed,
    /// After a top-level value of a file that holds no array, where another object may follow.
    Single,
}

/// The records of a JSON text, cut one at a time by [`Records::next`] as the reader gives the bytes.
pub(super) struct Records<R> {
    reader: R,
    /// Line and column (in characters) of the next byte to read.
    line: usize,
    column: usize,
    state: State,
}

impl<R: BufRead> Records<R> {
    pub fn new(reader: R) -> Self {
        Records {
            reader,
            line: 1,
            column: 0,
            state: State::Start,
        }
    }

    pub fn next(&mut self) -> std::io::Result<Next> {
        use State::*;
        loop {
            let byte = self.skip_whitespace()?;
            let (state, line) = (self.state, self.line);
            let unexpected = |message| Ok(Next::Unexpected { line, message });
            match (state, byte) {
                (Start | Single | Closed, None) => return Ok(Next::End),
                (InArray | AfterRecord, None) => return Ok(Next::Open),
                (Start, Some(b'[')) => self.take_one(InArray),
                (InArray | AfterRecord, Some(b']')) => self.take_one(Closed),
                (AfterRecord, Some(b',')) => self.take_one(InArray),
                (Start, Some(_)) => return self.record(Single),
                (InArray, Some(_)) => return self.record(AfterRecord),
                (AfterRecord, Some(_)) => {
                    return unexpected("expected `,` or `]` after a record of the array")
                }
                (Closed, Some(_)) => return unexpected("something follows the array's `]`"),
                // Objects one after another, as `jq .` prints them (concatenated JSON).
                (Single, Some(b'{')) => return self.record(Single),
                (Single, Some(_)) => {
                    return unexpected(
                        "something other than an object follows the first JSON value: give an array of objects, objects one after another, or JSONL (one object a line)",
                    )
                }
            }
        }
    }

    fn take_one(&mut self, then: State) {
        self.reader.consume(1);
        self.column += 1;
        self.state = then;
    }

    /// Consumes whitespace and returns the byte after it without consuming it, or None at the end.
    fn skip_whitespace(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            let buffer = self.reader.fill_buf()?;
            let Some(&first) = buffer.first() else {
                return Ok(None);
            };
            let blank = buffer
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if blank == 0 {
                return Ok(Some(first));
            }
            (self.line, self.column) = moved(self.line, self.column, &buffer[..blank]);
            self.reader.consume(blank);
        }
    }

    /// Cuts the value that starts at the next byte.
    fn record(&mut self, then: State) -> std::io::Result<Next> {
        let (line, column) = (self.line, self.column);
        let mut lexer = Lexer::default();
        let mut bytes = Vec::new();
        let whole = loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                break lexer.scalar;
            }
            let (n, ended) = lexer.feed(buffer);
            bytes.extend_from_slice(&buffer[..n]);
            (self.line, self.column) = moved(self.line, self.column, &buffer[..n]);
            self.reader.consume(n);
            if ended {
                break true;
            }
        };
        self.state = then;
        Ok(Next::Record(Cut {
            line,
            column,
            bytes,
            whole,
        }))
    }
}

/// The line and column after `bytes`, read from `line` and `column`. A character that a buffer cuts is
/// counted in the buffer where it starts.
fn moved(line: usize, column: usize, bytes: &[u8]) -> (usize, usize) {
    match memchr::memrchr(b'\n', bytes) {
        Some(last) => (
            line + memchr::memchr_iter(b'\n', bytes).count(),
            characters(&bytes[last + 1..]),
        ),
        None => (line, column + characters(bytes)),
    }
}

/// Characters that start in `bytes`: every byte but UTF-8's continuation bytes.
pub(super) fn characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// Where a value ends: strings are skipped (with their escapes), brackets counted; a value that is neither
/// string nor container (a number, `true`) ends before the next byte that cannot be part of it.
#[derive(Default)]
struct Lexer {
    started: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
    scalar: bool,
}

impl Lexer {
    /// How many bytes of `buffer` belong to the value, and whether it ends there.
    fn feed(&mut self, buffer: &[u8]) -> (usize, bool) {
        let mut at = 0;
        if !self.started {
            self.started = true;
            match buffer[0] {
                b'{' | b'[' => self.depth = 1,
                b'"' => self.in_string = true,
                _ => self.scalar = true,
            }
            at = 1;
        }
        while at < buffer.len() {
            if self.escaped {
                self.escaped = false;
                at += 1;
            } else if self.in_string {
                // Most of a record is the text of its strings: jump to the next quote or backslash.
                match memchr::memchr2(b'"', b'\\', &buffer[at..]) {
                    None => at = buffer.len(),
                    Some(i) => {
                        at += i + 1;
                        match buffer[at - 1] {
                            b'\\' => self.escaped = true,
                            _ => {
                                self.in_string = false;
                                if self.depth == 0 {
                                    return (at, true);
                                }
                            }
                        }
                    }
                }
            } else if self.scalar {
                match buffer[at] {
                    b',' | b']' | b'}' | b'[' | b'{' | b'"' | b':' => return (at, true),
                    b if b.is_ascii_whitespace() => return (at, true),
                    _ => at += 1,
                }
            } else {
                at += 1;
                match buffer[at - 1] {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return (at, true);
                        }
                    }
                    _ => {}
                }
            }
        }
        (at, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line, column, text, whole), then how the input ended, read through a buffer of
    /// `capacity` bytes (so that records, strings and escapes are cut where buffers end).
    fn cuts(text: &str, capacity: usize) -> (Vec<(usize, usize, String, bool)>, String) {
        let reader = std::io::BufReader::with_capacity(capacity, text.as_bytes());
        let mut records = Records::new(reader);
        let mut out = Vec::new();
        loop {
            match records.next().unwrap() {
                Next::Record(c) => out.push((
                    c.line,
                    c.column,
                    String::from_utf8(c.bytes).unwrap(),
                    c.whole,
                )),
                Next::End => return (out, "end".into()),
                Next::Open => return (out, "open".into()),
                Next::Unexpected { line, message } => return (out, format!("{line}: {message}")),
            }
        }
    }

    fn record(line: usize, column: usize, text: &str) -> (usize, usize, String, bool) {
        (line, column, text.to_string(), true)
    }

    #[test]
    fn records_are_cut_where_their_values_end_whatever_the_buffer() {
        let text = "[\n  {\"text\": \"平遥 \\\"推光漆\\\" ]}{\", \"tags\": [1, [2]]},\n  \"s\\\\\" , 12.5e3,true\n,{}]\n";
        for capacity in [1, 2, 3, 5, 8, 64, 4096] {
            let (records, end) = cuts(text, capacity);
            assert_eq!(
                records,
                [
                    record(
                        2,
                        2,
                        "{\"text\": \"平遥 \\\"推光漆\\\" ]}{\", \"tags\": [1, [2]]}"
                    ),
                    record(3, 2, "\"s\\\\\""),
                    record(3, 10, "12.5e3"),
                    record(3, 17, "true"),
                    record(4, 1, "{}"),
                ],
                "buffer of {capacity} bytes"
            );
            assert_eq!(end, "end");
        }
    }

    #[test]
    fn the_end_of_the_input_is_told_apart() {
        assert_eq!(cuts("", 8), (vec![], "end".into()));
        assert_eq!(cuts(" [ ] ", 8), (vec![], "end".into()));
        assert_eq!(cuts("[{}, ]", 8), (vec![record(1, 1, "{}")], "end".into()));
        assert_eq!(
            cuts("{\"a\": 1}\n", 8),
            (vec![record(1, 0, "{\"a\": 1}")], "end".into())
        );
        assert_eq!(cuts("[{}", 8), (vec![record(1, 1, "{}")], "open".into()));
        assert_eq!(cuts("[{},\n", 8), (vec![record(1, 1, "{}")], "open".into()));
        let cut = (1, 1, "{\"text\": \"平".to_string(), false);
        assert_eq!(cuts("[{\"text\": \"平", 4), (vec![cut], "open".into()));
    }

    #[test]
    fn objects_one_after_another_are_records_each_with_its_line() {
        let text = "{\n  \"a\": 1\n}\n{\n  \"b\": \"}\"\n}{\"c\": 3}\n";
        let (records, end) = cuts(text, 4);
        assert_eq!(
            records,
            [
                record(1, 0, "{\n  \"a\": 1\n}"),
                record(4, 0, "{\n  \"b\": \"}\"\n}"),
                record(6, 1, "{\"c\": 3}"),
            ]
        );
        assert_eq!(end, "end");
    }

    #[test]
    fn what_the_layout_does_not_allow_names_its_line() {
        let (records, end) = cuts("[{}\n{}]", 8);
        assert_eq!(records, [record(1, 1, "{}")]);
        assert_eq!(end, "2: expected `,` or `]` after a record of the array");
        assert_eq!(
            cuts("[{}]\n\nx", 8).1,
            "3: something follows the array's `]`"
        );
        assert!(cuts("{}\n[]", 8)
            .1
            .starts_with("2: something other than an object follows"));
        // A value cannot start with `,`: it is cut alone, for serde_json to refuse.
        assert_eq!(cuts("[,{}]", 8).0[0], record(1, 1, ","));
    }

    /// Any array of JSON values, compact or pretty-printed, read through any buffer, is cut into its elements.
    fn value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            // Quarters: serde_json reads them back exactly, unlike some other fractions.
            (-1_000_000i64..1_000_000).prop_map(|i| serde_json::Value::from(i as f64 / 4.0)),
            "[a平遥\"\\\\\\[\\]{},: \n\t]{0,8}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a\"\\\\{}]{0,3}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn any_array_is_cut_into_its_elements(
            values in proptest::collection::vec(value(), 0..6),
            capacity in 1usize..40,
            pretty: bool,
        ) {
            let array = serde_json::Value::from(values.clone());
            let text = match pretty {
                true => serde_json::to_string_pretty(&array).unwrap(),
                false => array.to_string(),
            };
            let (records, end) = cuts(&text, capacity);
            let parsed: Vec<serde_json::Value> = records
                .iter()
                .map(|(_, _, text, whole)| {
                    assert!(whole);
                    serde_json::from_str(text).unwrap()
                })
                .collect();
            proptest::prop_assert_eq!(parsed, values);
            proptest::prop_assert_eq!(end, "end");
        }
    }
}
