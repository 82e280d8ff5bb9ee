//! What the leak and panic checks measure: live heap bytes (a counting global allocator),
//! the process's resident set, the runtime's live tasks, and panics (a hook that counts).

use std::alloc::System;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

use cap::Cap;

/// Every allocation of the process goes through this counter (no limit is set).
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Bytes allocated on the heap and not yet freed, now.
pub fn heap() -> usize {
    ALLOCATOR.allocated()
}

/// The resident set size in bytes (`VmRSS` of /proc/self/status; 0 where there is none).
pub fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Tasks alive in the current tokio runtime (spawned and not yet finished).
pub fn tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

static PANICS: AtomicU64 = AtomicU64::new(0);
static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that counts every panic, on any thread, before
/// the default hook prints it. A panic in a spawned task is caught by tokio and would
/// otherwise go unseen by anything but the task's JoinHandle.
pub fn count_panics() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

/// Panics counted so far.
pub fn panics() -> u64 {
    PANICS.load(Ordering::SeqCst)
}
