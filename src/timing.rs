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
