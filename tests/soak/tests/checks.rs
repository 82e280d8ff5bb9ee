//! The soak's checks can fail: short runs with a deliberate bug each (a hang, a loss, a
//! non-idempotent call run twice, a leak, a panic) must show it in the number that claims to
//! catch it, with the other numbers at 0; the same run without the bug passes. Also: the live
//! proxy puts a seed's faults on the same bytes in every run, however the bytes are written.
//!
//! The runs share the process's counting allocator and panic hook, so they run one at a time
//! (a lock). They run without proxy faults (`graceful_only`: GOAWAY storms and graceful
//! shutdowns only), so that a call is judged a few seconds after it ends and every number
//! comes from the bug alone; `cargo xtask soak` runs the full fault schedule.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier_soak::client::ClientSabotage;
use courier_soak::log::FaultLog;
use courier_soak::proxy::{Proxy, ProxySabotage, Shaper, Step};
use courier_soak::schedule::{Fault, conn_plan};
use courier_soak::service::ServerSabotage;
use courier_soak::{Config, Report, Sabotage, run};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn soak(seed: u64, sabotage: Sabotage) -> Report {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = Config::new(4, seed);
    c.rate = 250;
    c.progress = 0;
    c.graceful_only = true;
    c.sabotage = sabotage;
    let r = run(&c);
    println!("{}", r.render());
    r
}

#[test]
fn without_a_bug_every_number_is_zero() {
    let r = soak(11, Sabotage::default());
    assert!(r.totals.calls > 500, "{}", r.summary());
    assert!(r.passed(), "{}", r.render());
    assert!(r.goaways > 0, "the backends sent no GOAWAY: {}", r.render());
}

#[test]
fn a_call_without_its_deadline_is_hung() {
    // Every 50th call is sent without its deadline and its handler sleeps far past it.
    let r = soak(
        12,
        Sabotage {
            server: ServerSabotage::Hang,
            client: ClientSabotage::IgnoreDeadline,
            ..Sabotage::default()
        },
    );
    assert!(r.hung > 0, "{}", r.render());
    assert!(
        r.totals.examples.iter().any(|e| e.starts_with("HUNG")),
        "{}",
        r.render()
    );
    assert_eq!(r.panics, 0, "{}", r.render());
}

#[test]
fn connections_reset_behind_the_checks_back_lose_calls() {
    // The proxy resets clean connections without logging it: completed calls fail with
    // nothing on record to explain it.
    let r = soak(
        13,
        Sabotage {
            proxy: ProxySabotage::SilentResets,
            ..Sabotage::default()
        },
    );
    assert!(r.lost > 0, "{}", r.render());
    assert!(
        r.totals
            .examples
            .iter()
            .any(|e| e.starts_with("LOST") || e.starts_with("DROPPED")),
        "{}",
        r.render()
    );
    assert_eq!((r.hung, r.leaked, r.panics), (0, 0, 0), "{}", r.render());
}

#[test]
fn a_non_idempotent_call_run_twice_is_lost() {
    // A retry policy on the methods that have none: their scripted UNAVAILABLE is retried,
    // and the servers count two executions of one call id.
    let r = soak(
        14,
        Sabotage {
            client: ClientSabotage::RetryEverything,
            ..Sabotage::default()
        },
    );
    assert!(r.lost > 0, "{}", r.render());
    assert!(
        r.totals
            .examples
            .iter()
            .any(|e| e.starts_with("RAN 2 TIMES") && e.contains("/None")),
        "{}",
        r.render()
    );
    assert_eq!((r.hung, r.leaked, r.panics), (0, 0, 0), "{}", r.render());
}

#[test]
fn a_retry_owed_and_not_made_is_lost() {
    // The retry methods lose their policy: their scripted UNAVAILABLE (1 or 2 attempts, of 4
    // allowed) ends the call with time left.
    let r = soak(
        17,
        Sabotage {
            client: ClientSabotage::DropRetries,
            ..Sabotage::default()
        },
    );
    assert!(r.lost > 0, "{}", r.render());
    assert!(
        r.totals
            .examples
            .iter()
            .any(|e| e.starts_with("NOT RETRIED") && e.contains("/Retry")),
        "{}",
        r.render()
    );
    assert_eq!((r.hung, r.leaked, r.panics), (0, 0, 0), "{}", r.render());
}

#[test]
fn a_leaked_task_and_buffer_are_leaks() {
    // Every 100th handler leaves a task that never ends and 64 KiB that is never freed.
    let r = soak(
        15,
        Sabotage {
            server: ServerSabotage::Leak,
            ..Sabotage::default()
        },
    );
    assert!(r.leaked > 0, "{}", r.render());
    assert!(
        r.leaked_tasks > 0,
        "the leaked tasks went unseen: {}",
        r.render()
    );
    assert!(
        r.leak_lines.iter().any(|l| l.contains("EXCEEDED")),
        "the leaked heap went unseen: {}",
        r.render()
    );
    assert_eq!((r.hung, r.lost, r.panics), (0, 0, 0), "{}", r.render());
}

#[test]
fn a_panicking_handler_is_counted() {
    let r = soak(
        16,
        Sabotage {
            server: ServerSabotage::Panic,
            ..Sabotage::default()
        },
    );
    assert!(r.panics > 0, "{}", r.render());
    assert_eq!(r.hung, 0, "{}", r.render());
}

/// What the proxy's `conn`-th connection under `seed` delivers from `data` client to server,
/// by its plan alone.
fn expected(seed: u64, data: &[u8]) -> Vec<u8> {
    let mut shaper = Shaper::new(&conn_plan(seed, 0).to_server);
    let mut out = Vec::new();
    shaper.feed(bytes::Bytes::copy_from_slice(data), &mut out);
    let mut delivered = Vec::new();
    for step in out {
        match step {
            Step::Deliver(b, _) => delivered.extend_from_slice(&b),
            Step::Reset => break,
            _ => {}
        }
    }
    delivered
}

/// Sends `data` through a new proxy's first connection in writes of `chunk` bytes; returns
/// what the backend received.
async fn through_proxy(seed: u64, data: &[u8], chunk: usize) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = Proxy::start(seed, 1, Arc::new(FaultLog::new()), ProxySabotage::None)
        .await
        .unwrap();
    proxy.set_upstream(0, Some(sink.local_addr().unwrap()));
    proxy.set_faults(true);
    let received = tokio::spawn(async move {
        let (mut s, _) = sink.accept().await.unwrap();
        let mut v = Vec::new();
        let _ = s.read_to_end(&mut v).await;
        v
    });
    let mut c = tokio::net::TcpStream::connect(proxy.frontends()[0])
        .await
        .unwrap();
    for part in data.chunks(chunk) {
        if c.write_all(part).await.is_err() {
            break;
        }
    }
    let _ = c.shutdown().await;
    let v = tokio::time::timeout(Duration::from_secs(30), received)
        .await
        .expect("the backend's side ends")
        .unwrap();
    drop(c);
    v
}

#[test]
fn the_live_proxy_puts_a_seeds_faults_on_the_same_bytes() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(live_proxy());
}

async fn live_proxy() {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    // A seed whose first connection corrupts a byte and then cuts or resets the stream within
    // the data, with short stalls only (the test stays quick).
    let seed = (0..10_000u64)
        .find(|&s| {
            let p = conn_plan(s, 0).to_server;
            let end = p
                .faults
                .iter()
                .find(|(_, f)| matches!(f, Fault::Truncate | Fault::Reset | Fault::HalfClose))
                .map(|(at, _)| *at);
            p.bandwidth.is_none()
                && end.is_some_and(|end| {
                    end < 250_000
                        && p.faults
                            .iter()
                            .any(|(at, f)| matches!(f, Fault::Corrupt(_)) && *at < end)
                })
                && p.faults.iter().all(|(_, f)| match f {
                    Fault::Stall(d) => *d < Duration::from_millis(300),
                    _ => true,
                })
        })
        .expect("some seed plans that");
    let want = expected(seed, &data);
    assert!(want.len() < data.len() && want != data[..want.len()]);
    let a = through_proxy(seed, &data, 1000).await;
    let b = through_proxy(seed, &data, 7777).await;
    // A reset may lose bytes still in flight to the backend; a truncation or half-close
    // delivers exactly the prefix. Either way what arrived is a prefix of the plan's bytes,
    // corrupted byte included.
    for got in [&a, &b] {
        assert!(
            !got.is_empty() && got.len() <= want.len(),
            "{} of {}",
            got.len(),
            want.len()
        );
        assert_eq!(got[..], want[..got.len()]);
    }
    let ends_with_reset = conn_plan(seed, 0)
        .to_server
        .faults
        .iter()
        .find(|(_, f)| matches!(f, Fault::Truncate | Fault::Reset | Fault::HalfClose))
        .is_some_and(|(_, f)| *f == Fault::Reset);
    if !ends_with_reset {
        assert_eq!(a, want);
        assert_eq!(b, want);
    }
}
