//! What one idle server connection holds on the heap: `idle_alloc [CONNS]` serves `bench.Bench`
//! (Courier, the same server as `grpc_bench server courier`) in this process under a counting
//! global allocator, opens CONNS connections from a thread of its own (preface and SETTINGS
//! both ways, the same bytes as `loadgen scale`, then nothing), and prints the live
//! allocations the connections added, by requested size: count per connection, bytes per
//! connection, and glibc's chunk size (the size rounded up to 16 with 8 bytes of header, at
//! least 32), which is what RSS pays. `IDLE_ALLOC_TRACE=SIZE` also prints a backtrace of the
//! allocations of that size made while the connections were opened.
//!
//! Its own workspace (the main one forbids `unsafe`, which a global allocator needs):
//!
//! ```text
//! cargo build --release --manifest-path benches/idle_alloc/Cargo.toml
//! taskset -c 0 $CARGO_TARGET_DIR/release/idle-alloc 2000
//! ```
//!
//! docs/benchmarks.md ("scale: notes") has what it found.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

mod courier_gen {
    #![allow(missing_docs, dead_code, unreachable_pub, clippy::all)]
    include!("../../examples/grpc_bench/courier/mod.rs");
}
use courier_gen::bench as cb;

#[derive(Clone, Copy)]
struct CourierBench;

impl cb::bench_rpc::Bench for CourierBench {
    async fn unary(
        &self,
        request: courier_rpc::Request<cb::Msg>,
    ) -> Result<courier_rpc::Response<cb::Msg>, courier_rpc::Status> {
        Ok(courier_rpc::Response::new(request.into_inner()))
    }

    async fn stream(
        &self,
        _request: courier_rpc::Request<cb::StreamRequest>,
    ) -> Result<
        courier_rpc::Response<courier_rpc::BoxStream<Result<cb::Msg, courier_rpc::Status>>>,
        courier_rpc::Status,
    > {
        Err(courier_rpc::Status::unimplemented("x"))
    }
}

/// Live allocations by requested size (sizes from `BIG` on share the last slot).
const BIG: usize = 1 << 16;

struct Counting;

static LIVE: [AtomicI64; BIG + 1] = [const { AtomicI64::new(0) }; BIG + 1];
static LIVE_BIG_BYTES: AtomicI64 = AtomicI64::new(0);
static TRACE_SIZE: AtomicUsize = AtomicUsize::new(0);
static TRACING: AtomicBool = AtomicBool::new(false);
static TRACED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static IN_TRACE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn note(size: usize, d: i64) {
    LIVE[size.min(BIG)].fetch_add(d, Ordering::Relaxed);
    if size >= BIG {
        LIVE_BIG_BYTES.fetch_add(d * size as i64, Ordering::Relaxed);
    }
}

fn maybe_trace(size: usize) {
    if TRACING.load(Ordering::Relaxed)
        && size == TRACE_SIZE.load(Ordering::Relaxed)
        && TRACED.fetch_add(1, Ordering::Relaxed) < 100_000
        && !IN_TRACE.with(|t| t.replace(true))
    {
        let bt = std::backtrace::Backtrace::force_capture();
        eprintln!("---- allocation of {size} bytes ----\n{bt}");
        IN_TRACE.with(|t| t.set(false));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 1);
        maybe_trace(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 1);
        maybe_trace(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(layout.size(), -1);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        note(layout.size(), -1);
        note(new, 1);
        maybe_trace(new);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn snapshot() -> (Vec<i64>, i64) {
    (
        LIVE.iter().map(|c| c.load(Ordering::Relaxed)).collect(),
        LIVE_BIG_BYTES.load(Ordering::Relaxed),
    )
}

/// glibc's chunk for a request of `size` bytes (64-bit).
fn chunk(size: usize) -> usize {
    ((size + 8 + 15) & !15).max(32)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn open(port: u16) -> std::net::TcpStream {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut out = PREFACE.to_vec();
    out.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS
    out.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]); // SETTINGS ACK
    s.write_all(&out).expect("write");
    // Until the server's SETTINGS (its first frame) is in.
    let mut head = [0u8; 9];
    s.read_exact(&mut head).expect("read");
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let mut body = vec![0; len];
    s.read_exact(&mut body).expect("read");
    assert_eq!(head[3], 4, "server's first frame is SETTINGS");
    s
}

fn main() {
    let conns: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    if let Some(size) = std::env::var("IDLE_ALLOC_TRACE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        TRACE_SIZE.store(size, Ordering::Relaxed);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    rt.spawn(async move {
        courier_rpc::Server::builder()
            .add_service(cb::bench_rpc::BenchServer::new(CourierBench))
            .build()
            .serve(listener)
            .await
            .expect("serve")
    });
    // Warm up: a few connections opened and closed (thread-locals, the runtime's structures).
    for _ in 0..4 {
        drop(open(port));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (before, big_before) = snapshot();
    let rss_before = rss_kib();
    TRACING.store(true, Ordering::Relaxed);
    let held: Vec<_> = (0..conns).map(|_| open(port)).collect();
    std::thread::sleep(Duration::from_millis(1000));
    TRACING.store(false, Ordering::Relaxed);
    let (after, big_after) = snapshot();
    let rss_after = rss_kib();
    let n = conns as f64;
    let (mut total_req, mut total_chunk) = (0f64, 0f64);
    println!("size  count/conn  bytes/conn  chunk-bytes/conn");
    for size in 0..BIG {
        let d = after[size] - before[size];
        if d.abs() as f64 / n < 0.05 {
            continue;
        }
        let per = d as f64 / n;
        total_req += per * size as f64;
        total_chunk += per * chunk(size) as f64;
        println!(
            "{size:>6}  {per:>6.2}  {:>8.1}  {:>8.1}",
            per * size as f64,
            per * chunk(size) as f64
        );
    }
    let big = (big_after - big_before) as f64 / n;
    if big.abs() > 0.5 {
        println!(">= {BIG}: {big:.1} bytes/conn");
        total_req += big;
        total_chunk += big;
    }
    println!(
        "total: {total_req:.0} bytes requested, {total_chunk:.0} in glibc chunks per connection; \
         RSS growth {:.2} KiB per connection",
        (rss_after as f64 - rss_before as f64) / n
    );
    drop(held);
}
