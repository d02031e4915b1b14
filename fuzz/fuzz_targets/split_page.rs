#![no_main]
//! The page splitter never panics, and every non-space character lands in some article or caption.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let articles = analyze::split::split_page("fuzz.txt", text);
    let chars: Vec<char> = text.chars().collect();
    let spans: Vec<(usize, usize)> = articles.iter().filter_map(|a| a.span).collect();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_whitespace() {
            assert!(spans.iter().any(|&(s, e)| s <= i && i < e), "character {i} lost");
        }
    }
});
