//! `courier bench`: a load generator on Courier's client — N concurrent callers over C
//! connections for a number of requests or a duration, optionally at a fixed rate; a progress
//! bar while it runs; then requests/s, latency percentiles with a histogram, and counts per
//! status code and per error (`--format json` for scripts).
//!
//! Requests are encoded once, before the run; each call sends the same bytes (a `Bytes`
//! clone) and does not decode the response, so the tool spends its time in the RPC stack.
//! Each client thread runs a current-thread runtime with its share of the connections and of
//! the callers (thread per core, as h2load's `-t`): a connection's driver and its callers
//! share a thread, so the requests that the callers start while the driver dispatches one
//! read go out in one write (a multi-threaded runtime runs the driver after every caller
//! and writes one request per system call).
//! A call's latency runs from just before it is started until its status is known (a
//! streaming response read to its end). Callers pick the connections round robin. With
//! `--rps`, call i is started at `start + i / rps` (or as soon after as a caller is free).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_reflect::DynamicMessage;
use courier_reflect::json::Writer;
use courier_rpc::{ByteStream, Channel, Code, Metadata, Request, Status, Transport as _};

use super::call::static_method;
use super::conn::{ConnArgs, connection_hint, parse_target};
use super::error::{CliError, Result};
use super::histogram::{Histogram, Snapshot};
use super::input::{Data, parse_item};
use super::protoprint::kind_words;
use super::source::{Source, SourceArgs, split_method};
use super::style::{self, Style};
use super::util::{format_duration, parse_duration};

/// `--engine`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Engine {
    /// Calls straight on courier-h2 connections, headers and body prepared once
    Lean,
    /// Each call through a courier-rpc Channel (to measure the Channel)
    Channel,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A summary for people.
    Text,
    /// One JSON object.
    Json,
}

/// `courier bench`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  courier bench localhost:50051 helloworld.Greeter/SayHello -d '{\"name\": \"x\"}' --total 100000
  courier bench localhost:50051 helloworld.Greeter/SayHello -d '{}' -c 200 --connections 4 --duration 30s
  courier bench localhost:50051 helloworld.Greeter/SayHello -d '{}' --rps 5000 --duration 1m --format json

Without --total or --duration the run lasts 10 s. Latency is measured per call, from its
start to its status; percentiles come from a histogram with buckets at most 0.8% wide.
Streaming methods send every -d message on each call and read every response.
The exit code is 0 when at least one call succeeded, 1 otherwise.")]
pub(crate) struct BenchArgs {
    /// The server: host:port, https://host[:port], unix:/path/to.sock
    #[arg(value_name = "ADDR")]
    pub(crate) address: String,

    /// The method: package.Service/Method
    #[arg(value_name = "METHOD")]
    pub(crate) method: String,

    /// The request(s) as JSON, @FILE or @- (read once, before the run)
    #[arg(short = 'd', long = "data", value_name = "JSON|@FILE|@-")]
    pub(crate) data: Option<String>,

    /// Calls in flight at once (callers)
    #[arg(short = 'c', long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) concurrency: u64,

    /// Connections (HTTP/2) the callers share, round robin
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub(crate) connections: u64,

    /// Stop after this many calls
    #[arg(short = 'n', long, value_name = "N", conflicts_with = "duration", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) total: Option<u64>,

    /// Stop starting calls after this long (e.g. 30s, 2m)
    #[arg(short = 'z', long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) duration: Option<Duration>,

    /// Start at most this many calls per second (default: as fast as the callers go)
    #[arg(long, value_name = "R")]
    pub(crate) rps: Option<f64>,

    /// A deadline for each call (default: none; a deadline costs a timer per call)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) deadline: Option<Duration>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    /// Client threads, each with its share of the connections (default: the CPUs this
    /// process may use, at most one per connection)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) threads: Option<u64>,

    /// How calls are made
    #[arg(long, value_enum, default_value_t = Engine::Lean)]
    pub(crate) engine: Engine,

    /// Do not show the progress bar (it shows only on a terminal anyway)
    #[arg(long)]
    pub(crate) no_progress: bool,

    /// Skip request fields the request type does not have instead of failing
    #[arg(long)]
    pub(crate) allow_unknown_fields: bool,

    #[command(flatten)]
    pub(crate) conn: ConnArgs,

    #[command(flatten)]
    pub(crate) source: SourceArgs,
}

/// Runs `courier bench`; the exit code.
pub(crate) fn main(args: BenchArgs) -> Result<u8> {
    let rt = current_thread()?;
    let prepared = rt.block_on(prepare(&args))?;
    drop(rt);
    run(args, prepared)
}

fn current_thread() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("starting the async runtime: {e}")))
}

/// What the callers share.
#[derive(Debug, Default)]
struct Shared {
    hist: Histogram,
    /// Calls started (claims of a slot).
    issued: AtomicU64,
    /// Calls finished.
    done: AtomicU64,
    /// Per status code 0..=16; others in `other_codes`.
    codes: [AtomicU64; 17],
    other_codes: Mutex<BTreeMap<i32, u64>>,
    /// Failed calls by `CODE: message`.
    errors: Mutex<BTreeMap<String, u64>>,
    /// Response messages received.
    messages: AtomicU64,
    /// Why the run could not start (a connection failed).
    failure: Mutex<Option<CliError>>,
}

/// The CPU time (user and system) this process has used, its threads that ended included
/// (Linux: `/proc/self/stat`, in clock ticks of 10 ms).
fn process_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing paren.
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after field 2.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// Distinct error messages kept; more are counted under one line.
const MAX_ERRORS: usize = 50;

impl Shared {
    fn fail(&self, e: CliError) {
        let mut f = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if f.is_none() {
            *f = Some(e);
        }
    }

    fn failure(&self) -> Option<CliError> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    fn record(&self, latency: Duration, status: Option<&Status>) {
        self.hist.record(latency);
        let code = status.map_or(0, |s| s.code().0);
        match usize::try_from(code).ok().filter(|&c| c < self.codes.len()) {
            Some(c) => {
                self.codes[c].fetch_add(1, Ordering::Relaxed);
            }
            None => {
                *self
                    .other_codes
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(code)
                    .or_default() += 1;
            }
        }
        if let Some(s) = status.filter(|s| s.code() != Code::OK) {
            let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
            let key = format!("{}: {}", s.code().name().unwrap_or("UNKNOWN"), s.message());
            let key = if errors.len() >= MAX_ERRORS && !errors.contains_key(&key) {
                "(other errors)".to_owned()
            } else {
                key
            };
            *errors.entry(key).or_default() += 1;
        }
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// How the run ends.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Total(u64),
    Until(Instant),
}

/// The call each caller makes.
#[derive(Debug, Clone)]
struct Plan {
    /// The lean engine's call.
    lean: Arc<super::lean::Call>,
    method: &'static courier_rpc::MethodDescriptor,
    messages: Arc<Vec<Bytes>>,
    metadata: Metadata,
    deadline: Option<Duration>,
    client_streaming: bool,
    server_streaming: bool,
}

/// What the run needs, found before it starts: the method and the encoded requests.
struct Prepared {
    target: super::conn::Target,
    md: courier_reflect::MethodDescriptor,
    plan: Plan,
}

/// Finds the method (reflection or files) and encodes the requests.
async fn prepare(args: &BenchArgs) -> Result<Prepared> {
    let target = parse_target(&args.address)?;
    let (service, method) = split_method(&args.method)?;
    if let Some(r) = args.rps {
        if !(r.is_finite() && r > 0.0) {
            return Err(CliError::usage(format!(
                "--rps {r}: the rate must be a positive number"
            )));
        }
    }
    let channel = args.conn.channel(&target)?;
    let mut source = Source::new(&args.source, &channel, &args.conn, &target)?;
    let md = source.method(&service, &method).await?;
    drop(source);
    channel.shutdown();
    let data = Data::parse(args.data.as_deref());
    let opts =
        courier_reflect::json::ParseOptions::new().ignore_unknown_fields(args.allow_unknown_fields);
    let items = data.read_all()?;
    let mut messages = Vec::new();
    for item in &items {
        messages.push(parse_item(&md.input(), item, &opts, &data)?.encode_to_bytes());
    }
    if messages.is_empty() && (!md.is_client_streaming() || data == Data::None) {
        messages.push(DynamicMessage::new(md.input()).encode_to_bytes());
    }
    if messages.len() > 1 && !md.is_client_streaming() {
        return Err(CliError::new(format!(
            "{} is a {} method: it takes one request message, but the data holds {}",
            md.name(),
            kind_words(&md),
            messages.len()
        )));
    }
    let metadata = args.conn.metadata()?;
    let (_, authority, scheme) = args.conn.connector(&target)?;
    let lean = super::lean::Call::new(
        &md.path(),
        &messages,
        &metadata,
        args.deadline,
        &authority,
        scheme,
        args.conn.max_msg_size,
    )?;
    let plan = Plan {
        lean: Arc::new(lean),
        method: static_method(&md),
        messages: Arc::new(messages),
        metadata,
        deadline: args.deadline,
        client_streaming: md.is_client_streaming(),
        server_streaming: md.is_server_streaming(),
    };
    Ok(Prepared { target, md, plan })
}

/// The start signal: the run's start time, or `None` to give up (a connection failed).
type Go = tokio::sync::watch::Receiver<Option<Option<Instant>>>;

/// What every client thread gets.
#[derive(Clone)]
struct ThreadSetup {
    args: Arc<BenchArgs>,
    target: super::conn::Target,
    plan: Plan,
    shared: Arc<Shared>,
    /// Every thread and the main one meet here once connected.
    ready: Arc<tokio::sync::Barrier>,
    go: Go,
    /// How the run ends, given its start.
    stop: Arc<dyn Fn(Instant) -> Stop + Send + Sync>,
}

/// One client thread: its connections (each connected before the start), then its callers
/// until the run is over; the time its last call ended.
fn client_thread(setup: ThreadSetup, connections: Vec<u64>) -> Result<Option<Instant>> {
    let ThreadSetup {
        args,
        target,
        plan,
        shared,
        ready,
        mut go,
        stop,
    } = setup;
    let rt = current_thread()?;
    rt.block_on(async move {
        let mut channels = Vec::new();
        let mut failure = None;
        for &c in &connections {
            match connect(&args, &target).await {
                Ok((conn, driver)) => channels.push((c, conn, driver)),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failure {
            shared.fail(e);
        }
        ready.wait().await;
        let start = match go.wait_for(Option::is_some).await {
            Ok(v) => *v,
            Err(_) => None,
        };
        let Some(Some(start)) = start else {
            return Ok(None);
        };
        let stop = stop(start);
        // One task per connection polls that connection's callers — and, with the lean
        // engine, the connection's driver: a read is dispatched, the callers start their next
        // calls and the driver writes them in one poll of one task, connection after
        // connection, as h2load does (with separate tasks a current-thread runtime would read
        // every connection before writing to any, and the server would wait meanwhile).
        let mut tasks = Vec::new();
        for (conn, ch, driver) in channels {
            let callers: Vec<_> = (0..args.concurrency)
                .filter(|i| i % args.connections == conn)
                .map(|_| {
                    let (ch, plan, shared) = (ch.clone(), plan.clone(), Arc::clone(&shared));
                    Box::pin(caller(ch, plan, shared, stop, start, args.rps))
                })
                .collect();
            tasks.push(tokio::spawn(ConnTask {
                driver,
                callers: PollAll::new(callers),
            }));
        }
        let mut last = None;
        for t in tasks {
            if let Ok(t) = t.await {
                last = last.max(t);
            }
        }
        Ok(last)
    })
}

fn run(args: BenchArgs, prepared: Prepared) -> Result<u8> {
    let Prepared { target, md, plan } = prepared;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let threads = args.threads.unwrap_or(cpus).clamp(1, args.connections) as usize;
    let shared = Arc::new(Shared::default());
    let ready = Arc::new(tokio::sync::Barrier::new(threads + 1));
    let (go_tx, go_rx) = tokio::sync::watch::channel(None);
    let (total, duration) = (args.total, args.duration);
    let stop: Arc<dyn Fn(Instant) -> Stop + Send + Sync> =
        Arc::new(move |start| match (total, duration) {
            (Some(n), _) => Stop::Total(n),
            (None, Some(d)) => Stop::Until(start + d),
            (None, None) => Stop::Until(start + Duration::from_secs(10)),
        });
    let args = Arc::new(args);
    let setup = ThreadSetup {
        args: Arc::clone(&args),
        target: target.clone(),
        plan,
        shared: Arc::clone(&shared),
        ready: Arc::clone(&ready),
        go: go_rx,
        stop: Arc::clone(&stop),
    };
    let mut handles = Vec::new();
    for t in 0..threads {
        // Connection c belongs to thread c % threads.
        let connections: Vec<u64> = (0..args.connections)
            .filter(|c| *c as usize % threads == t)
            .collect();
        let setup = setup.clone();
        handles.push(
            std::thread::Builder::new()
                .name(format!("courier-bench-{t}"))
                .spawn(move || client_thread(setup, connections))
                .map_err(|e| CliError::new(format!("starting a client thread: {e}")))?,
        );
    }
    // Every connection up before the clock starts.
    current_thread()?.block_on(ready.wait());
    if let Some(e) = shared.failure() {
        go_tx.send_replace(Some(None));
        for h in handles {
            let _ = h.join();
        }
        return Err(e);
    }
    let cpu_before = process_cpu();
    let start = Instant::now();
    go_tx.send_replace(Some(Some(start)));
    let show_progress = !args.no_progress && style::stderr_is_terminal();
    let mut progress = Progress::new(stop(start), start);
    while !handles.iter().all(|h| h.is_finished()) {
        std::thread::sleep(Duration::from_millis(100));
        if show_progress {
            progress.draw(&shared);
        }
    }
    if show_progress {
        progress.clear();
    }
    let mut end = None;
    for h in handles {
        match h.join() {
            Ok(Ok(t)) => end = end.max(t),
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(CliError::new("a client thread panicked")),
        }
    }
    let elapsed = end.map_or_else(|| start.elapsed(), |e| e.duration_since(start));
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(b, a)| b.saturating_sub(a));
    let report = Report::new(&shared, elapsed, &args, &md, &target.shown, threads, cpu);
    match args.format {
        Format::Text => report.print_text(),
        Format::Json => println!("{}", report.json()),
    }
    if report.ok == 0 {
        return Err(CliError::new("no call succeeded"));
    }
    Ok(0)
}

/// Polls a set of futures to completion in one task; the time the last one finished.
struct PollAll<F> {
    futures: Vec<Option<std::pin::Pin<Box<F>>>>,
    left: usize,
    last: Option<Instant>,
}

impl<F> PollAll<F> {
    fn new(futures: Vec<std::pin::Pin<Box<F>>>) -> PollAll<F> {
        PollAll {
            left: futures.len(),
            futures: futures.into_iter().map(Some).collect(),
            last: None,
        }
    }
}

impl<F: std::future::Future<Output = ()>> std::future::Future for PollAll<F> {
    type Output = Option<Instant>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Instant>> {
        let this = &mut *self;
        for slot in &mut this.futures {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                    this.left -= 1;
                    this.last = Some(Instant::now());
                }
            }
        }
        if this.left == 0 {
            std::task::Poll::Ready(this.last)
        } else {
            std::task::Poll::Pending
        }
    }
}

/// A connection's task: its driver (lean engine) and its callers, polled together.
struct ConnTask<F> {
    driver: Option<super::lean::Driver>,
    callers: PollAll<F>,
}

impl<F: std::future::Future<Output = ()>> std::future::Future for ConnTask<F> {
    type Output = Option<Instant>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Instant>> {
        let this = &mut *self;
        // Reads and dispatches what arrived.
        poll_driver(&mut this.driver, cx);
        let done = std::pin::Pin::new(&mut this.callers).poll(cx);
        if done.is_ready() {
            return done;
        }
        // Writes the requests the callers just started.
        poll_driver(&mut this.driver, cx);
        std::task::Poll::Pending
    }
}

/// Polls a connection's driver; drops it once it has finished (the connection closed: the
/// calls on it fail).
fn poll_driver(driver: &mut Option<super::lean::Driver>, cx: &mut std::task::Context<'_>) {
    if let Some(d) = driver {
        if d.as_mut().poll(cx).is_ready() {
            *driver = None;
        }
    }
}

/// A connection as the engine has it.
#[derive(Debug, Clone)]
enum Conn {
    Lean(courier_h2::driver::Client),
    Channel(Channel),
}

/// Connects as `--engine` says, before the run; the lean engine's connection comes with its
/// driver, to poll in the task of the connection's callers.
async fn connect(
    args: &BenchArgs,
    target: &super::conn::Target,
) -> Result<(Conn, Option<super::lean::Driver>)> {
    match args.engine {
        Engine::Lean => {
            let (client, driver, _, _) = super::lean::connect(&args.conn, target).await?;
            Ok((Conn::Lean(client), Some(driver)))
        }
        Engine::Channel => {
            let ch = args.conn.channel(target)?;
            if let Err(s) = ch.connect_now().await {
                let mut e = CliError::status("connecting", &s);
                if let Some(h) = connection_hint(&s, &args.conn, target) {
                    e = e.hint(h);
                }
                return Err(e);
            }
            Ok((Conn::Channel(ch), None))
        }
    }
}

/// One caller: calls until the run is over.
async fn caller(
    ch: Conn,
    plan: Plan,
    shared: Arc<Shared>,
    stop: Stop,
    start: Instant,
    rps: Option<f64>,
) {
    loop {
        let i = shared.issued.fetch_add(1, Ordering::Relaxed);
        match stop {
            Stop::Total(n) if i >= n => return,
            Stop::Until(t) if Instant::now() >= t => return,
            _ => {}
        }
        if let Some(r) = rps {
            let at = start + Duration::from_secs_f64(i as f64 / r);
            if let Stop::Until(t) = stop {
                if at >= t {
                    return;
                }
            }
            tokio::time::sleep_until(at.into()).await;
        }
        let t0 = Instant::now();
        let status = one_call(&ch, &plan, &shared).await;
        shared.record(t0.elapsed(), status.as_ref());
    }
}

/// One call; `None` for OK.
async fn one_call(conn: &Conn, plan: &Plan, shared: &Shared) -> Option<Status> {
    let ch = match conn {
        Conn::Channel(ch) => ch,
        Conn::Lean(client) => {
            let (status, n) = plan.lean.run(client).await;
            shared.messages.fetch_add(n, Ordering::Relaxed);
            if status.is_none() && !plan.server_streaming && n != 1 {
                return Some(Status::internal(format!(
                    "expected one response message, got {n}"
                )));
            }
            return status;
        }
    };
    if !plan.client_streaming && !plan.server_streaming {
        let mut req = Request::from_parts(plan.metadata.clone(), plan.messages[0].clone());
        if let Some(d) = plan.deadline {
            req.set_timeout(d);
        }
        return match ch.unary(plan.method, req).await {
            Ok(_) => {
                shared.messages.fetch_add(1, Ordering::Relaxed);
                None
            }
            Err(s) => Some(s),
        };
    }
    let body: ByteStream = Box::pin(courier_rpc::iter(
        plan.messages.iter().cloned().map(Ok).collect::<Vec<_>>(),
    ));
    let mut req = Request::from_parts(plan.metadata.clone(), body);
    if let Some(d) = plan.deadline {
        req.set_timeout(d);
    }
    let mut stream = match ch.call(plan.method, req).await {
        Ok(r) => r.into_inner(),
        Err(s) => return Some(s),
    };
    let mut n = 0u64;
    let status = loop {
        match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            Some(Ok(_)) => n += 1,
            Some(Err(s)) if s.code() == Code::OK => break None,
            Some(Err(s)) => break Some(s),
            None => break None,
        }
    };
    shared.messages.fetch_add(n, Ordering::Relaxed);
    if status.is_none() && !plan.server_streaming && n != 1 {
        return Some(Status::internal(format!(
            "expected one response message, got {n}"
        )));
    }
    status
}

/// The progress bar on stderr: calls done (of the total, or seconds of the duration), the
/// current rate, failures.
struct Progress {
    stop: Stop,
    start: Instant,
    last: (Instant, u64),
    rate: f64,
}

impl Progress {
    fn new(stop: Stop, start: Instant) -> Progress {
        Progress {
            stop,
            start,
            last: (start, 0),
            rate: 0.0,
        }
    }

    fn draw(&mut self, shared: &Shared) {
        let done = shared.done.load(Ordering::Relaxed);
        let now = Instant::now();
        let dt = now.duration_since(self.last.0).as_secs_f64();
        if dt >= 0.5 {
            self.rate = (done - self.last.1) as f64 / dt;
            self.last = (now, done);
        }
        let failed = done.saturating_sub(shared.codes[0].load(Ordering::Relaxed));
        let (fraction, what) = match self.stop {
            Stop::Total(n) => (done as f64 / n as f64, format!("{done}/{n} calls")),
            Stop::Until(t) => {
                let total = t.duration_since(self.start).as_secs_f64();
                let spent = self.start.elapsed().as_secs_f64().min(total);
                (spent / total, format!("{spent:.0}/{total:.0} s"))
            }
        };
        let fraction = fraction.clamp(0.0, 1.0);
        let width = 30;
        let filled = (fraction * width as f64).round() as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(width - filled));
        let errors = if failed > 0 {
            format!("  {}", Style::Red.err(&format!("{failed} failed")))
        } else {
            String::new()
        };
        eprint!(
            "\r\x1b[2K{} {:>3.0}%  {what}  {:.0} calls/s{errors}",
            Style::Cyan.err(&bar),
            fraction * 100.0,
            self.rate,
        );
        let _ = std::io::stderr().flush();
    }

    fn clear(&self) {
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
}

/// The results of a run.
#[derive(Debug)]
struct Report {
    method: String,
    kind: &'static str,
    address: String,
    connections: u64,
    concurrency: u64,
    threads: usize,
    calls: u64,
    ok: u64,
    messages: u64,
    elapsed: Duration,
    /// The process's CPU time during the run (None where it cannot be read).
    cpu: Option<Duration>,
    latency: Snapshot,
    codes: Vec<(i32, u64)>,
    errors: Vec<(String, u64)>,
}

impl Report {
    fn new(
        shared: &Shared,
        elapsed: Duration,
        args: &BenchArgs,
        md: &courier_reflect::MethodDescriptor,
        address: &str,
        threads: usize,
        cpu: Option<Duration>,
    ) -> Report {
        let mut codes: Vec<(i32, u64)> = shared
            .codes
            .iter()
            .enumerate()
            .map(|(c, n)| (c as i32, n.load(Ordering::Relaxed)))
            .filter(|&(_, n)| n > 0)
            .collect();
        codes.extend(
            shared
                .other_codes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(&c, &n)| (c, n)),
        );
        let mut errors: Vec<(String, u64)> = shared
            .errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, &n)| (k.clone(), n))
            .collect();
        errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let latency = shared.hist.snapshot();
        Report {
            method: format!("{}/{}", md.parent_service().full_name(), md.name()),
            kind: kind_words(md),
            address: address.to_owned(),
            connections: args.connections,
            concurrency: args.concurrency,
            threads,
            calls: latency.count,
            ok: shared.codes[0].load(Ordering::Relaxed),
            messages: shared.messages.load(Ordering::Relaxed),
            elapsed,
            cpu,
            latency,
            codes,
            errors,
        }
    }

    fn rate(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    const QUANTILES: [(&'static str, f64); 4] =
        [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)];

    fn print_text(&self) {
        let h = |s: &str| Style::Bold.out(s);
        let mut o = String::new();
        let w = &mut o;
        use std::fmt::Write as _;
        let _ = writeln!(w, "{}", h("Summary"));
        let _ = writeln!(
            w,
            "  method       {} ({}) on {}",
            self.method, self.kind, self.address
        );
        let _ = writeln!(
            w,
            "  load         {} connection{}, {} concurrent call{}, {} client thread{}",
            self.connections,
            if self.connections == 1 { "" } else { "s" },
            self.concurrency,
            if self.concurrency == 1 { "" } else { "s" },
            self.threads,
            if self.threads == 1 { "" } else { "s" }
        );
        let _ = writeln!(
            w,
            "  calls        {} in {} ({} OK, {} failed)",
            self.calls,
            format_duration(self.elapsed),
            self.ok,
            self.calls - self.ok
        );
        let _ = writeln!(
            w,
            "  rate         {}",
            Style::BoldGreen.out(&format!("{:.1} calls/s", self.rate()))
        );
        if self.kind != "unary" {
            let _ = writeln!(w, "  responses    {} messages", self.messages);
        }
        if let Some(cpu) = self.cpu {
            let _ = writeln!(
                w,
                "  client CPU   {} ({:.0}% of one core, {:.1} µs per call)",
                format_duration(cpu),
                cpu.as_secs_f64() / self.elapsed.as_secs_f64().max(1e-9) * 100.0,
                cpu.as_secs_f64() * 1e6 / self.calls.max(1) as f64
            );
        }
        let _ = writeln!(w, "\n{}", h("Latency"));
        let l = &self.latency;
        let _ = writeln!(
            w,
            "  fastest {}   mean {}   slowest {}",
            format_duration(l.min),
            format_duration(l.mean()),
            format_duration(l.max)
        );
        for (name, q) in Self::QUANTILES {
            let _ = writeln!(w, "  {name:<6} {}", format_duration(l.quantile(q)));
        }
        let _ = writeln!(w, "  {:<6} {}", "max", format_duration(l.max));
        let rows = l.rows(10);
        if !rows.is_empty() {
            let _ = writeln!(w, "\n{}", h("Histogram"));
            let most = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
            let width = rows
                .iter()
                .map(|r| r.1.to_string().len())
                .max()
                .unwrap_or(1);
            for (upper, n) in &rows {
                let bar = "■".repeat(((n * 40).div_ceil(most)) as usize);
                let _ = writeln!(
                    w,
                    "  ≤ {:>10} [{n:>width$}] {}",
                    format_duration(*upper),
                    Style::Cyan.out(&bar)
                );
            }
        }
        let _ = writeln!(w, "\n{}", h("Status codes"));
        for (c, n) in &self.codes {
            let name = courier_rpc::Code(*c).name().unwrap_or("(unknown)");
            // Padded before it is painted: escape codes have no width.
            let shown = format!("{:<24}", format!("{name} ({c})"));
            let shown = if *c == 0 {
                Style::Green.out(&shown)
            } else {
                Style::Red.out(&shown)
            };
            let _ = writeln!(w, "  {shown} {n}");
        }
        if !self.errors.is_empty() {
            let _ = writeln!(w, "\n{}", h("Errors"));
            for (e, n) in &self.errors {
                let _ = writeln!(w, "  {n:>8}  {e}");
            }
        }
        print!("{o}");
    }

    fn json(&self) -> String {
        let mut j = Writer::pretty(2);
        j.begin_object();
        j.key("method");
        j.string(&self.method);
        j.key("kind");
        j.string(self.kind);
        j.key("address");
        j.string(&self.address);
        j.key("connections");
        j.uint(self.connections);
        j.key("concurrency");
        j.uint(self.concurrency);
        j.key("threads");
        j.uint(self.threads as u64);
        j.key("calls");
        j.uint(self.calls);
        j.key("ok");
        j.uint(self.ok);
        j.key("failed");
        j.uint(self.calls - self.ok);
        j.key("response_messages");
        j.uint(self.messages);
        j.key("duration_s");
        j.f64(self.elapsed.as_secs_f64());
        j.key("rps");
        j.f64(self.rate());
        if let Some(cpu) = self.cpu {
            j.key("client_cpu_s");
            j.f64(cpu.as_secs_f64());
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let l = &self.latency;
        j.key("latency_ms");
        j.begin_object();
        j.key("min");
        j.f64(ms(l.min));
        j.key("mean");
        j.f64(ms(l.mean()));
        for (name, q) in Self::QUANTILES {
            j.key(&name.replace('.', "_"));
            j.f64(ms(l.quantile(q)));
        }
        j.key("max");
        j.f64(ms(l.max));
        j.end_object();
        j.key("histogram");
        j.begin_array();
        for (upper, n) in l.rows(10) {
            j.begin_object();
            j.key("le_ms");
            j.f64(ms(upper));
            j.key("count");
            j.uint(n);
            j.end_object();
        }
        j.end_array();
        j.key("status_codes");
        j.begin_object();
        for (c, n) in &self.codes {
            j.key(
                &courier_rpc::Code(*c)
                    .name()
                    .map_or_else(|| c.to_string(), str::to_owned),
            );
            j.uint(*n);
        }
        j.end_object();
        j.key("errors");
        j.begin_object();
        for (e, n) in &self.errors {
            j.key(e);
            j.uint(*n);
        }
        j.end_object();
        j.end_object();
        j.into_string()
    }
}
