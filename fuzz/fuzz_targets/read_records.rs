#![no_main]
//! The JSONL and CSV readers return records or an error naming the file, never panic.
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    for name in ["fuzz.jsonl", "fuzz.csv"] {
        let mut input = analyze::read::Input::default();
        if let Err(e) = analyze::read::read_text(Path::new(name), text.to_string(), &mut input) {
            assert!(e.to_string().starts_with(name), "{e}");
        }
    }
});
