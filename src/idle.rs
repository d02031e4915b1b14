//! Work done ahead in the processor's idle time. After segmentation, the SVD and k-means leave a core idle
//! for about a tenth of their time (serial steps between parallel ones: on news_34k, 114 core-ms in
//! profiled runs), while work that needs neither waits for them. A thread of the lowest priority does that
//! work, block by block, whenever a core would otherwise idle; whatever blocks it has not done when they
//! are needed are done then. A block's result never depends on who computed it, and nobody waits for the
//! worker: on a machine busy with other work it may get no processor for a long time, so a block it is in
//! the middle of is computed again by whoever needs it, and the first result stored is kept.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Results of `blocks` blocks of work, each computed ahead in idle time, or when asked for (rarely both).
pub struct Ahead<T> {
    blocks: Vec<OnceLock<T>>,
    stop: AtomicBool,
}

impl<T: Send + Sync> Ahead<T> {
    pub fn new(blocks: usize) -> Self {
        Ahead {
            blocks: (0..blocks).map(|_| OnceLock::new()).collect(),
            stop: AtomicBool::new(false),
        }
    }

    /// Computes the blocks in order, at the lowest priority, until all are done or [`Ahead::stop`] is
    /// called. Run it on a thread of its own.
    pub fn work_in_idle_time(&self, compute: impl Fn(usize) -> T) {
        lowest_priority();
        for (b, block) in self.blocks.iter().enumerate() {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            if block.get().is_none() {
                // Computed outside the cell, so that whoever needs the block meanwhile never waits for it.
                let _ = block.set(compute(b));
            }
        }
    }

    /// Asks the idle-time worker to stop after its current block: from here on the blocks are needed, and
    /// whoever needs one computes it at full priority.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Block `b`, computed now unless it was done ahead.
    pub fn get(&self, b: usize, compute: impl FnOnce(usize) -> T) -> &T {
        let block = &self.blocks[b];
        if let Some(done) = block.get() {
            return done;
        }
        // If the worker stores its result first, this one is dropped: they are the same.
        let _ = block.set(compute(b));
        block.get().expect("a block is stored before it is read")
    }
}

/// Stops an [`Ahead`]'s worker when dropped, so that an early return (an error) never waits for it to
/// finish every block.
pub struct StopOnDrop<'a, T: Send + Sync>(pub &'a Ahead<T>);

impl<T: Send + Sync> Drop for StopOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Puts the calling thread in Linux's idle scheduling class, where it runs only on a core nothing else
/// wants. Elsewhere (or if refused) it keeps its priority: the work is the same, only less well hidden.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: changes the scheduling class of the calling thread (0) only; `param` is valid.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block holds its own result, whether it was computed ahead, on demand or by both at once, and
    /// no block is computed more than twice.
    #[test]
    fn blocks_hold_their_result_whoever_computed_them() {
        use std::sync::atomic::AtomicUsize;
        let ahead = Ahead::new(200);
        let calls: Vec<AtomicUsize> = (0..200).map(|_| AtomicUsize::new(0)).collect();
        let compute = |b: usize| {
            calls[b].fetch_add(1, Ordering::Relaxed);
            b * b
        };
        std::thread::scope(|s| {
            s.spawn(|| ahead.work_in_idle_time(compute));
            for b in (0..200).rev() {
                assert_eq!(*ahead.get(b, compute), b * b);
            }
        });
        for (b, n) in calls.iter().enumerate() {
            assert!((1..=2).contains(&n.load(Ordering::Relaxed)), "block {b}");
        }
        // Asked again, a block is not computed again.
        assert_eq!(*ahead.get(7, |_| panic!("block 7 is stored")), 49);
    }

    /// Once stopped, the worker leaves the remaining blocks to be computed on demand.
    #[test]
    fn a_stopped_worker_leaves_the_rest() {
        let ahead = Ahead::new(10);
        ahead.stop();
        ahead.work_in_idle_time(|_| panic!("no block is computed after stop"));
        assert_eq!(*ahead.get(3, |b| b + 1), 4);
    }
}
