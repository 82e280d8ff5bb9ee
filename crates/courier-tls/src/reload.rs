//! [`ReloadTask`]: the periodic check that reloads TLS material whose files changed.

use std::time::Duration;

use crate::error::Error;

/// A background task (on the current tokio runtime) that checks, every period, whether the
/// files some TLS material is read from changed (modification time, length or content), and
/// reloads them. A reload that fails (a half-written file, a key that does not match) keeps the old
/// material and logs a `tracing` WARN; the next period tries again.
///
/// The task stops when this handle is dropped (or [`stop`](ReloadTask::stop)ped).
#[derive(Debug)]
#[must_use = "the reload task stops when this handle is dropped"]
pub struct ReloadTask {
    handle: tokio::task::JoinHandle<()>,
}

impl ReloadTask {
    /// Spawns `check` every `period`. `check` returns whether it reloaded.
    pub(crate) fn spawn<F>(what: &'static str, period: Duration, check: F) -> ReloadTask
    where
        F: Fn() -> Result<bool, Error> + Send + 'static,
    {
        let handle = tokio::spawn(async move {
            let mut tick = tokio::time::interval(period.max(Duration::from_millis(10)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                match check() {
                    Ok(true) => tracing::info!(what, "TLS material reloaded"),
                    Ok(false) => {}
                    Err(e) => {
                        let why = "TLS reload failed; keeping the old material";
                        tracing::warn!(what, error = %e, "{why}")
                    }
                }
            }
        });
        ReloadTask { handle }
    }

    /// Stops the task.
    pub fn stop(self) {}
}

impl Drop for ReloadTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
