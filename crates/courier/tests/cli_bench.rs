//! `courier bench` against h2load on the same server: the numbers agree within 10%.
//!
//! The server is Courier's TestService answering each call after 100 ms (`x-sleep-ms`), so
//! that both tools measure the same thing however busy the machine is: with 50 calls in
//! flight on one connection, about 500 calls/s of about 100 ms each. (With 50 ms, under a load
//! average of 12 on two cores, the debug build's `--engine channel` added 6 ms to each round of
//! 50 calls — its own CPU time — and measured a mean 1.106 times h2load's.) Both tools send the same
//! request (an empty `SimpleRequest`, with the same metadata) with the same concurrency, in
//! three alternating rounds after a warm-up; the test compares the medians of requests/s and
//! of the mean latency (h2load's "time for request" mean), each within 10%, for both of the
//! tool's engines.
//!
//! h2load is installed by `cargo xtask peers` (nghttp2-client); without it the test skips
//! (and fails when `COURIER_REQUIRE_PEERS=1`).

mod support;

use std::process::Command;

use support::*;

/// A duration as h2load prints it (`950us`, `20.31ms`, `1.02s`), in milliseconds.
fn ms(text: &str) -> f64 {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n: f64 = n
        .parse()
        .unwrap_or_else(|_| panic!("not a duration: {text}"));
    match unit {
        "us" => n / 1e3,
        "ms" => n,
        "s" => n * 1e3,
        other => panic!("unit {other} in {text}"),
    }
}

/// h2load's requests/s and mean time per request (ms); every request must have succeeded.
fn h2load(address: &str, body: &std::path::Path, total: u32, streams: u32) -> (f64, f64) {
    let out = Command::new("h2load")
        .args(["-t", "1", "-c", "1"])
        .args(["-n", &total.to_string(), "-m", &streams.to_string()])
        .arg("-d")
        .arg(body)
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
        .args(["-H", SLEEP])
        .arg(format!(
            "http://{address}/grpc.testing.TestService/UnaryCall"
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "h2load failed:\n{text}");
    assert!(
        text.contains(&format!("{total} succeeded, 0 failed, 0 errored")),
        "h2load:\n{text}"
    );
    let rps: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("finished in "))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|r| r.strip_suffix(" req/s"))
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no req/s in\n{text}"));
    // "time for request:      20.18ms     24.38ms     20.62ms       ..." (min max mean sd).
    let mean = text
        .lines()
        .find_map(|l| l.strip_prefix("time for request:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .map(ms)
        .unwrap_or_else(|| panic!("no time for request in\n{text}"));
    (rps, mean)
}

/// The server's delay.
const SLEEP: &str = "x-sleep-ms: 100";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `courier bench` with `engine`: calls/s and mean latency (ms).
fn courier_bench(address: &str, engine: &str, total: u32, streams: u32) -> (f64, f64) {
    let r = courier(&[
        "bench",
        address,
        "grpc.testing.TestService/UnaryCall",
        "-H",
        SLEEP,
        "--total",
        &total.to_string(),
        "-c",
        &streams.to_string(),
        "--connections",
        "1",
        "--engine",
        engine,
        "--format",
        "json",
    ])
    .expect(0);
    let j = &r.json()[0];
    assert_eq!(j["ok"], u64::from(total));
    // The server's 100 ms are a floor for every call.
    assert!(j["latency_ms"]["min"].as_f64().unwrap() >= 100.0, "{j}");
    (
        j["rps"].as_f64().unwrap(),
        j["latency_ms"]["mean"].as_f64().unwrap(),
    )
}

fn within(a: f64, b: f64, what: &str) {
    let ratio = a / b;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "{what}: courier bench {a:.2} vs h2load {b:.2} (ratio {ratio:.3})"
    );
}

#[test]
fn bench_agrees_with_h2load() {
    if Command::new("h2load").arg("--version").output().is_err() {
        missing("h2load (nghttp2-client)");
        return;
    }
    let s = courier_server(Security::Plain);
    let dir = temp_dir("bench-h2load");
    let body = dir.join("empty.bin");
    // An empty SimpleRequest as a Length-Prefixed-Message: no compression, length 0.
    std::fs::write(&body, [0u8; 5]).unwrap();
    let (total, streams) = (500u32, 50u32);
    // Warm-up: the server's first connection and calls.
    h2load(&s.address, &body, 200, streams);
    let mut runs: [(Vec<f64>, Vec<f64>); 3] = Default::default();
    for _ in 0..3 {
        let results = [
            h2load(&s.address, &body, total, streams),
            courier_bench(&s.address, "lean", total, streams),
            courier_bench(&s.address, "channel", total, streams),
        ];
        for (i, (rps, mean)) in results.into_iter().enumerate() {
            runs[i].0.push(rps);
            runs[i].1.push(mean);
        }
    }
    let [h2, lean, channel] = runs.map(|(r, m)| (median(r), median(m)));
    eprintln!(
        "medians: h2load {:.1} req/s, mean {:.2} ms; lean {:.1}, {:.2} ms; channel {:.1}, {:.2} ms",
        h2.0, h2.1, lean.0, lean.1, channel.0, channel.1
    );
    for (engine, (rps, mean)) in [("lean", lean), ("channel", channel)] {
        within(rps, h2.0, &format!("{engine}: requests/s"));
        within(mean, h2.1, &format!("{engine}: mean latency (ms)"));
    }
}

#[test]
fn h2load_durations() {
    assert_eq!(ms("950us"), 0.95);
    assert_eq!(ms("20.5ms"), 20.5);
    assert_eq!(ms("1.5s"), 1500.0);
}
