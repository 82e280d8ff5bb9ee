//! The fault proxy: a TCP proxy with one listening port (a "frontend") per backend, which
//! applies each accepted connection's [`ConnPlan`] to the bytes it moves.
//!
//! Each direction of a connection is a reader task and a writer task joined by a channel of
//! [`QUEUE`] chunks. The reader cuts what it reads at the plan's fault offsets
//! ([`Shaper`]); the writer delivers each piece after its latency and jitter, paced to the
//! bandwidth cap, and applies the faults in order. A stall stops the writer: the queue fills,
//! the reader stops reading, and with the proxy's small socket buffers ([`SOCKET_BUFFER`]) the
//! sender's TCP window and then its HTTP/2 flow-control windows close.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::log::{FaultKind, FaultLog};
use crate::rng::Rng;
use crate::schedule::{ConnPlan, DirPlan, Fault, conn_plan};

/// Chunks a direction may hold between its reader and its writer. With 16 KiB reads, up to
/// 64 KiB wait in the proxy: a stall closes the sender's windows after that much.
pub const QUEUE: usize = 4;

/// Bytes per read.
const READ_SIZE: usize = 16 << 10;

/// SO_RCVBUF and SO_SNDBUF of the proxy's sockets. Set, they also turn off Linux's buffer
/// autotuning (which grows loopback buffers to megabytes): a stalled direction then holds
/// about 2 × 64 KiB in the kernel and 64 KiB in the queue, so the sender sees a zero window
/// after some 200 KiB — less than one stream's worth of the soak's largest calls.
pub const SOCKET_BUFFER: u32 = 64 << 10;

/// How long the proxy waits to connect to a backend before it gives up on the client.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// What a direction's writer does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Write these bytes, `delay` (latency and jitter) after they were read.
    Deliver(Bytes, Duration),
    /// Stop moving bytes for this long.
    Stall(Duration),
    /// The next byte delivered is a corrupted one (logged when it is written).
    Corrupted,
    /// RST both sockets.
    Reset,
    /// FIN to this direction's receiver; discard the rest of the direction.
    HalfClose,
    /// FIN both ways after the bytes delivered so far.
    Truncate,
}

/// Applies a [`DirPlan`] to a byte stream: cuts the stream at the faults' offsets, so that a
/// fault lands on the same byte however the stream arrives in reads. Sans-IO: the proxy's
/// reader feeds it, its writer carries out the steps.
#[derive(Debug)]
pub struct Shaper {
    latency: Duration,
    jitter_ms: u64,
    faults: VecDeque<(u64, Fault)>,
    offset: u64,
    rng: Rng,
    ended: bool,
}

impl Shaper {
    /// A shaper for one direction.
    pub fn new(plan: &DirPlan) -> Shaper {
        Shaper {
            latency: plan.latency,
            jitter_ms: plan.jitter.as_millis() as u64,
            faults: plan.faults.iter().cloned().collect(),
            offset: 0,
            rng: Rng::new(plan.jitter_seed),
            ended: false,
        }
    }

    /// Whether a terminal fault (reset, half-close, truncate) was reached: what follows is
    /// discarded.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Bytes fed so far (the offset of the next byte).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn deliver(&mut self, bytes: Bytes, out: &mut Vec<Step>) {
        if bytes.is_empty() {
            return;
        }
        let jitter = Duration::from_millis(self.rng.below(self.jitter_ms + 1));
        self.offset += bytes.len() as u64;
        out.push(Step::Deliver(bytes, self.latency + jitter));
    }

    /// The steps for the next `chunk` of the stream.
    pub fn feed(&mut self, mut chunk: Bytes, out: &mut Vec<Step>) {
        while !chunk.is_empty() && !self.ended {
            let end = self.offset + chunk.len() as u64;
            let Some(&(at, ref fault)) = self.faults.front() else {
                self.deliver(chunk, out);
                return;
            };
            if at >= end {
                self.deliver(chunk, out);
                return;
            }
            let fault = fault.clone();
            self.faults.pop_front();
            // A fault planned at an offset already passed (two at one offset) applies here.
            let k = at.saturating_sub(self.offset) as usize;
            let rest = chunk.split_off(k);
            self.deliver(chunk, out);
            chunk = rest;
            match fault {
                Fault::Stall(d) => out.push(Step::Stall(d)),
                Fault::Corrupt(mask) => {
                    let mut b = BytesMut::from(&chunk[..]);
                    b[0] ^= mask;
                    chunk = b.freeze();
                    out.push(Step::Corrupted);
                    // Deliver the corrupted byte on its own so that it is logged as it goes.
                    let rest = chunk.split_off(1);
                    self.deliver(chunk, out);
                    chunk = rest;
                }
                Fault::Reset => {
                    out.push(Step::Reset);
                    self.ended = true;
                }
                Fault::HalfClose => {
                    out.push(Step::HalfClose);
                    self.ended = true;
                }
                Fault::Truncate => {
                    out.push(Step::Truncate);
                    self.ended = true;
                }
            }
        }
    }
}

/// Deliberate sabotage, for the tests that show the checks catch what they claim to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProxySabotage {
    /// None.
    #[default]
    None,
    /// Reset connections whose plan is clean, without logging it: failures nothing explains.
    SilentResets,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Reset,
    Truncate,
    Error,
}

struct Inner {
    seed: u64,
    faults: AtomicBool,
    sabotage: ProxySabotage,
    next_conn: AtomicU64,
    upstreams: Vec<Mutex<Option<SocketAddr>>>,
    log: Arc<FaultLog>,
    live: AtomicUsize,
    goaways: AtomicU64,
    conns: AtomicU64,
    trace: AtomicBool,
}

/// The running proxy.
pub struct Proxy {
    inner: Arc<Inner>,
    frontends: Vec<SocketAddr>,
    accepts: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("frontends", &self.frontends)
            .finish_non_exhaustive()
    }
}

fn small_buffers(s: &TcpSocket) -> io::Result<()> {
    s.set_recv_buffer_size(SOCKET_BUFFER)?;
    s.set_send_buffer_size(SOCKET_BUFFER)
}

impl Proxy {
    /// Starts `n` frontends on loopback ports; faults from `seed`'s schedule once
    /// [`set_faults`](Self::set_faults) turns them on.
    pub async fn start(
        seed: u64,
        n: usize,
        log: Arc<FaultLog>,
        sabotage: ProxySabotage,
    ) -> io::Result<Proxy> {
        let inner = Arc::new(Inner {
            seed,
            faults: AtomicBool::new(false),
            sabotage,
            next_conn: AtomicU64::new(0),
            upstreams: (0..n).map(|_| Mutex::new(None)).collect(),
            log,
            live: AtomicUsize::new(0),
            goaways: AtomicU64::new(0),
            conns: AtomicU64::new(0),
            trace: AtomicBool::new(false),
        });
        let mut frontends = Vec::new();
        let mut accepts = Vec::new();
        for i in 0..n {
            let socket = TcpSocket::new_v4()?;
            socket.set_reuseaddr(true)?;
            // Accepted sockets inherit the listener's buffer sizes.
            small_buffers(&socket)?;
            socket.bind("127.0.0.1:0".parse().expect("literal address"))?;
            let listener = socket.listen(1024)?;
            frontends.push(listener.local_addr()?);
            inner.log.frontend(listener.local_addr()?, i);
            accepts.push(tokio::spawn(accept_loop(Arc::clone(&inner), i, listener)));
        }
        Ok(Proxy {
            inner,
            frontends,
            accepts,
        })
    }

    /// The frontends' addresses (frontend `i` leads to backend `i`).
    pub fn frontends(&self) -> &[SocketAddr] {
        &self.frontends
    }

    /// Where frontend `i` connects (`None`: the backend is down; clients are reset).
    pub fn set_upstream(&self, i: usize, addr: Option<SocketAddr>) {
        *self.inner.upstreams[i]
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = addr;
    }

    /// Turns the schedule's faults on or off for connections accepted from now on.
    pub fn set_faults(&self, on: bool) {
        self.inner.faults.store(on, Ordering::SeqCst);
    }

    /// Records the frame headers of every connection accepted from now on in the fault log
    /// (for diagnosing a failure; see [`FaultLog::trace`]).
    pub fn set_trace(&self, on: bool) {
        self.inner.trace.store(on, Ordering::SeqCst);
    }

    /// Connections open now.
    pub fn live(&self) -> usize {
        self.inner.live.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.inner.conns.load(Ordering::Relaxed)
    }

    /// GOAWAY frames the backends sent so far (read from the server-to-client streams).
    pub fn goaways(&self) -> u64 {
        self.inner.goaways.load(Ordering::Relaxed)
    }

    /// Stops the proxy: closes the listeners and every connection.
    pub fn stop(&mut self) {
        for a in self.accepts.drain(..) {
            a.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(inner: Arc<Inner>, frontend: usize, listener: TcpListener) {
    // Dropping the set (when this task is aborted) aborts every connection's task.
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((client, _)) => {
                    conns.spawn(connection(Arc::clone(&inner), frontend, client));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Closes `s` with an RST.
fn reset(s: &TcpStream) {
    let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
}

async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    small_buffers(&socket)?;
    let s = tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(addr))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Counts on a connection's `live` gauge while alive.
struct LiveGuard<'a>(&'a AtomicUsize);

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn connection(inner: Arc<Inner>, frontend: usize, client: TcpStream) {
    inner.live.fetch_add(1, Ordering::SeqCst);
    let _live = LiveGuard(&inner.live);
    let _ = client.set_nodelay(true);
    let id = inner.next_conn.fetch_add(1, Ordering::SeqCst);
    inner.conns.fetch_add(1, Ordering::Relaxed);
    let mut plan = if inner.faults.load(Ordering::SeqCst) {
        conn_plan(inner.seed, id)
    } else {
        ConnPlan::clean()
    };
    let mut silent = false;
    if inner.sabotage == ProxySabotage::SilentResets
        && plan.to_client.faults.is_empty()
        && plan.to_server.faults.is_empty()
        && plan.reset_after.is_none()
        && plan.to_client.bandwidth.is_none()
        && plan.to_server.bandwidth.is_none()
    {
        let mut r = Rng::derive(inner.seed, &[99, id]);
        plan.to_client.faults = vec![(2000 + r.exp(32.0 * 1024.0) as u64, Fault::Reset)];
        silent = true;
    }
    let upstream = *inner.upstreams[frontend]
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let opened = Instant::now();
    let peer = client
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let server = match upstream {
        Some(addr) => connect(addr).await.ok(),
        None => None,
    };
    let Some(server) = server else {
        // The backend is down: the client's connection is reset, as an L4 proxy does.
        reset(&client);
        inner.log.refused(id, frontend, peer, opened);
        return;
    };
    let Ok(local) = server.local_addr() else {
        reset(&client);
        reset(&server);
        return;
    };
    let capped = plan.to_client.bandwidth.is_some() || plan.to_server.bandwidth.is_some();
    inner.log.open(id, frontend, peer, local, capped);
    let client = Arc::new(client);
    let server = Arc::new(server);
    let (end_tx, mut end_rx) = watch::channel(None::<End>);
    let mut tasks = JoinSet::new();
    for (dir_plan, from, to, count) in [
        (&plan.to_server, &client, &server, false),
        (&plan.to_client, &server, &client, true),
    ] {
        let (tx, rx) = mpsc::channel(QUEUE);
        let tracing = inner.trace.load(Ordering::SeqCst);
        let reader = Reader {
            from: Arc::clone(from),
            shaper: Shaper::new(dir_plan),
            tx,
            counter: if tracing {
                Some(FrameCounter::tracing(!count))
            } else {
                count.then(FrameCounter::default)
            },
            inner: Arc::clone(&inner),
            conn: id,
            dir: if count { 's' } else { 'c' },
        };
        let writer = Writer {
            conn: id,
            log: Arc::clone(&inner.log),
            bandwidth: dir_plan.bandwidth,
            to: Arc::clone(to),
            end: end_tx.clone(),
            silent,
        };
        // Readers and writers all in one set, so that ending the connection aborts them all
        // and the sockets (shared by them) close at once.
        tasks.spawn(async move {
            reader.run().await;
            false
        });
        tasks.spawn(async move {
            writer.run(rx).await;
            true
        });
    }
    let timed = async {
        match plan.reset_after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(timed);
    let mut done = 0;
    let end = loop {
        tokio::select! {
            _ = end_rx.changed() => break *end_rx.borrow(),
            _ = &mut timed => {
                inner.log.fault(id, FaultKind::TimedReset, None);
                break Some(End::Reset);
            }
            r = tasks.join_next() => match r {
                Some(Ok(false)) => {}
                Some(_) => {
                    done += 1;
                    if done == 2 {
                        break None;
                    }
                }
                None => break None,
            },
        }
    };
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    match end {
        Some(End::Reset | End::Error) => {
            reset(&client);
            reset(&server);
        }
        Some(End::Truncate) | None => {
            let _ = socket2::SockRef::from(&*client).shutdown(std::net::Shutdown::Both);
            let _ = socket2::SockRef::from(&*server).shutdown(std::net::Shutdown::Both);
        }
    }
    inner.log.close(
        id,
        match end {
            Some(End::Reset) => "reset",
            Some(End::Error) => "error",
            Some(End::Truncate) => "truncate",
            None => "fin",
        },
    );
}

/// The writing half of one direction of a connection.
struct Writer {
    conn: u64,
    log: Arc<FaultLog>,
    bandwidth: Option<u64>,
    to: Arc<TcpStream>,
    end: watch::Sender<Option<End>>,
    /// Sabotage: the plan's resets are not logged.
    silent: bool,
}

async fn read_some(s: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        s.readable().await?;
        match s.try_read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

async fn write_all(s: &TcpStream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        s.writable().await?;
        match s.try_write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Counts GOAWAY frames in a server's byte stream by following the 9-byte frame headers
/// (RFC 9113 §4.1; GOAWAY is type 0x7). After a corrupted byte it may lose track; it only
/// feeds a statistic.
#[derive(Debug, Default)]
pub struct FrameCounter {
    header: Vec<u8>,
    skip: u64,
    /// Bytes of the client preface still to skip (client-to-server direction).
    preface: usize,
    /// GOAWAY frames seen.
    pub goaways: u64,
    /// With tracing on: each frame header (and a GOAWAY's or RST_STREAM's payload start).
    trace: Option<Vec<(Instant, String)>>,
    payload: Vec<u8>,
    want: usize,
    pending: Option<String>,
}

/// Frames traced per direction at most.
const TRACE_FRAMES: usize = 200;

impl FrameCounter {
    /// A counter that also records frames, skipping the client preface when `client`.
    pub fn tracing(client: bool) -> FrameCounter {
        FrameCounter {
            preface: if client { 24 } else { 0 },
            trace: Some(Vec::new()),
            ..FrameCounter::default()
        }
    }

    /// The frames recorded.
    pub fn take_trace(&mut self) -> Vec<(Instant, String)> {
        self.trace.take().unwrap_or_default()
    }

    fn note(&mut self, line: String) {
        if let Some(t) = &mut self.trace {
            // The last frames are the interesting ones.
            if t.len() == TRACE_FRAMES {
                t.drain(..TRACE_FRAMES / 2);
            }
            t.push((Instant::now(), line));
        }
    }

    /// Follows `bytes`.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        if self.preface > 0 {
            let n = self.preface.min(bytes.len());
            self.preface -= n;
            bytes = &bytes[n..];
        }
        while !bytes.is_empty() {
            if self.want > 0 {
                let n = self.want.min(bytes.len());
                self.payload.extend_from_slice(&bytes[..n]);
                self.want -= n;
                self.skip -= n as u64;
                bytes = &bytes[n..];
                if self.want == 0 {
                    let p = std::mem::take(&mut self.payload);
                    let w = |i: usize| u32::from_be_bytes(p[i..i + 4].try_into().expect("4"));
                    let line = self.pending.take().unwrap_or_default();
                    let extra = if p.len() >= 8 {
                        format!(" last={} code={}", w(0) & 0x7FFF_FFFF, w(4))
                    } else {
                        format!(" code={}", w(0))
                    };
                    self.note(line + &extra);
                }
                continue;
            }
            if self.skip > 0 {
                let n = (self.skip as usize).min(bytes.len());
                self.skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            let need = 9 - self.header.len();
            let n = need.min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.header.len() == 9 {
                let h = &self.header;
                let len = u64::from(h[0]) << 16 | u64::from(h[1]) << 8 | u64::from(h[2]);
                if h[3] == 0x7 {
                    self.goaways += 1;
                }
                let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7FFF_FFFF;
                let name = match h[3] {
                    0 => "DATA",
                    1 => "HEADERS",
                    2 => "PRIORITY",
                    3 => "RST_STREAM",
                    4 => "SETTINGS",
                    5 => "PUSH_PROMISE",
                    6 => "PING",
                    7 => "GOAWAY",
                    8 => "WINDOW_UPDATE",
                    9 => "CONTINUATION",
                    _ => "?",
                };
                let line = format!("{name} stream={stream} flags={:#x} len={len}", h[4]);
                self.skip = len;
                if self.trace.is_some() && (h[3] == 7 && len >= 8 || h[3] == 3 && len == 4) {
                    self.want = if h[3] == 7 { 8 } else { 4 };
                    self.pending = Some(line);
                } else {
                    self.note(line);
                }
                self.header.clear();
            }
        }
    }
}

enum Item {
    Step(Step, Instant),
    Eof,
    Error,
}

impl Writer {
    fn finish(&self, end: End) {
        self.end.send_replace(Some(end));
    }

    async fn run(&self, mut rx: mpsc::Receiver<Item>) {
        let mut last = Instant::now();
        let mut corrupt_next = false;
        while let Some(item) = rx.recv().await {
            let (step, read_at) = match item {
                Item::Step(s, t) => (s, t),
                Item::Eof => {
                    // Forward the FIN; the direction is done.
                    let _ = socket2::SockRef::from(&*self.to).shutdown(std::net::Shutdown::Write);
                    return;
                }
                Item::Error => return self.finish(End::Error),
            };
            match step {
                Step::Deliver(bytes, delay) => {
                    let at = (read_at + delay).max(last);
                    tokio::time::sleep_until(at.into()).await;
                    if write_all(&self.to, &bytes).await.is_err() {
                        return self.finish(End::Error);
                    }
                    if corrupt_next {
                        self.log.fault(self.conn, FaultKind::Corrupt, None);
                        corrupt_next = false;
                    }
                    last = Instant::now();
                    if let Some(bw) = self.bandwidth {
                        let pace = Duration::from_secs_f64(bytes.len() as f64 / bw as f64);
                        tokio::time::sleep(pace).await;
                        last = Instant::now();
                    }
                }
                Step::Stall(d) => {
                    self.log
                        .fault(self.conn, FaultKind::Stall, Some(Instant::now() + d));
                    tokio::time::sleep(d).await;
                    last = Instant::now();
                }
                Step::Corrupted => corrupt_next = true,
                Step::Reset => {
                    if !self.silent {
                        self.log.fault(self.conn, FaultKind::Reset, None);
                    }
                    return self.finish(End::Reset);
                }
                Step::Truncate => {
                    self.log.fault(self.conn, FaultKind::Truncate, None);
                    return self.finish(End::Truncate);
                }
                Step::HalfClose => {
                    self.log.fault(self.conn, FaultKind::HalfClose, None);
                    let _ = socket2::SockRef::from(&*self.to).shutdown(std::net::Shutdown::Write);
                    // The reader goes on discarding this direction until its side closes;
                    // the connection ends when the other direction does.
                    return;
                }
            }
        }
    }
}

struct Reader {
    from: Arc<TcpStream>,
    shaper: Shaper,
    tx: mpsc::Sender<Item>,
    /// Set on the server-to-client direction (GOAWAY frames are counted there), and on both
    /// when tracing.
    counter: Option<FrameCounter>,
    inner: Arc<Inner>,
    conn: u64,
    dir: char,
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(c) = &mut self.counter {
            let t = c.take_trace();
            if !t.is_empty() {
                self.inner.log.trace(self.conn, self.dir, t);
            }
        }
    }
}

impl Reader {
    async fn run(mut self) {
        let mut buf = vec![0u8; READ_SIZE];
        let mut steps = Vec::new();
        loop {
            let n = match read_some(&self.from, &mut buf).await {
                Ok(0) => {
                    let _ = self.tx.send(Item::Eof).await;
                    return;
                }
                Ok(n) => n,
                Err(_) => {
                    let _ = self.tx.send(Item::Error).await;
                    return;
                }
            };
            if let Some(c) = &mut self.counter {
                let before = c.goaways;
                c.feed(&buf[..n]);
                if self.dir == 's' {
                    self.inner
                        .goaways
                        .fetch_add(c.goaways - before, Ordering::Relaxed);
                }
            }
            if self.shaper.ended() {
                // After a half-close: discard.
                continue;
            }
            let now = Instant::now();
            self.shaper
                .feed(Bytes::copy_from_slice(&buf[..n]), &mut steps);
            for s in steps.drain(..) {
                if self.tx.send(Item::Step(s, now)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> DirPlan {
        DirPlan {
            latency: Duration::from_millis(3),
            jitter: Duration::from_millis(5),
            bandwidth: None,
            faults: vec![
                (100, Fault::Stall(Duration::from_millis(7))),
                (250, Fault::Corrupt(0xFF)),
                (250, Fault::Stall(Duration::from_millis(1))),
                (4000, Fault::Truncate),
            ],
            jitter_seed: 5,
        }
    }

    /// The bytes delivered and the non-delivery steps with the offsets they came at.
    fn run(plan: &DirPlan, data: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<(usize, Step)>) {
        let mut s = Shaper::new(plan);
        let mut out = Vec::new();
        let mut prev = 0;
        for &c in cuts.iter().chain(std::iter::once(&data.len())) {
            s.feed(Bytes::copy_from_slice(&data[prev..c]), &mut out);
            prev = c;
        }
        let mut bytes = Vec::new();
        let mut events = Vec::new();
        for step in out {
            match step {
                Step::Deliver(b, d) => {
                    assert!(d >= plan.latency && d <= plan.latency + plan.jitter);
                    bytes.extend_from_slice(&b);
                }
                other => events.push((bytes.len(), other)),
            }
        }
        (bytes, events)
    }

    #[test]
    fn faults_land_on_the_same_bytes_however_the_stream_is_cut() {
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let mut r = Rng::new(1);
        let reference = run(&plan(), &data, &[]);
        for _ in 0..200 {
            let mut cuts: Vec<usize> = (0..r.range(1, 40))
                .map(|_| r.below(data.len() as u64) as usize)
                .collect();
            cuts.sort_unstable();
            assert_eq!(run(&plan(), &data, &cuts), reference);
        }
        let (bytes, events) = reference;
        // Cut at the truncation, byte 250 flipped, the rest as sent.
        assert_eq!(bytes.len(), 4000);
        assert_eq!(bytes[250], data[250] ^ 0xFF);
        assert_eq!(bytes[..250], data[..250]);
        assert_eq!(bytes[251..], data[251..4000]);
        assert_eq!(
            events,
            vec![
                (100, Step::Stall(Duration::from_millis(7))),
                (250, Step::Corrupted),
                (251, Step::Stall(Duration::from_millis(1))),
                (4000, Step::Truncate),
            ]
        );
    }

    #[test]
    fn same_seed_same_bytes_through_the_shaper() {
        // Whole connection plans from the schedule, applied to the same stream: the same
        // seed gives the same output; another seed (eventually) another.
        let data: Vec<u8> = (0..400_000u32).map(|i| (i * 7) as u8).collect();
        let out = |seed: u64, conn: u64| {
            let p = conn_plan(seed, conn);
            (
                run(&p.to_server, &data, &[1000, 5000]),
                run(&p.to_client, &data, &[3]),
            )
        };
        let mut differ = false;
        for conn in 0..50 {
            assert_eq!(out(11, conn), out(11, conn));
            differ |= out(11, conn) != out(12, conn);
        }
        assert!(differ);
    }

    #[test]
    fn frame_counter_counts_goaways() {
        let mut c = FrameCounter::default();
        // SETTINGS (empty), GOAWAY (8 bytes), DATA (3 bytes), fed one byte at a time.
        let mut s = vec![0, 0, 0, 4, 0, 0, 0, 0, 0];
        s.extend([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        s.extend([0, 0, 3, 0, 1, 0, 0, 0, 1, b'a', b'b', b'c']);
        for b in &s {
            c.feed(std::slice::from_ref(b));
        }
        assert_eq!(c.goaways, 1);
    }
}
