//! Retries and hedging (gRFC A6): the request replay buffer, retry throttling, server
//! pushback, and the two attempt schedules.
//!
//! A call with a retry policy runs its attempts one after another; with a hedging policy it
//! starts one every `hedgingDelay` until one succeeds or fails fatally. Either way the request
//! messages are kept in a [`Replay`] buffer, bounded per call: once a call's request outgrows
//! it, the call is committed to the attempt that sent the most and is never retried again.
//! Transparent retries (a request the server never processed) happen below this, inside one
//! attempt of the schedule.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::attempt::CallBody;
use super::backoff::Rng;
use super::service_config::{HedgingPolicy, RetryPolicy, RetryThrottling};
use crate::call::{BoxFuture, ByteStream};
use crate::code::Code;
use crate::metadata::Metadata;
use crate::status::Status;

/// Default per-call replay buffer: gRPC C-core's `grpc.per_rpc_retry_buffer_size` default
/// (256 KiB).
pub(crate) const DEFAULT_RETRY_BUFFER: usize = 256 * 1024;

/// Default replay buffer of a whole channel, shared by its calls: grpc-java's
/// `retryBufferSize` default (16 MiB).
pub(crate) const DEFAULT_CHANNEL_RETRY_BUFFER: usize = 16 * 1024 * 1024;

/// The replay buffer space of a whole channel (gRFC A6: "RPCs which do not fit in the
/// available buffer space (either due to the total available buffer space, or due to the
/// per-RPC limit) will not be retryable").
#[derive(Debug)]
pub(crate) struct BufferPool {
    used: AtomicUsize,
    max: usize,
}

impl BufferPool {
    pub(crate) fn new(max: usize) -> Arc<BufferPool> {
        Arc::new(BufferPool {
            used: AtomicUsize::new(0),
            max,
        })
    }

    /// Takes `n` bytes if they fit.
    fn reserve(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                u.checked_add(n).filter(|t| *t <= self.max)
            })
            .is_ok()
    }

    fn release(&self, n: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                Some(u.saturating_sub(n))
            });
    }

    #[cfg(test)]
    fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// What [`Replay::next`] gives an attempt.
#[derive(Debug)]
pub(crate) enum Next {
    /// The next request message.
    Message(Bytes),
    /// The request stream ended.
    End,
    /// The application's request stream failed.
    Failed,
    /// The call was committed to another attempt: this one must stop.
    Evicted,
}

/// A call's request messages, shared by its attempts: each attempt reads from its own
/// position; messages are kept while the call may still be retried (up to the per-call
/// limit) and dropped once it is committed and sent.
pub(crate) struct Replay {
    state: Mutex<ReplayState>,
    more: Notify,
    limit: usize,
    /// The channel's shared buffer space the kept messages are counted against.
    pool: Option<Arc<BufferPool>>,
}

impl Drop for Replay {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.release(self.lock().bytes);
        }
    }
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

struct ReplayState {
    /// The application's stream; `None` while an attempt is pulling from it (or at its end).
    source: Option<ByteStream>,
    msgs: VecDeque<Bytes>,
    /// Index of `msgs[0]`.
    base: usize,
    /// Messages pulled from the source so far.
    total: usize,
    bytes: usize,
    /// `Some(true)`: the source ended; `Some(false)`: it failed.
    end: Option<bool>,
    cursors: Vec<(u32, usize)>,
    committed_to: Option<u32>,
    committed: bool,
}

impl ReplayState {
    fn cursor(&mut self, id: u32) -> &mut usize {
        match self.cursors.iter().position(|(i, _)| *i == id) {
            Some(p) => &mut self.cursors[p].1,
            None => {
                self.cursors.push((id, 0));
                &mut self.cursors.last_mut().expect("just pushed").1
            }
        }
    }

    /// Once committed, drops what the committed attempt has sent; returns the bytes freed.
    fn evict(&mut self) -> usize {
        let Some(winner) = self.committed_to else {
            return 0;
        };
        let before = self.bytes;
        let upto = self
            .cursors
            .iter()
            .find(|(i, _)| *i == winner)
            .map_or(self.total, |(_, c)| *c);
        while self.base < upto {
            match self.msgs.pop_front() {
                Some(m) => {
                    self.bytes -= m.len();
                    self.base += 1;
                }
                None => {
                    self.base = upto;
                    break;
                }
            }
        }
        before - self.bytes
    }
}

enum Step {
    Return(Next),
    Wait,
    Pull(ByteStream),
}

/// Puts a source taken for pulling back if the pulling attempt is dropped mid-poll.
struct Taken<'a> {
    replay: &'a Replay,
    stream: Option<ByteStream>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.stream.take() {
            self.replay.lock().source = Some(s);
            self.replay.more.notify_waiters();
        }
    }
}

impl Replay {
    /// A buffer over `source` keeping at most `limit` bytes for replays, counted against the
    /// channel's `pool` too.
    pub(crate) fn new(
        source: ByteStream,
        limit: usize,
        pool: Option<Arc<BufferPool>>,
    ) -> Arc<Replay> {
        Arc::new(Replay {
            state: Mutex::new(ReplayState {
                source: Some(source),
                msgs: VecDeque::new(),
                base: 0,
                total: 0,
                bytes: 0,
                end: None,
                cursors: Vec::new(),
                committed_to: None,
                committed: limit == 0,
            }),
            more: Notify::new(),
            limit,
            pool,
        })
    }

    fn release(&self, n: usize) {
        if let (Some(pool), true) = (&self.pool, n > 0) {
            pool.release(n);
        }
    }

    fn lock(&self) -> MutexGuard<'_, ReplayState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the call is committed (no more attempts may start).
    pub(crate) fn is_committed(&self) -> bool {
        self.lock().committed
    }

    /// Commits the call to attempt `id` (it received response headers). `false` if another
    /// attempt already won.
    pub(crate) fn commit(&self, id: u32) -> bool {
        let mut st = self.lock();
        match st.committed_to {
            Some(w) if w != id => false,
            _ => {
                st.committed = true;
                st.committed_to = Some(id);
                let freed = st.evict();
                drop(st);
                self.release(freed);
                self.more.notify_waiters();
                true
            }
        }
    }

    /// Attempt `id` is over.
    pub(crate) fn forget(&self, id: u32) {
        let mut st = self.lock();
        st.cursors.retain(|(i, _)| *i != id);
    }

    /// The next message for attempt `id`.
    pub(crate) async fn next(&self, id: u32) -> Next {
        loop {
            let notified = self.more.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let step = {
                let mut st = self.lock();
                let (base, stored, total, end) = (st.base, st.msgs.len(), st.total, st.end);
                let lost = st.committed_to.is_some_and(|w| w != id);
                let cursor = *st.cursor(id);
                if lost || cursor < base || (cursor >= base + stored && cursor < total) {
                    Step::Return(Next::Evicted)
                } else if cursor < base + stored {
                    let m = st.msgs[cursor - base].clone();
                    *st.cursor(id) += 1;
                    let freed = st.evict();
                    drop(st);
                    self.release(freed);
                    Step::Return(Next::Message(m))
                } else if let Some(ok) = end {
                    Step::Return(if ok { Next::End } else { Next::Failed })
                } else {
                    match st.source.take() {
                        Some(s) => Step::Pull(s),
                        None => Step::Wait,
                    }
                }
            };
            match step {
                Step::Return(n) => return n,
                Step::Wait => notified.await,
                Step::Pull(stream) => {
                    let mut taken = Taken {
                        replay: self,
                        stream: Some(stream),
                    };
                    let item = poll_fn(|cx| {
                        taken
                            .stream
                            .as_mut()
                            .expect("held while pulling")
                            .as_mut()
                            .poll_next(cx)
                    })
                    .await;
                    let stream = taken.stream.take();
                    let mut st = self.lock();
                    st.source = stream;
                    let mut freed = 0;
                    let next = match item {
                        Some(Ok(msg)) => {
                            st.total += 1;
                            let total = st.total;
                            let fits = st.committed
                                || (st.bytes + msg.len() <= self.limit
                                    && self.pool.as_ref().is_none_or(|p| p.reserve(msg.len())));
                            if !fits {
                                // gRFC A6: "When the application sends a message on an RPC
                                // that causes the RPC to exceed the buffer limit, the RPC
                                // becomes committed ... For hedged RPCs ... the client will
                                // continue the currently in-flight attempt on which the
                                // maximum number of messages have already been sent."
                                st.committed = true;
                                st.committed_to = Some(id);
                            }
                            if st.committed {
                                *st.cursor(id) = total;
                                freed = st.evict();
                            } else {
                                st.bytes += msg.len();
                                st.msgs.push_back(msg.clone());
                                *st.cursor(id) = total;
                            }
                            Next::Message(msg)
                        }
                        Some(Err(_)) => {
                            st.end = Some(false);
                            Next::Failed
                        }
                        None => {
                            st.end = Some(true);
                            Next::End
                        }
                    };
                    drop(st);
                    self.release(freed);
                    self.more.notify_waiters();
                    return next;
                }
            }
        }
    }
}

/// gRFC A6 retry throttling for one channel: "token_count ... initially set to maxTokens";
/// counted in thousandths ("Decimal places beyond 3 are ignored").
#[derive(Debug)]
pub(crate) struct Throttle {
    max: u32,
    ratio: u32,
    tokens: AtomicU32,
}

impl Throttle {
    pub(crate) fn new(t: RetryThrottling) -> Throttle {
        let max = t.max_tokens * 1000;
        Throttle {
            max,
            ratio: t.token_ratio_milli,
            tokens: AtomicU32::new(max),
        }
    }

    /// A6: "If token_count is less than or equal to the threshold, defined to be
    /// (maxTokens / 2), then RPCs will not be retried until token_count rises over the
    /// threshold."
    pub(crate) fn allows(&self) -> bool {
        self.tokens.load(Ordering::Relaxed) > self.max / 2
    }

    /// A6: "Every failed RPC will decrement the token_count by 1."
    pub(crate) fn failure(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_sub(1000))
            });
    }

    /// A6: "Every successful RPC will increment the token_count by tokenRatio."
    pub(crate) fn success(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(self.ratio).min(self.max))
            });
    }
}

/// What the server's `grpc-retry-pushback-ms` says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pushback {
    /// No pushback.
    None,
    /// Retry after exactly this delay.
    After(Duration),
    /// Do not retry.
    Stop,
}

/// A6: "The value is to be an ASCII encoded signed 32-bit integer with no unnecessary leading
/// zeros that represents how many milliseconds to wait before sending a retry. If the value
/// for pushback is negative or unparseble, then it will be seen as the server asking the
/// client not to retry at all."
pub(crate) fn pushback(status: &Status) -> Pushback {
    let Some(v) = status.metadata().get("grpc-retry-pushback-ms") else {
        return Pushback::None;
    };
    let parsed = std::str::from_utf8(v)
        .ok()
        .filter(|s| s == &"0" || !(s.starts_with('0') || s.starts_with("-0")))
        .and_then(|s| s.parse::<i32>().ok());
    match parsed {
        Some(ms) if ms >= 0 => Pushback::After(Duration::from_millis(ms as u64)),
        _ => Pushback::Stop,
    }
}

/// A6: "The initial retry attempt will occur after initialBackoff * random(0.8, 1.2). After
/// that, the n-th attempt will occur after min(initialBackoff*backoffMultiplier**(n-1),
/// maxBackoff) * random(0.8, 1.2))." `n` counts from 0 since the last pushback.
pub(crate) fn retry_delay(p: &RetryPolicy, n: u32, rng: &mut Rng) -> Duration {
    let base = p.initial_backoff.as_secs_f64() * p.backoff_multiplier.powi(n.min(1000) as i32);
    let capped = base.min(p.max_backoff.as_secs_f64());
    Duration::from_secs_f64(capped * (0.8 + 0.4 * rng.unit()))
}

/// How one scheduled attempt ended.
// Moved once per attempt; boxing the call body would cost an allocation on every call.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Outcome {
    /// Response headers arrived: the call is committed to this attempt.
    Won(Metadata, CallBody),
    /// The attempt ended with a status.
    Failed(Status),
    /// Another attempt had already won.
    Lost,
}

/// A call's attempts, as the schedules see them.
pub(crate) trait Attempts: Send + Sync + 'static {
    /// Runs one attempt (with its transparent retries); `previous` is the number of attempts
    /// before it (sent as `grpc-previous-rpc-attempts`).
    fn attempt(self: Arc<Self>, previous: u32) -> BoxFuture<'static, Outcome>;
    /// Whether the request outgrew the replay buffer.
    fn committed(&self) -> bool;
    /// The channel's retry throttle.
    fn throttle(&self) -> Option<&Throttle>;
}

fn throttle_allows<A: Attempts>(a: &A) -> bool {
    a.throttle().is_none_or(Throttle::allows)
}

/// A call under a retry policy.
pub(crate) async fn with_retries<A: Attempts>(
    plan: Arc<A>,
    policy: &RetryPolicy,
) -> Result<(Metadata, CallBody), Status> {
    let mut previous = 0u32;
    let mut n = 0u32;
    let mut rng = Rng::new(u64::from(policy.max_attempts));
    loop {
        let status = match Arc::clone(&plan).attempt(previous).await {
            Outcome::Won(md, body) => {
                if let Some(t) = plan.throttle() {
                    t.success();
                }
                return Ok((md, body));
            }
            Outcome::Failed(s) => s,
            Outcome::Lost => Status::new(Code::CANCELLED, "attempt superseded"),
        };
        previous += 1;
        let push = pushback(&status);
        let retryable = policy.retryable_codes.contains(&status.code());
        // A6: "The only RPCs that are counted as failures for the throttling policy are RPCs
        // that fail with a status code that qualifies as a retryable or non-fatal status code,
        // or that receive a pushback response indicating not to retry."
        if retryable || push == Pushback::Stop {
            if let Some(t) = plan.throttle() {
                t.failure();
            }
        }
        if !retryable
            || push == Pushback::Stop
            || previous >= policy.max_attempts
            || plan.committed()
            || !throttle_allows(&*plan)
        {
            return Err(status);
        }
        let delay = match push {
            // A6: "it will retry after exactly that delay. For subsequent retries, the delay
            // period will be reset to the initialBackoff setting".
            Pushback::After(d) => {
                n = 0;
                d
            }
            _ => {
                let d = retry_delay(policy, n, &mut rng);
                n += 1;
                d
            }
        };
        tracing::debug!(code = %status.code(), ?delay, attempt = previous, "retrying call");
        tokio::time::sleep(delay).await;
    }
}

/// A call under a hedging policy: A6 "the original RPC is sent immediately ... After
/// hedgingDelay has elapsed without a successful response, the second RPC will be issued",
/// up to maxAttempts; the first response wins and the others are cancelled.
pub(crate) async fn with_hedging<A: Attempts>(
    plan: Arc<A>,
    policy: &HedgingPolicy,
) -> Result<(Metadata, CallBody), Status> {
    // Dropping the set (the call won, failed fatally, or was dropped) aborts the other
    // attempts; their streams are reset with CANCEL.
    let mut set: JoinSet<Outcome> = JoinSet::new();
    let mut started = 0u32;
    let mut next_at = Instant::now();
    let mut stop = false;
    let mut last: Option<Status> = None;
    loop {
        if !stop && started < policy.max_attempts && Instant::now() >= next_at {
            // A6: "The first outgoing RPC will always be sent, but subsequent hedged RPCs will
            // only be sent if token_count is greater than the threshold."
            if started > 0 && (!throttle_allows(&*plan) || plan.committed()) {
                stop = true;
            } else {
                set.spawn(Arc::clone(&plan).attempt(started));
                started += 1;
                next_at = Instant::now() + policy.hedging_delay;
                continue;
            }
        }
        let more = !stop && started < policy.max_attempts;
        if set.is_empty() && !more {
            return Err(last.unwrap_or_else(|| {
                Status::new(Code::UNAVAILABLE, "no hedged attempt could be sent")
            }));
        }
        tokio::select! {
            Some(joined) = set.join_next(), if !set.is_empty() => {
                let status = match joined {
                    Ok(Outcome::Won(md, body)) => {
                        if let Some(t) = plan.throttle() {
                            t.success();
                        }
                        return Ok((md, body));
                    }
                    Ok(Outcome::Lost) => continue,
                    Ok(Outcome::Failed(s)) => s,
                    Err(e) => Status::internal(format!("hedged attempt failed: {e}")),
                };
                let push = pushback(&status);
                let non_fatal = policy.non_fatal_codes.contains(&status.code());
                if non_fatal || push == Pushback::Stop {
                    if let Some(t) = plan.throttle() {
                        t.failure();
                    }
                }
                if !non_fatal {
                    // A fatal status commits the call to it.
                    return Err(status);
                }
                match push {
                    // A6: "If the pushback says not to retry, no further hedged requests will
                    // be sent."
                    Pushback::Stop => stop = true,
                    // "the next hedged request (if any) will be issued after the given delay"
                    Pushback::After(d) => next_at = Instant::now() + d,
                    // "Immediately send next scheduled hedged request, if any."
                    Pushback::None => next_at = Instant::now(),
                }
                last = Some(status);
            }
            _ = tokio::time::sleep_until(next_at.into()), if more => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::BoxStream;

    fn stream_of(items: Vec<&'static [u8]>) -> ByteStream {
        let messages = items.into_iter().map(|b| Ok(Bytes::from_static(b)));
        Box::pin(crate::iter(messages)) as BoxStream<_>
    }

    async fn drain(r: &Replay, id: u32) -> Vec<Bytes> {
        let mut out = Vec::new();
        loop {
            match r.next(id).await {
                Next::Message(m) => out.push(m),
                Next::End => return out,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn replays_for_a_second_attempt() {
        let r = Replay::new(stream_of(vec![b"a", b"bb", b"ccc"]), 1024, None);
        assert_eq!(drain(&r, 0).await, vec!["a", "bb", "ccc"]);
        assert_eq!(drain(&r, 1).await, vec!["a", "bb", "ccc"]);
        assert!(!r.is_committed());
        assert!(r.commit(1));
        assert!(!r.commit(0), "the first commit wins");
        assert!(r.is_committed());
        assert!(matches!(r.next(0).await, Next::Evicted));
        assert_eq!(r.lock().bytes, 0, "committed and sent: nothing kept");
    }

    #[tokio::test]
    async fn overflow_commits_to_the_leading_attempt() {
        let r = Replay::new(stream_of(vec![b"1234", b"5678", b"9"]), 6, None);
        assert!(matches!(r.next(0).await, Next::Message(_)));
        assert!(matches!(r.next(1).await, Next::Message(_)));
        assert!(!r.is_committed());
        // 4 + 4 > 6: committed to attempt 0, which pulled the message.
        assert!(matches!(r.next(0).await, Next::Message(m) if m == "5678"));
        assert!(r.is_committed());
        assert!(matches!(r.next(1).await, Next::Evicted));
        assert!(matches!(r.next(0).await, Next::Message(m) if m == "9"));
        assert!(matches!(r.next(0).await, Next::End));
        assert_eq!(r.lock().msgs.len(), 0);
    }

    #[tokio::test]
    async fn the_channel_pool_bounds_all_calls_together() {
        let pool = BufferPool::new(5);
        let a = Replay::new(stream_of(vec![b"123", b"4"]), 1024, Some(Arc::clone(&pool)));
        assert_eq!(drain(&a, 0).await, vec!["123", "4"]);
        assert_eq!(pool.used(), 4);
        assert!(!a.is_committed());
        // A second call finds 1 byte left: its first message does not fit, it is committed.
        let b = Replay::new(stream_of(vec![b"56"]), 1024, Some(Arc::clone(&pool)));
        assert_eq!(drain(&b, 0).await, vec!["56"]);
        assert!(b.is_committed());
        assert_eq!(pool.used(), 4);
        // Committing frees what was sent; dropping a call frees the rest.
        assert!(a.commit(0));
        assert_eq!(pool.used(), 0);
        let c = Replay::new(stream_of(vec![b"12345"]), 1024, Some(Arc::clone(&pool)));
        assert_eq!(drain(&c, 0).await, vec!["12345"]);
        assert_eq!(pool.used(), 5);
        drop(c);
        assert_eq!(pool.used(), 0);
    }

    #[test]
    fn throttling_tokens() {
        let t = Throttle::new(RetryThrottling {
            max_tokens: 10,
            token_ratio_milli: 100,
        });
        for _ in 0..5 {
            assert!(t.allows());
            t.failure();
        }
        // 5 tokens left = maxTokens / 2: no more retries.
        assert!(!t.allows());
        t.success();
        assert!(t.allows(), "5.1 > 5");
        for _ in 0..100 {
            t.success();
        }
        assert_eq!(
            t.tokens.load(Ordering::Relaxed),
            10_000,
            "capped at maxTokens"
        );
    }

    #[test]
    fn pushback_values() {
        let with = |v: &str| {
            let mut md = Metadata::new();
            md.insert("grpc-retry-pushback-ms", v.to_owned()).unwrap();
            pushback(&Status::new(Code::UNAVAILABLE, "x").with_metadata(md))
        };
        assert_eq!(
            pushback(&Status::new(Code::UNAVAILABLE, "x")),
            Pushback::None
        );
        assert_eq!(with("0"), Pushback::After(Duration::ZERO));
        assert_eq!(with("250"), Pushback::After(Duration::from_millis(250)));
        assert_eq!(with("-1"), Pushback::Stop);
        assert_eq!(with("abc"), Pushback::Stop);
        assert_eq!(with("007"), Pushback::Stop);
        assert_eq!(with("99999999999"), Pushback::Stop);
    }

    #[test]
    fn retry_backoff_bounds() {
        let p = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            backoff_multiplier: 2.0,
            retryable_codes: vec![Code::UNAVAILABLE],
        };
        let mut rng = Rng::seeded(7);
        for (n, base) in [(0, 100.0), (1, 200.0), (2, 300.0), (5, 300.0)] {
            let d = retry_delay(&p, n, &mut rng).as_secs_f64() * 1000.0;
            assert!(d >= base * 0.8 - 1e-6 && d <= base * 1.2 + 1e-6, "{n}: {d}");
        }
    }
}
