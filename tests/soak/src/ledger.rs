//! The ledger: what the clients saw of every call, what the servers did with it (each
//! execution, counted by the call id in metadata), and the judgement of each call once nothing
//! more can happen to it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::log::{FaultLog, SLACK};
use crate::schedule::{CallSpec, Policy, RETRY_MAX_BACKOFF, STALL_MAX, UNAVAILABLE};

/// How long after its deadline a call may take to end, at the client or at a server, before it
/// counts as hung. courier-rpc ends a call at its deadline with a timer of its own (the client
/// races the attempts against it; the server cancels the handler, then drops it after the
/// cancel grace, 100 ms); what remains is scheduling delay. One second is ten times the cancel
/// grace and far above the timer lag of a loaded two-core machine (the soak prints the worst
/// lag it saw), and a fifth of the shortest deadline: a call stuck for good is still caught.
pub const HANG_GRACE: Duration = Duration::from_secs(1);

/// A server completed a call, yet the client's deadline expired before the response arrived:
/// that is the network's doing only if the completion came close to the deadline. The
/// response crosses the proxy's latency and jitter (at most 25 ms each way) and, without a
/// fault, nothing else; 500 ms leaves room for a loaded machine's scheduling. A completed call
/// whose response is stuck for longer on a connection with no fault is lost.
pub const DEADLINE_SLACK: Duration = Duration::from_millis(500);

/// The request bytes a call may send and stay retryable: courier-rpc's per-call replay buffer
/// (`retry_buffer_size`, 256 KiB). A call that sends more commits and may not be retried.
pub const RETRY_BUFFER: u64 = 256 << 10;

/// When a call is judged, after it started: by then no attempt of it can still reach a server.
/// An attempt's request can wait behind every stall of its connection's client-to-server
/// direction (at most three of [`STALL_MAX`]), and then run for up to its deadline; twice the
/// deadline plus those stalls plus two seconds of slack covers both.
/// Without proxy faults (`stalls` false: graceful-only runs) nothing holds a request back and
/// the stalls' term is dropped.
pub fn horizon(spec: &CallSpec, stalls: bool) -> Duration {
    let held = if stalls {
        STALL_MAX * 3
    } else {
        Duration::ZERO
    };
    spec.timeout * 2 + held + Duration::from_secs(2)
}

/// A call that reached no server and failed when every backend had been down at some time in
/// this long before is excused: the Channel's reconnect backoff (at most 1 s in the soak) can
/// keep a subchannel failing that long after its backend is back, plus [`SLACK`].
pub const NO_BACKEND: Duration = Duration::from_millis(1100);

/// How a call ended at the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// OK, with every response message as expected.
    Ok,
    /// OK, but a response message was not the expected one (the reason).
    BadResponse(String),
    /// A status other than OK.
    Failed {
        /// The gRPC code.
        code: i32,
        /// The status message.
        message: String,
    },
    /// Not ended by its deadline plus [`HANG_GRACE`]: the soak gave up on it.
    Hung,
}

/// How an execution ended at a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecEnd {
    /// The handler produced every response message.
    Ok,
    /// The handler failed the attempt as its script says (this code).
    Scripted(i32),
    /// A request message was not the expected one (the handler answered DATA_LOSS).
    Corrupt,
    /// The handler ended without completing: dropped or cancelled.
    Aborted,
}

/// One execution of a call at a server.
#[derive(Clone, Debug)]
pub struct Exec {
    /// `grpc-previous-rpc-attempts`.
    pub attempt: u32,
    /// The proxy connection it came over (from the server's peer address).
    pub conn: Option<u64>,
    /// The backend that ran it.
    pub backend: usize,
    /// When the handler started.
    pub start: Instant,
    /// When and how it ended.
    pub end: Option<(Instant, ExecEnd)>,
}

struct CallRec {
    spec: CallSpec,
    start: Instant,
    end: Option<(Instant, Outcome)>,
}

#[derive(Default)]
struct Inner {
    calls: HashMap<u64, CallRec>,
    execs: HashMap<u64, Vec<Exec>>,
}

/// Counters of the run, and the first examples of each problem.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    /// Calls judged.
    pub calls: u64,
    /// Calls that ended OK.
    pub ok: u64,
    /// Calls that ended with the error their script expects.
    pub expected_errors: u64,
    /// Other failures by code (faults explain them, or they are unexplained but lost nothing).
    pub failed: BTreeMap<i32, u64>,
    /// Hung calls (client) and handlers (server).
    pub hung: u64,
    /// Lost calls: completed but failed, dropped, run too often, retries not made, phantom
    /// successes, corrupt answers on a clean path, executions nobody asked for.
    pub lost: u64,
    /// Failures after which no server had completed the call and nothing on its path was
    /// disrupted: nothing was lost, but nothing explains them either (reported, not counted).
    pub unexplained: u64,
    /// Calls whose bad answers or failures a corrupted connection excuses.
    pub excused_corrupt: u64,
    /// Failures of calls that reached no server when every backend had been down within
    /// [`NO_BACKEND`] before.
    pub no_backend: u64,
    /// Executions at the servers.
    pub executions: u64,
    /// The latest a call ended after its deadline.
    pub worst_overshoot: Duration,
    /// Problems, one line each (the first [`EXAMPLES`]).
    pub examples: Vec<String>,
    /// Unexplained failures (the first [`EXAMPLES`]).
    pub unexplained_examples: Vec<String>,
}

/// Examples kept per list.
pub const EXAMPLES: usize = 20;

/// The ledger.
#[derive(Default)]
pub struct Ledger {
    /// Whether the proxy injects faults (stalls hold requests back: see [`horizon`]).
    stalls: bool,
    inner: Mutex<Inner>,
    taken: AtomicU64,
    live_execs: AtomicUsize,
    totals: Mutex<Totals>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").finish_non_exhaustive()
    }
}

fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|c| NAMES.get(c))
        .copied()
        .unwrap_or("?")
}

/// Marks an execution's end; an execution whose guard is dropped unmarked was aborted.
#[derive(Debug)]
pub struct ExecGuard {
    ledger: Arc<Ledger>,
    call: u64,
    slot: usize,
    done: bool,
}

impl ExecGuard {
    /// Whether its end is marked.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The execution ended this way.
    pub fn finish(&mut self, end: ExecEnd) {
        if !self.done {
            self.done = true;
            self.ledger.exec_end(self.call, self.slot, end);
        }
    }
}

impl Drop for ExecGuard {
    fn drop(&mut self) {
        self.finish(ExecEnd::Aborted);
        self.ledger.live_execs.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Ledger {
    /// An empty ledger, for a run with proxy faults (`stalls`) or without.
    pub fn new(stalls: bool) -> Ledger {
        Ledger {
            stalls,
            ..Ledger::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn totals(&self) -> std::sync::MutexGuard<'_, Totals> {
        self.totals.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn problem(&self, line: String) {
        let mut t = self.totals();
        t.lost += 1;
        if t.examples.len() < EXAMPLES {
            t.examples.push(line);
        }
    }

    /// The next call number.
    pub fn take(&self) -> u64 {
        self.taken.fetch_add(1, Ordering::SeqCst)
    }

    /// A call starts (before its request is sent).
    pub fn start(&self, spec: CallSpec) {
        self.lock().calls.insert(
            spec.index,
            CallRec {
                spec,
                start: Instant::now(),
                end: None,
            },
        );
    }

    /// A call ended at the client.
    pub fn end(&self, call: u64, outcome: Outcome) {
        if let Some(c) = self.lock().calls.get_mut(&call) {
            c.end = Some((Instant::now(), outcome));
        }
    }

    /// A server starts running call `id` (its metadata id); `None` when the id is not one a
    /// client sent (it has been recorded as a problem, unless the connection was corrupted).
    pub fn exec_start(
        self: &Arc<Self>,
        id: Option<u64>,
        attempt: u32,
        conn: Option<u64>,
        backend: usize,
        log: &FaultLog,
    ) -> Option<ExecGuard> {
        let mut g = self.lock();
        let known = id.filter(|i| g.calls.contains_key(i));
        let Some(call) = known else {
            drop(g);
            if log.tainted(conn) {
                self.totals().excused_corrupt += 1;
            } else if id.is_some_and(|i| i < self.taken.load(Ordering::SeqCst)) {
                self.problem(format!(
                    "call {} ran at backend {backend} (attempt {attempt}, conn {conn:?}) after it was judged: later than any attempt could arrive",
                    id.unwrap_or_default()
                ));
            } else {
                self.problem(format!(
                    "backend {backend} ran a call no client made (id {id:?}, conn {conn:?}, clean connection)"
                ));
            }
            return None;
        };
        let v = g.execs.entry(call).or_default();
        v.push(Exec {
            attempt,
            conn,
            backend,
            start: Instant::now(),
            end: None,
        });
        let slot = v.len() - 1;
        drop(g);
        self.live_execs.fetch_add(1, Ordering::SeqCst);
        Some(ExecGuard {
            ledger: Arc::clone(self),
            call,
            slot,
            done: false,
        })
    }

    fn exec_end(&self, call: u64, slot: usize, end: ExecEnd) {
        if let Some(e) = self
            .lock()
            .execs
            .get_mut(&call)
            .and_then(|v| v.get_mut(slot))
        {
            e.end = Some((Instant::now(), end));
        }
    }

    /// Handlers running now.
    pub fn live_execs(&self) -> usize {
        self.live_execs.load(Ordering::SeqCst)
    }

    /// Calls not judged yet.
    pub fn pending(&self) -> usize {
        self.lock().calls.len()
    }

    /// Judges every call whose horizon has passed; returns how many remain.
    pub fn sweep(&self, log: &FaultLog) -> usize {
        let now = Instant::now();
        let mut due = Vec::new();
        {
            let mut g = self.lock();
            let ids: Vec<u64> = g
                .calls
                .iter()
                .filter(|(_, c)| c.end.is_some() && now >= c.start + horizon(&c.spec, self.stalls))
                .map(|(&i, _)| i)
                .collect();
            for i in ids {
                let c = g.calls.remove(&i).expect("listed");
                let e = g.execs.remove(&i).unwrap_or_default();
                due.push((c, e));
            }
        }
        for (c, e) in due {
            self.judge(c, e, log, now);
        }
        self.pending()
    }

    /// The totals so far.
    pub fn report(&self) -> Totals {
        self.totals().clone()
    }

    fn judge(&self, c: CallRec, execs: Vec<Exec>, log: &FaultLog, now: Instant) {
        let spec = &c.spec;
        let deadline = c.start + spec.timeout;
        let (end, outcome) = c.end.clone().expect("judged calls have ended");
        let mut t = self.totals();
        t.calls += 1;
        t.executions += execs.len() as u64;
        t.worst_overshoot = t
            .worst_overshoot
            .max(end.saturating_duration_since(deadline));
        drop(t);
        let id = format!(
            "call {} ({:?}/{:?}, channel {}, timeout {} ms, {}x{} B in, {}x{} B out)",
            spec.index,
            spec.kind,
            spec.policy,
            spec.channel,
            spec.timeout.as_millis(),
            spec.requests,
            spec.request_size,
            spec.responses,
            spec.response_size
        );
        let ms = |i: Instant| {
            if i >= c.start {
                format!("+{}ms", i.duration_since(c.start).as_millis())
            } else {
                format!("-{}ms", c.start.duration_since(i).as_millis())
            }
        };
        let execs_line = || {
            execs
                .iter()
                .map(|e| {
                    format!(
                        "[attempt {} backend {} conn {:?} {}..{}]",
                        e.attempt,
                        e.backend,
                        e.conn,
                        ms(e.start),
                        e.end
                            .map(|(t, how)| format!("{} {how:?}", ms(t)))
                            .unwrap_or_else(|| "running".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let tainted = execs.iter().any(|e| log.tainted(e.conn));
        // Whether anything on the path of any of the call's executions can explain a failure
        // or a delay between the call's start and `to`.
        let disrupted = |to: Instant| {
            execs
                .iter()
                .any(|e| log.disrupted(e.conn, e.backend, c.start, to))
        };

        // H: the client gave up waiting, or a handler outlived the call's deadline.
        if outcome == Outcome::Hung {
            let mut t = self.totals();
            t.hung += 1;
            if t.examples.len() < EXAMPLES {
                t.examples.push(format!(
                    "HUNG {id}: no status {} ms after its deadline; executions {}",
                    HANG_GRACE.as_millis(),
                    execs_line()
                ));
            }
        }
        for e in &execs {
            // The server's deadline starts when the request arrives.
            let limit = e.start + spec.timeout + HANG_GRACE;
            let over = match e.end {
                Some((t, _)) => t > limit,
                None => now > limit,
            };
            if over {
                let mut t = self.totals();
                t.hung += 1;
                if t.examples.len() < EXAMPLES {
                    t.examples.push(format!(
                        "HUNG {id}: a handler ran past its deadline + {} ms: {}",
                        HANG_GRACE.as_millis(),
                        execs_line()
                    ));
                }
            }
        }

        // L1: more executions than the policy allows (a call without a policy is not
        // idempotent: it must run at most once).
        let max = spec.policy.max_attempts() as usize;
        if execs.len() > max {
            self.problem(format!(
                "RAN {} TIMES {id}: its policy allows {max}; client: {outcome:?}; {}",
                execs.len(),
                execs_line()
            ));
        }

        let completed = execs
            .iter()
            .filter_map(|e| match e.end {
                Some((t, ExecEnd::Ok)) => Some((e, t)),
                _ => None,
            })
            .min_by_key(|(_, t)| *t);
        match &outcome {
            Outcome::Ok => {
                if completed.is_none() {
                    if tainted {
                        self.totals().excused_corrupt += 1;
                    } else {
                        // L: the client reports a success no server produced.
                        self.problem(format!(
                            "PHANTOM OK {id}: no execution completed: {}",
                            execs_line()
                        ));
                    }
                }
                self.totals().ok += 1;
            }
            Outcome::BadResponse(why) => {
                if tainted {
                    self.totals().excused_corrupt += 1;
                } else {
                    // L: a wrong answer delivered as a success over clean connections.
                    self.problem(format!(
                        "BAD RESPONSE {id}: {why}; every connection clean: {}",
                        execs_line()
                    ));
                }
            }
            Outcome::Failed { code, message } => {
                let expected = spec.expected_code();
                let scripted = message.contains(crate::service::SCRIPTED);
                // A scripted failure that the policy could not get past: no policy, too many
                // scripted attempts, or a request too large to replay (the call committed).
                let as_scripted = *code == expected && (expected == 0 || scripted)
                    || scripted && *code == UNAVAILABLE && spec.request_bytes() > RETRY_BUFFER;
                if as_scripted {
                    self.totals().expected_errors += 1;
                } else {
                    *self.totals().failed.entry(*code).or_default() += 1;
                }
                // A retryable failure ended a call under the retry policy with attempts and
                // time left. Only for `retryPolicy`: its attempts run one after another, so the
                // highest attempt number a server saw counts every attempt the client made
                // (those that reached no server too). Hedged attempts run side by side, and one
                // that reached no server may fail before a scripted one: not judged.
                let not_retried = scripted
                    && *code == UNAVAILABLE
                    && spec.policy == Policy::Retry
                    && execs.iter().map(|e| e.attempt + 1).max().unwrap_or(0)
                        < spec.policy.max_attempts()
                    && end + RETRY_MAX_BACKOFF * 2 + SLACK < deadline
                    && spec.request_bytes() <= RETRY_BUFFER;
                if not_retried {
                    // L: the retry the policy owed was not made.
                    self.problem(format!(
                        "NOT RETRIED {id}: scripted UNAVAILABLE for {} attempts, policy allows {}, client gave up at {} with {} ms left: {}",
                        spec.script.fail_first,
                        spec.policy.max_attempts(),
                        ms(end),
                        deadline.saturating_duration_since(end).as_millis(),
                        execs_line()
                    ));
                } else if as_scripted {
                } else if let Some((e, done)) = completed {
                    // L: the server completed the call, the client reports a failure.
                    let deadline_close =
                        *code == 4 && deadline.saturating_duration_since(done) < DEADLINE_SLACK;
                    if tainted {
                        self.totals().excused_corrupt += 1;
                    } else if !(disrupted(end) || deadline_close) {
                        self.problem(format!(
                            "LOST {id}: backend {} completed attempt {} at {} (deadline +{}ms), client got {} \"{message}\" at {}; nothing disrupted its path: {}",
                            e.backend,
                            e.attempt,
                            ms(done),
                            spec.timeout.as_millis(),
                            code_name(*code),
                            ms(end),
                            execs_line()
                        ));
                    }
                } else if tainted {
                    self.totals().excused_corrupt += 1;
                } else if execs.is_empty()
                    && log
                        .every_backend_down_between(end.checked_sub(NO_BACKEND).unwrap_or(end), end)
                {
                    // Nowhere to go: every backend was down within the Channel's reconnect
                    // backoff before the failure.
                    self.totals().no_backend += 1;
                } else if !disrupted(end)
                    && !log.channel_disrupted(spec.channel, log.backend_in(message), c.start, end)
                {
                    let mut t = self.totals();
                    t.unexplained += 1;
                    if t.unexplained_examples.len() < EXAMPLES {
                        let b = log.backend_in(message);
                        t.unexplained_examples.push(format!(
                            "{id}: {} \"{message}\" at {} (backend {b:?}): {}; its channel's connections then: {}",
                            code_name(*code),
                            ms(end),
                            execs_line(),
                            log.describe(spec.channel, b, c.start, end)
                        ));
                    }
                }
            }
            Outcome::Hung => {}
        }

        // L: an execution the server accepted and dropped, with nothing to explain it: not the
        // client (it had not ended the call), not the deadline, not a fault on its path, not a
        // hedge (another attempt took over). Graceful shutdowns and GOAWAYs are no excuse.
        for e in &execs {
            let Some((dropped, ExecEnd::Aborted)) = e.end else {
                continue;
            };
            let client_gone = end <= dropped + SLACK;
            let deadline_passed =
                dropped + SLACK >= e.start + spec.timeout || dropped + SLACK >= deadline;
            let hedged = spec.policy == Policy::Hedge && execs.len() > 1;
            if !(client_gone
                || deadline_passed
                || hedged
                || log.disrupted(e.conn, e.backend, e.start, dropped))
            {
                self.problem(format!(
                    "DROPPED {id}: backend {} dropped attempt {} at {} without completing it; client: {outcome:?} at {}: {}",
                    e.backend,
                    e.attempt,
                    ms(dropped),
                    ms(end),
                    execs_line()
                ));
            }
        }
    }
}
