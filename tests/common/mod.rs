//! What the integration tests share: running the binary, and reading what it wrote.
#![allow(dead_code)] // each test file uses a part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `analyze` in `dir`; whatever the outcome, it must not be a panic.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_analyze"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        !stderr(&out).contains("panicked"),
        "the program panicked: {}",
        stderr(&out)
    );
    out
}

/// Runs `analyze` in `dir` and requires success.
pub fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(path: impl AsRef<Path>) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The labelled corpus beside the project, or `None` with a message saying the test is skipped.
pub fn cnews() -> Option<PathBuf> {
    shared_corpus("cnews_1000.jsonl", "the labelled corpus")
}

/// The 34,160-article dated corpus beside the project, or `None` with a message saying the test is skipped.
pub fn news34k() -> Option<PathBuf> {
    shared_corpus("news_34k.jsonl", "the dated corpus")
}

fn shared_corpus(name: &str, what: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipped: {} is absent ({what} lives beside the project)",
            path.display()
        );
        None
    }
}
