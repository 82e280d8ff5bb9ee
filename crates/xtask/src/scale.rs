//! `cargo xtask scale [--conns N] [--stream-conns N] [--streams N] [--quick]`: connection scale,
//! Courier side by side with tonic on the same harness (benches/examples/loadgen.rs).
//!
//! For each stack a fresh `grpc_bench server STACK PORT` runs pinned to CPU 0; `loadgen scale`
//! on CPU 1 opens N idle connections (preface and SETTINGS exchanged both ways), then opens
//! `--streams` streams (request HEADERS, no DATA) on each of the first `--stream-conns` of
//! them. Measured from outside, from the server's RSS: memory per idle connection and per open
//! stream, the accept rate (connections a second, connect to the server's SETTINGS), and a
//! unary call's p50/p99 (`grpc_bench pingpong`, each stack's own client) on an idle server,
//! while the idle connections are held, and while the streams are held too. Both processes
//! run with the fd limit raised to the hard limit (`ulimit -n`); a count the hard limit cannot
//! hold is refused up front. Writes the `scale` section of docs/benchmarks.md (not with
//! `--quick`: 500 connections, 50 × 20 streams, 1 s latencies — a smoke run of well under a
//! minute that checks the harness and prints the table).
//!
//! The client side: one round_robin Channel over `--subchannels` addresses (default 1,000;
//! `loadgen backends` serves them all from one process on CPU 0), measured in the client's
//! process (`loadgen subchannels`, CPU 1): its RSS growth per subchannel once all have carried
//! calls, and a small unary call's p50/p99 and calls a second against the same Channel with
//! one address — what picking among 1,000 costs a call.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::util::{self, Result};

const STACKS: [&str; 2] = ["courier", "tonic"];

struct Opts {
    conns: usize,
    stream_conns: usize,
    streams: usize,
    latency_secs: &'static str,
    quick: bool,
    subchannels: usize,
}

/// One stack's figures.
#[derive(Default)]
struct Row {
    per_conn_kib: f64,
    per_stream_kib: f64,
    accept_per_s: f64,
    idle_server: (f64, f64),
    with_conns: (f64, f64),
    with_streams: (f64, f64),
}

/// Entry point.
pub(crate) fn main(args: &[String]) -> Result {
    let mut o = Opts {
        conns: 10_000,
        stream_conns: 1_000,
        streams: 100,
        latency_secs: "3",
        quick: false,
        subchannels: 1_000,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<usize> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} takes a whole number"))
        };
        match a.as_str() {
            "--conns" => o.conns = num("--conns")?,
            "--stream-conns" => o.stream_conns = num("--stream-conns")?,
            "--streams" => o.streams = num("--streams")?,
            "--subchannels" => o.subchannels = num("--subchannels")?.max(1),
            "--quick" => {
                (o.conns, o.stream_conns, o.streams, o.subchannels) = (500, 50, 20, 50);
                o.latency_secs = "1";
                o.quick = true;
            }
            other => return Err(format!("scale: unknown option {other}")),
        }
    }
    if o.stream_conns > o.conns {
        return Err("scale: --stream-conns cannot exceed --conns".into());
    }
    // Both courier-h2 (100) and hyper's h2 (200 by default in tonic) allow at least 100
    // concurrent streams per connection; more would be refused, not held.
    if o.streams > 100 {
        return Err(
            "scale: --streams is at most 100 (Courier's default concurrent streams)".into(),
        );
    }
    let hard = hard_fd_limit()?;
    if o.conns + 100 > hard {
        return Err(format!(
            "scale: {} connections need {} file descriptors in each process; the hard limit \
             (ulimit -Hn) is {hard}",
            o.conns,
            o.conns + 100
        ));
    }
    peers_apt()?;
    util::step("scale: build grpc_bench and loadgen");
    util::build_examples("courier-benches", &["grpc_bench", "loadgen"])?;
    let rows: Vec<Row> = STACKS
        .iter()
        .map(|s| measure(s, &o))
        .collect::<Result<_>>()?;
    let sub = subchannels(&o)?;
    let body = table(&o, &rows) + &sub;
    eprintln!("\n{body}");
    if o.quick {
        return Ok(());
    }
    crate::bench::write_section("scale", "cargo xtask scale", &body)
}

fn peers_apt() -> Result {
    crate::peers::apt(&[("taskset", "util-linux")])
}

pub(crate) fn hard_fd_limit() -> Result<usize> {
    let out = util::output(Command::new("sh").args(["-c", "ulimit -Hn"]))?;
    match out.trim() {
        "unlimited" => Ok(1 << 20),
        n => n.parse().map_err(|_| format!("ulimit -Hn said {n:?}")),
    }
}

pub(crate) fn pingpong(stack: &str, port: u16, secs: &str) -> Result<(f64, f64)> {
    let bin = util::target_dir().join("release/examples/grpc_bench");
    let out = util::output(&mut util::pinned(
        "1",
        &bin,
        &["pingpong", stack, &port.to_string(), "small", secs],
    ))?;
    let f: Vec<f64> = out
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    match f.as_slice() {
        [p50, p99, _] => Ok((*p50, *p99)),
        _ => Err(format!("grpc_bench pingpong said {out:?}")),
    }
}

/// `key=value` fields of a loadgen line.
pub(crate) fn field(line: &str, key: &str) -> Result<f64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no {key} in loadgen's line {line:?}"))
}

fn measure(stack: &str, o: &Opts) -> Result<Row> {
    let examples = util::target_dir().join("release/examples");
    let (mut servers, ports) =
        util::spawn_pinned_servers(&examples.join("grpc_bench"), &[stack], &[])?;
    let (server, port) = (servers.remove(0), ports[0]);
    util::step(&format!("scale: {stack} server on 127.0.0.1:{port}"));
    let pid = server.0.id();
    let mut row = Row {
        idle_server: pingpong(stack, port, o.latency_secs)?,
        ..Row::default()
    };
    let args = [
        "scale".to_owned(),
        port.to_string(),
        pid.to_string(),
        o.conns.to_string(),
        o.stream_conns.to_string(),
        o.streams.to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut load = util::pinned("1", &examples.join("loadgen"), &args);
    eprintln!("    $ loadgen {}", args.join(" "));
    let child = load
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start loadgen: {e}"))?;
    let mut child = util::KillOnDrop(child);
    let mut stdin = child.0.stdin.take().ok_or("loadgen stdin")?;
    let mut lines = BufReader::new(child.0.stdout.take().ok_or("loadgen stdout")?).lines();
    let mut next_line = |what: &str| -> Result<String> {
        let l = lines
            .next()
            .ok_or_else(|| format!("loadgen ended before its {what} line"))?
            .map_err(|e| e.to_string())?;
        eprintln!("    {l}");
        Ok(l)
    };
    let idle = next_line("idle")?;
    row.per_conn_kib = field(&idle, "per_conn_kib")?;
    row.accept_per_s = field(&idle, "accept_per_s")?;
    row.with_conns = pingpong(stack, port, o.latency_secs)?;
    writeln!(stdin).map_err(|e| e.to_string())?;
    let streams = next_line("streams")?;
    row.per_stream_kib = field(&streams, "per_stream_kib")?;
    row.with_streams = pingpong(stack, port, o.latency_secs)?;
    writeln!(stdin).map_err(|e| e.to_string())?;
    let status = child.0.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("loadgen failed ({status})"));
    }
    drop(server);
    Ok(row)
}

/// The client side: one Channel over `o.subchannels` addresses, then over one.
fn subchannels(o: &Opts) -> Result<String> {
    let loadgen = util::target_dir().join("release/examples/loadgen");
    util::step(&format!(
        "scale: one round_robin Channel over {} addresses",
        o.subchannels
    ));
    let n = o.subchannels.to_string();
    let child = util::pinned("0", &loadgen, &["backends", &n])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start loadgen backends: {e}"))?;
    let mut backends = util::KillOnDrop(child);
    let stdin = backends.0.stdin.take();
    let mut lines = BufReader::new(backends.0.stdout.take().ok_or("backends stdout")?).lines();
    let target = lines
        .next()
        .ok_or("loadgen backends ended before printing its target")?
        .map_err(|e| e.to_string())?;
    let one = target.split(',').next().unwrap_or_default().to_owned();
    let measure = |t: &str| -> Result<String> {
        let out = util::output(&mut util::pinned(
            "1",
            &loadgen,
            &["subchannels", t, o.latency_secs],
        ))?;
        let line = out.lines().last().unwrap_or_default().to_owned();
        eprintln!("    {line}");
        Ok(line)
    };
    let many = measure(&target)?;
    let single = measure(&one)?;
    drop(stdin);
    let _ = backends.0.wait();
    let row = |name: &str, key: &str| -> Result<String> {
        Ok(format!(
            "| {name} | {:.2} | {:.2} |\n",
            field(&single, key)?,
            field(&many, key)?
        ))
    };
    Ok(format!(
        "\nClient side: one Courier Channel, round_robin, over {n} addresses (`loadgen backends`: \
         {n} Courier servers on loopback ports in one process on CPU 0) and over the first of \
         them alone; `loadgen subchannels` on CPU 1 calls until every subchannel has carried \
         calls, reads its own RSS growth (with one address, that is the whole \
         Channel's first-use cost: runtime, buffers, one connection), then makes one small \
         unary call after another for {} s.\n\n\
         | client side | 1 address | {n} addresses |\n|---|---:|---:|\n{}{}{}{}",
        o.latency_secs,
        row(
            "client RSS growth ÷ addresses (KiB)",
            "rss_kib_per_subchannel"
        )?,
        row("unary p50 (µs)", "p50_us")?,
        row("unary p99 (µs)", "p99_us")?,
        row("calls a second", "calls_per_s")?,
    ))
}

fn table(o: &Opts, rows: &[Row]) -> String {
    let (c, t) = (&rows[0], &rows[1]);
    let mut s = format!(
        "A fresh `grpc_bench server STACK` (benches/examples/grpc_bench.rs) per stack, pinned to \
         CPU 0; `loadgen scale` (benches/examples/loadgen.rs) pinned to CPU 1 writes the same \
         bytes to both. Idle connection: connection preface and SETTINGS exchanged both ways, \
         then nothing ({} connections). Open stream: request HEADERS for `/bench.Bench/Unary`, \
         no DATA ({} connections × {} streams = {} streams, on top of the idle connections). \
         Memory is the server's RSS growth divided by the count. Accept rate: connections a \
         second from connect to the server's SETTINGS frame, 100 handshakes in flight (under the accept backlog of 128 that tonic's listener has). \
         Latency: `grpc_bench pingpong` with each stack's own client, one small unary call in \
         flight for {} s. Goals (issue [N]): memory at most half of tonic's, p99 while held \
         within 2× of the idle server's.\n\n\
         | row | courier | tonic | ratio | goal |\n|---|---:|---:|---:|---:|\n",
        o.conns,
        o.stream_conns,
        o.streams,
        o.stream_conns * o.streams,
        o.latency_secs
    );
    let mut line = |name: &str, a: f64, b: f64, goal: &str| {
        s.push_str(&format!(
            "| {name} | {a:.2} | {b:.2} | {:.2} | {goal} |\n",
            a / b
        ));
    };
    line(
        "memory per idle connection (KiB)",
        c.per_conn_kib,
        t.per_conn_kib,
        "≤ 0.5",
    );
    line(
        "memory per open stream (KiB)",
        c.per_stream_kib,
        t.per_stream_kib,
        "≤ 0.5",
    );
    line(
        "accept rate (connections/s)",
        c.accept_per_s,
        t.accept_per_s,
        "—",
    );
    line(
        "unary p50, idle server (µs)",
        c.idle_server.0,
        t.idle_server.0,
        "—",
    );
    line(
        "unary p99, idle server (µs)",
        c.idle_server.1,
        t.idle_server.1,
        "—",
    );
    line(
        "unary p50, idle connections held (µs)",
        c.with_conns.0,
        t.with_conns.0,
        "—",
    );
    line(
        "unary p99, idle connections held (µs)",
        c.with_conns.1,
        t.with_conns.1,
        "—",
    );
    line(
        "unary p50, streams held too (µs)",
        c.with_streams.0,
        t.with_streams.0,
        "—",
    );
    line(
        "unary p99, streams held too (µs)",
        c.with_streams.1,
        t.with_streams.1,
        "—",
    );
    s.push_str(&format!(
        "\np99 while held ÷ p99 of the idle server (goal ≤ 2): Courier {:.2} with the \
         connections, {:.2} with the streams too; tonic {:.2} and {:.2}.\n",
        c.with_conns.1 / c.idle_server.1,
        c.with_streams.1 / c.idle_server.1,
        t.with_conns.1 / t.idle_server.1,
        t.with_streams.1 / t.idle_server.1,
    ));
    s
}
