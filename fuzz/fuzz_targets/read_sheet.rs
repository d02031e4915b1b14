#![no_main]
//! The spreadsheet reader returns records or an error naming the file, never panics, whatever the bytes
//! (calamine's own panics on malformed files are caught).
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|bytes: &[u8]| {
    let mut input = analyze::read::Input::default();
    let fields = analyze::read::FieldNames::default();
    let read = analyze::read::read_workbook(Path::new("fuzz.xlsx"), "fuzz.xlsx", bytes.to_vec(), &fields, &mut input);
    if let Err(e) = read {
        assert!(e.to_string().starts_with("fuzz.xlsx"), "{e}");
    }
});
