//! Progress bars on stderr for long stages. indicatif draws nothing when stderr is not a terminal; `--quiet`
//! turns them off everywhere.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` is on: notes on stderr are left out too.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A bar of `len` steps, hidden when quiet.
pub fn bar(len: u64, what: &'static str) -> ProgressBar {
    styled(
        len,
        what,
        "{prefix:>10} [{bar:30}] {pos}/{len} {elapsed_precise}",
    )
}

/// A bar over `len` bytes of input (a count of bytes when the length is not known: standard input), hidden
/// when quiet.
pub fn bytes_bar(len: Option<u64>, what: &'static str) -> ProgressBar {
    let bar = match len {
        Some(len) => styled(
            len,
            what,
            "{prefix:>10} [{bar:30}] {bytes}/{total_bytes} {elapsed_precise} (eta {eta})",
        ),
        None => {
            let bar = styled(0, what, "{prefix:>10} {spinner} {bytes} {elapsed_precise}");
            bar.unset_length();
            bar
        }
    };
    // Redrawn while a chunk is worked on, too, so that the elapsed time and the estimate stay current.
    if !bar.is_hidden() {
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    bar
}

/// A bar drawn with `template` from its first frame.
fn styled(len: u64, what: &'static str, template: &str) -> ProgressBar {
    if QUIET.load(Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::new(len).with_style(style).with_prefix(what)
}

/// Runs `f` with a spinner naming the stage and its elapsed time (hidden when quiet or not a terminal):
/// on a million articles the stages after reading take minutes, and silence would look like a hang.
pub fn during<T>(what: &'static str, f: impl FnOnce() -> T) -> T {
    if QUIET.load(Ordering::Relaxed) {
        return f();
    }
    let spinner = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{prefix:>10} {spinner} {elapsed_precise}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    spinner.set_style(style);
    spinner.set_prefix(what);
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let out = f();
    spinner.finish_and_clear();
    out
}
