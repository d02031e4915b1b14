//! Wall-clock time of each stage, printed to stderr with `--timings` (never written to output files,
//! which must not change from run to run).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static ENABLED: AtomicBool = AtomicBool::new(false);

pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Runs `f`, and prints how long it took when timings are on.
pub fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    eprintln!("timing {name:<12} {:>9.3} s", start.elapsed().as_secs_f64());
    out
}

/// Whether `--timings` is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Prints a stage's time measured elsewhere (summed over the chunks of a streamed input).
pub fn report(name: &str, seconds: f64) {
    if enabled() {
        eprintln!("timing {name:<12} {seconds:>9.3} s");
    }
}

/// Adds the time `f` takes to `total`.
pub fn add<T>(total: &mut f64, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *total += start.elapsed().as_secs_f64();
    out
}
