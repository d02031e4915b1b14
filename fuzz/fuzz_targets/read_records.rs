#![no_main]
//! The JSONL, JSON and CSV readers return records or an error naming the file, never panic, with or without
//! fields read from columns of other names.
use analyze::read::FieldNames;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let mapped = FieldNames::new(vec![
        ("text".into(), "正文".into()),
        ("title".into(), "text".into()),
    ])
    .expect("distinct fields and columns");
    for fields in [FieldNames::default(), mapped] {
        for name in ["fuzz.jsonl", "fuzz.json", "fuzz.csv"] {
            let mut input = analyze::read::Input::default();
            let read = analyze::read::read_text(Path::new(name), text.to_string(), &fields, &mut input);
            if let Err(e) = read {
                assert!(e.to_string().starts_with(name), "{e}");
            }
        }
    }
});
