//! Work done ahead in the processor's idle time. After segmentation, the SVD and k-means leave a core idle
//! for about a tenth of their time (serial steps between parallel ones: on news_34k, 114 core-ms in
//! profiled runs), while work that needs neither waits for them. A thread of the lowest priority does that
//! work, block by block, whenever a core would otherwise idle; whatever blocks it has not done when they
//! are needed are done then, by whoever asks first. A block's result never depends on who computed it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Results of `blocks` blocks of work, each computed once: ahead, in idle time, or when asked for.
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
            block.get_or_init(|| compute(b));
        }
    }

    /// Asks the idle-time worker to stop after its current block: from here on the blocks are needed, and
    /// whoever needs one computes it at full priority.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Block `b`, computed now unless it was done ahead (or waited for, if it is being done).
    pub fn get(&self, b: usize, compute: impl FnOnce(usize) -> T) -> &T {
        self.blocks[b].get_or_init(|| compute(b))
    }

    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
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

    /// Every block is computed once, whether ahead, on demand or both at once, and holds its own result.
    #[test]
    fn blocks_are_computed_once_by_either_side() {
        use std::sync::atomic::AtomicUsize;
        let ahead = Ahead::new(200);
        let calls = AtomicUsize::new(0);
        let compute = |b: usize| {
            calls.fetch_add(1, Ordering::Relaxed);
            b * b
        };
        std::thread::scope(|s| {
            s.spawn(|| ahead.work_in_idle_time(compute));
            for b in (0..200).rev() {
                assert_eq!(*ahead.get(b, compute), b * b);
            }
        });
        assert_eq!(calls.load(Ordering::Relaxed), 200);
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
