//! A fault-injecting soak for courier-rpc (`cargo xtask soak`).
//!
//! Several courier-rpc backends serve a test service; a fault proxy ([`proxy`]) stands between
//! them and several Channels that balance round_robin with retry and hedging policies
//! ([`client`]). For N seconds the Channels send unary, server-streaming, client-streaming and
//! bidi calls while the proxy injects, on a seeded schedule ([`schedule`]), latency and jitter,
//! bandwidth caps, resets at random points, half-closes, stalls (zero windows), truncated and
//! corrupted bytes, and the backends are killed, shut down gracefully and restarted (one of
//! them sends GOAWAY on every connection after a second). Then it checks ([`ledger`]):
//!
//! - H: every call ends with a status before its deadline plus [`ledger::HANG_GRACE`], and
//!   no handler outlives its deadline by more;
//! - L: no call a server completed is reported failed unless a fault on its path explains it,
//!   no call runs more often than its policy allows (a call without a policy at most once,
//!   counted at the servers by the call id in metadata), retryable failures are retried while
//!   attempts and time remain, no handler is dropped unexplained (a graceful shutdown or
//!   GOAWAY must let every accepted call complete), no wrong answer arrives as a success;
//! - K: after the run, the runtime's live tasks return to their count before it, no handler
//!   is left running, the live heap returns to its size before the run and does not grow
//!   during it, and the resident set stays under a bound;
//! - P: no panic anywhere (a counting panic hook).
//!
//! It prints `soak: C calls, X faults, H hung, L lost, K leaked, P panics`. Every bound is
//! stated and justified where it is defined. What it does not do: fix anything in
//! courier-rpc or courier-h2 (it reports), or run peers other than courier itself.

pub mod backend;
pub mod client;
pub mod ledger;
pub mod log;
pub mod message;
pub mod metrics;
pub mod proxy;
pub mod rng;
pub mod schedule;
pub mod service;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::backend::Backends;
use crate::client::ClientSabotage;
use crate::ledger::{HANG_GRACE, Ledger, Outcome, Totals};
use crate::log::{FaultKind, FaultLog};
use crate::proxy::{Proxy, ProxySabotage};
use crate::schedule::{BackendAction, MAX_TIMEOUT, STALL_MAX, backend_events, call_spec};
use crate::service::ServerSabotage;

/// Backends in a run (each with its own `max_connection_age`, see [`backend::MAX_AGE`]).
pub const BACKENDS: usize = 3;

/// After the run, the live heap may exceed its size before the run by this much. What stays
/// legitimately: the report's own strings (up to 40 example lines, some 15 KiB), tokio's
/// lazily grown structures (the timer wheel's levels, the injection queue) and std's stdout
/// buffer; measured: +0 to +5 KiB. 256 KiB is fifty times that, and a leak of 8 bytes per
/// call exceeds it within the CI run's 12,000 calls.
pub const HEAP_AFTER_BOUND: usize = 256 << 10;

/// While traffic runs, the live heap's low point in the last quarter of the run may exceed
/// its low point in the second quarter by this much. The low points (sampled every second)
/// are moments with few calls in flight; what varies between them is the calls and
/// connections in flight at that moment and the proxy's queues: 32 calls of at most
/// 6 × 64 KiB each way are 24 MiB at the very worst, typically a tenth of that. 8 MiB catches
/// a leak of 100 bytes per call within a 30-minute run (350,000 calls) and any leak per byte.
pub const HEAP_GROWTH_BOUND: usize = 8 << 20;

/// The resident set may not exceed this at any sample. The heap at peak holds the calls in
/// flight (at most 24 MiB, above) and the proxy's buffers (4 × 16 KiB per direction of each
/// connection, some 200 connections at peak: 25 MiB); glibc's arenas, two worker threads'
/// stacks and the binary add tens of MiB. 512 MiB is several times that and still catches an
/// unbounded buffer within a minute.
pub const RSS_BOUND: u64 = 512 << 20;

/// How long the runtime's tasks get to end after teardown: a graceful server shutdown lasts
/// up to its grace (5 s) plus its final frames; the Channels' connections close at once.
pub const TEARDOWN_WAIT: Duration = Duration::from_secs(10);

/// Deliberate bugs, for the tests that show the checks catch them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sabotage {
    /// In the proxy.
    pub proxy: ProxySabotage,
    /// In the servers.
    pub server: ServerSabotage,
    /// In the clients.
    pub client: ClientSabotage,
}

/// A run's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// How long traffic runs.
    pub seconds: u64,
    /// The schedule's seed.
    pub seed: u64,
    /// Channels.
    pub channels: usize,
    /// Calls in flight at most.
    pub concurrency: usize,
    /// Calls started per second at most (the soak's own CPU use scales with it).
    pub rate: u64,
    /// Deliberate bugs (none in a real run).
    pub sabotage: Sabotage,
    /// Print progress every this many seconds (never when zero).
    pub progress: u64,
    /// Only the graceful events: no proxy faults, no kills (kills become graceful shutdowns);
    /// GOAWAYs from `max_connection_age` as always. Every failure that is not scripted is then
    /// unexplained.
    pub graceful_only: bool,
}

impl Config {
    /// The defaults of `cargo xtask soak`: 4 Channels, at most 32 calls in flight, 400 calls
    /// started a second. The whole soak (clients, proxy, servers, judge) then uses about a
    /// tenth of one core of this machine (measured: 11 % at 600 calls/s), leaving the other
    /// core and most of this one to whatever else runs.
    pub fn new(seconds: u64, seed: u64) -> Config {
        Config {
            seconds,
            seed,
            channels: 4,
            concurrency: 32,
            rate: 400,
            sabotage: Sabotage::default(),
            progress: 10,
            graceful_only: false,
        }
    }
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The settings.
    pub config: Config,
    /// [`schedule::digest`] of the run's schedule.
    pub digest: u64,
    /// The ledger's counters and examples.
    pub totals: Totals,
    /// Faults injected, by kind.
    pub faults: Vec<(FaultKind, u64)>,
    /// Hung calls and handlers (and graceful shutdowns that did not finish).
    pub hung: u64,
    /// Lost calls.
    pub lost: u64,
    /// Leaks: tasks left, handlers left, and one per memory bound exceeded.
    pub leaked: u64,
    /// Of those, tasks left after teardown.
    pub leaked_tasks: usize,
    /// Panics.
    pub panics: u64,
    /// Proxy connections accepted.
    pub connections: u64,
    /// GOAWAY frames the servers sent.
    pub goaways: u64,
    /// Backend events skipped because the backend was already down.
    pub events_skipped: u64,
    /// The leak checks' numbers, one line each.
    pub leak_lines: Vec<String>,
    /// Other measurements, one line each.
    pub info: Vec<String>,
}

impl Report {
    /// The heap check, once the run and its runtime are gone: the live heap back within
    /// [`HEAP_AFTER_BOUND`] of `heap_before`, its size before the runtime was built.
    fn check_heap(&mut self, heap_before: usize) {
        let heap_after = metrics::heap();
        let heap_over = heap_after > heap_before + HEAP_AFTER_BOUND;
        self.leaked += u64::from(heap_over);
        self.leak_lines.push(format!(
            "heap: {} KiB before the run, {} KiB after teardown: {:+} KiB (bound +{} KiB){}",
            heap_before >> 10,
            heap_after >> 10,
            (heap_after as i64 - heap_before as i64) / 1024,
            HEAP_AFTER_BOUND >> 10,
            if heap_over { " EXCEEDED" } else { "" }
        ));
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.hung == 0 && self.lost == 0 && self.leaked == 0 && self.panics == 0
    }

    /// Faults in all.
    pub fn fault_total(&self) -> u64 {
        self.faults.iter().map(|(_, n)| n).sum()
    }

    /// The last line: `soak: C calls, X faults, H hung, L lost, K leaked, P panics`.
    pub fn summary(&self) -> String {
        format!(
            "soak: {} calls, {} faults, {} hung, {} lost, {} leaked, {} panics",
            self.totals.calls,
            self.fault_total(),
            self.hung,
            self.lost,
            self.leaked,
            self.panics
        )
    }

    /// The whole report.
    pub fn render(&self) -> String {
        let t = &self.totals;
        let mut s = String::new();
        let failed = t
            .failed
            .iter()
            .map(|(c, n)| format!("{} {n}", code_label(*c)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "soak: calls: {} judged: {} ok, {} failed as scripted, failed otherwise: [{failed}]; {} executions at the servers; {} excused by corrupted bytes; {} failed while no backend was up; {} failures unexplained (nothing lost)",
            t.calls,
            t.ok,
            t.expected_errors,
            t.executions,
            t.excused_corrupt,
            t.no_backend,
            t.unexplained
        );
        let faults = self
            .faults
            .iter()
            .map(|(k, n)| format!("{} {n}", k.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "soak: faults: {faults}; {} GOAWAYs from the servers; {} proxied connections; {} backend events skipped (backend already down)",
            self.goaways, self.connections, self.events_skipped
        );
        for l in &self.leak_lines {
            let _ = writeln!(s, "soak: leaks: {l}");
        }
        for l in &self.info {
            let _ = writeln!(s, "soak: {l}");
        }
        for e in &t.examples {
            let _ = writeln!(s, "soak: PROBLEM {e}");
        }
        for e in &t.unexplained_examples {
            let _ = writeln!(s, "soak: unexplained failure: {e}");
        }
        let _ = writeln!(s, "{}", self.summary());
        s
    }
}

fn code_label(code: i32) -> String {
    match code {
        1 => "CANCELLED".into(),
        2 => "UNKNOWN".into(),
        4 => "DEADLINE_EXCEEDED".into(),
        8 => "RESOURCE_EXHAUSTED".into(),
        9 => "FAILED_PRECONDITION".into(),
        13 => "INTERNAL".into(),
        14 => "UNAVAILABLE".into(),
        15 => "DATA_LOSS".into(),
        c => format!("code {c}"),
    }
}

fn cpu_seconds() -> f64 {
    // /proc/self/stat: utime and stime are fields 14 and 15, in clock ticks (100 a second on
    // Linux for this interface).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let u: f64 = f.get(11)?.parse().ok()?;
            let k: f64 = f.get(12)?.parse().ok()?;
            Some((u + k) / 100.0)
        })
        .unwrap_or(0.0)
}

/// One memory sample.
#[derive(Clone, Copy, Debug)]
struct Sample {
    at: Instant,
    heap: usize,
    rss: u64,
}

/// Runs the soak on a runtime of its own (two worker threads, as many as the machine has
/// cores) and reports.
pub fn run(config: &Config) -> Report {
    metrics::count_panics();
    // Baseline: nothing of the soak, nor its runtime, exists yet.
    let heap_before = metrics::heap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("soak")
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut report = runtime.block_on(soak(config.clone()));
    // The heap is compared once the runtime is gone: its worker threads' thread-local
    // caches (courier-h2's read block, 256 KiB a thread) are the threads', not a leak.
    drop(runtime);
    report.check_heap(heap_before);
    report
}

async fn soak(config: Config) -> Report {
    let seed = config.seed;
    let run = Duration::from_secs(config.seconds);
    let digest = schedule::digest(seed, run, BACKENDS, config.channels);
    if config.progress > 0 {
        println!(
            "soak: seed {seed}, {} s, schedule digest {digest:016x}, {BACKENDS} backends, {} channels, {} calls/s, {} in flight",
            config.seconds, config.channels, config.rate, config.concurrency
        );
    }
    let panics_before = metrics::panics();
    let cpu_before = cpu_seconds();
    let wall = Instant::now();
    // Baselines: nothing of the soak exists yet.
    let tasks_before = metrics::tasks();

    let log = Arc::new(FaultLog::new());
    let ledger = Arc::new(Ledger::new(!config.graceful_only));
    let proxy = Arc::new(
        Proxy::start(seed, BACKENDS, Arc::clone(&log), config.sabotage.proxy)
            .await
            .expect("the proxy starts"),
    );
    let backends = Arc::new(Backends::new(
        seed,
        config.channels,
        BACKENDS,
        Arc::clone(&ledger),
        Arc::clone(&log),
        Arc::clone(&proxy),
        config.sabotage.server,
    ));
    for i in 0..BACKENDS {
        backends.start(i).await.expect("a backend starts");
    }
    let channels: Vec<courier_rpc::Channel> = (0..config.channels)
        .map(|i| {
            client::channel(
                i,
                proxy.frontends(),
                config.sabotage.client,
                Arc::clone(&log),
            )
        })
        .collect();
    // Warm up without faults: every Channel connected.
    for c in &channels {
        let _ = tokio::time::timeout(Duration::from_secs(5), c.connect_now()).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    proxy.set_faults(!config.graceful_only);
    let t0 = Instant::now();
    let end = t0 + run;
    let stop = Arc::new(AtomicBool::new(false));

    // Backend events.
    let events = {
        let backends = Arc::clone(&backends);
        let stop = Arc::clone(&stop);
        let graceful_only = config.graceful_only;
        tokio::spawn(async move {
            let mut actions = JoinSet::new();
            let mut skipped = 0u64;
            for ev in backend_events(seed, run, BACKENDS) {
                tokio::time::sleep_until((t0 + ev.at).into()).await;
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if !backends.claim(ev.backend) {
                    skipped += 1;
                    continue;
                }
                let b = Arc::clone(&backends);
                actions.spawn(async move {
                    match ev.action {
                        BackendAction::Kill if !graceful_only => b.kill(ev.backend),
                        BackendAction::Kill => b.shutdown(ev.backend).await,
                        BackendAction::Shutdown => b.shutdown(ev.backend).await,
                    }
                    tokio::time::sleep(ev.down_for).await;
                    // A port is free until bound again; retry if another socket took it.
                    for _ in 0..50 {
                        if b.start(ev.backend).await.is_ok() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    b.release(ev.backend);
                });
                while actions.try_join_next().is_some() {}
            }
            while actions.join_next().await.is_some() {}
            skipped
        })
    };

    // The judge, the memory sampler and progress.
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let lag = Arc::new(Mutex::new(Duration::ZERO));
    let judge = {
        let (ledger, log, samples, lag, proxy) = (
            Arc::clone(&ledger),
            Arc::clone(&log),
            Arc::clone(&samples),
            Arc::clone(&lag),
            Arc::clone(&proxy),
        );
        let progress = config.progress;
        tokio::spawn(async move {
            let mut tick = 0u64;
            loop {
                let before = Instant::now();
                tokio::time::sleep(Duration::from_millis(250)).await;
                let late = before.elapsed().saturating_sub(Duration::from_millis(250));
                {
                    let mut l = lag.lock().unwrap_or_else(|e| e.into_inner());
                    *l = (*l).max(late);
                }
                ledger.sweep(&log);
                // The judge never looks further back than a call's horizon (under 20 s).
                log.prune(Instant::now() - Duration::from_secs(60));
                tick += 1;
                if tick % 4 == 0 {
                    samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Sample {
                            at: Instant::now(),
                            heap: metrics::heap(),
                            rss: metrics::rss(),
                        });
                }
                if progress > 0 && tick % (progress * 4) == 0 {
                    let t = ledger.report();
                    println!(
                        "soak: +{:>4}s {} calls judged, {} pending, {} faults, {} hung, {} lost, {} live conns, heap {} KiB, rss {} MiB",
                        t0.elapsed().as_secs(),
                        t.calls,
                        ledger.pending(),
                        log.total(),
                        t.hung,
                        t.lost,
                        proxy.live(),
                        metrics::heap() >> 10,
                        metrics::rss() >> 20
                    );
                }
            }
        })
    };

    // Traffic.
    let mut workers = JoinSet::new();
    for _ in 0..config.concurrency {
        let (ledger, channels, config) = (Arc::clone(&ledger), channels.clone(), config.clone());
        workers.spawn(async move {
            loop {
                let index = ledger.take();
                let at = t0 + Duration::from_secs_f64(index as f64 / config.rate as f64);
                if at >= end || Instant::now() >= end {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                let spec = call_spec(config.seed, index, config.channels);
                ledger.start(spec.clone());
                let channel = &channels[spec.channel];
                let outcome = tokio::time::timeout(
                    spec.timeout + HANG_GRACE,
                    client::call(channel, &spec, config.sabotage.client),
                )
                .await
                .unwrap_or(Outcome::Hung);
                ledger.end(index, outcome);
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let traffic_end = Instant::now();
    stop.store(true, Ordering::SeqCst);
    let events_skipped = events.await.unwrap_or(0);
    for i in 0..BACKENDS {
        if !backends.is_up(i) {
            let _ = backends.start(i).await;
        }
    }
    proxy.set_faults(false);
    let stalls = if config.graceful_only {
        Duration::ZERO
    } else {
        STALL_MAX * 3
    };
    if config.progress > 0 {
        println!(
            "soak: traffic over after {} s; judging the last calls (up to {} s)",
            t0.elapsed().as_secs(),
            (MAX_TIMEOUT * 2 + stalls + Duration::from_secs(2)).as_secs()
        );
    }
    let judge_deadline = Instant::now() + MAX_TIMEOUT * 2 + stalls + Duration::from_secs(5);
    while ledger.pending() > 0 && Instant::now() < judge_deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let unjudged = ledger.pending();
    judge.abort();
    let _ = judge.await;

    // K, while everything is still up: no handler may still run (every call is over and
    // judged; a handler alive now outlived its call by the whole horizon).
    let mut leaked = 0u64;
    let mut leak_lines = Vec::new();
    let live_handlers = ledger.live_execs();
    leaked += live_handlers as u64;
    leak_lines.push(format!(
        "handlers still running after every call was judged: {live_handlers}"
    ));

    // Heap growth while traffic ran: the low point of the last quarter against the low point
    // of the second quarter.
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(|e| e.into_inner()));
    let quarter = (traffic_end - t0) / 4;
    let low = |from: Duration, to: Duration| {
        samples
            .iter()
            .filter(|s| s.at >= t0 + from && s.at < t0 + to)
            .map(|s| s.heap)
            .min()
    };
    let rss_peak = samples.iter().map(|s| s.rss).max().unwrap_or(0);
    let heap_peak = samples.iter().map(|s| s.heap).max().unwrap_or(0);
    let lows = (low(quarter, quarter * 2), low(quarter * 3, quarter * 4));
    drop(samples);
    if let (Some(second), Some(last)) = lows {
        let growth = last.saturating_sub(second);
        let over = growth > HEAP_GROWTH_BOUND;
        leaked += u64::from(over);
        leak_lines.push(format!(
            "heap low point, 2nd quarter {} KiB -> last quarter {} KiB: growth {} KiB (bound {} KiB){}",
            second >> 10,
            last >> 10,
            growth >> 10,
            HEAP_GROWTH_BOUND >> 10,
            if over { " EXCEEDED" } else { "" }
        ));
    }
    let rss_over = rss_peak > RSS_BOUND;
    leaked += u64::from(rss_over);
    leak_lines.push(format!(
        "peak RSS {} MiB (bound {} MiB){}; peak heap {} MiB",
        rss_peak >> 20,
        RSS_BOUND >> 20,
        if rss_over { " EXCEEDED" } else { "" },
        heap_peak >> 20
    ));

    // Teardown: Channels shut down, backends shut down gracefully, the proxy stopped.
    let connections = proxy.accepted();
    let goaways = proxy.goaways();
    for c in &channels {
        c.shutdown();
    }
    drop(channels);
    for i in 0..BACKENDS {
        backends.shutdown(i).await;
    }
    let hung_shutdowns = backends
        .hung_shutdowns
        .load(std::sync::atomic::Ordering::Relaxed);
    drop(backends);
    match Arc::try_unwrap(proxy) {
        Ok(mut p) => p.stop(),
        Err(p) => {
            leak_lines.push(format!(
                "the proxy is still referenced {} times after teardown",
                Arc::strong_count(&p) - 1
            ));
            leaked += 1;
        }
    }
    let mut totals = ledger.report();
    let faults: Vec<(FaultKind, u64)> = FaultKind::ALL.iter().map(|&k| (k, log.count(k))).collect();
    drop(ledger);
    drop(log);

    // Tasks back to the count before the run.
    let waited = Instant::now();
    while metrics::tasks() > tasks_before && waited.elapsed() < TEARDOWN_WAIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tasks_after = metrics::tasks();
    let extra_tasks = tasks_after.saturating_sub(tasks_before);
    leaked += extra_tasks as u64;
    leak_lines.push(format!(
        "tasks: {tasks_before} before the run, {tasks_after} {} ms after teardown",
        waited.elapsed().as_millis()
    ));
    // Examples are the report's; everything else of the run is gone ([`Report::check_heap`]
    // measures once the runtime is too).
    totals.examples.shrink_to_fit();

    let panics = metrics::panics() - panics_before;
    let hung = totals.hung + hung_shutdowns;
    let lost = totals.lost + unjudged as u64;
    let worst_lag = *lag.lock().unwrap_or_else(|e| e.into_inner());
    let cpu = cpu_seconds() - cpu_before;
    let wall = wall.elapsed().as_secs_f64();
    let mut info = vec![
        format!(
            "timing: worst call end after its deadline {} ms (grace {} ms), worst timer lag {} ms; {} graceful shutdowns hung",
            totals.worst_overshoot.as_millis(),
            HANG_GRACE.as_millis(),
            worst_lag.as_millis(),
            hung_shutdowns
        ),
        format!(
            "cpu: {cpu:.1} s in {wall:.1} s ({:.0} % of one core), soak included",
            100.0 * cpu / wall
        ),
    ];
    if unjudged > 0 {
        info.push(format!(
            "{unjudged} calls could not be judged (counted as lost)"
        ));
    }
    Report {
        config,
        digest,
        totals,
        faults,
        hung,
        lost,
        leaked,
        leaked_tasks: extra_tasks,
        panics,
        connections,
        goaways,
        events_skipped,
        leak_lines,
        info,
    }
}
