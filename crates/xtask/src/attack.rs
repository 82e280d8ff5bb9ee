//! `cargo xtask attack [--seconds N] [--quick] [KIND...]`: what each attack of the HTTP/2 and
//! gRPC DoS catalogue costs the server, Courier side by side with tonic (docs/security.md).
//!
//! For each stack and attack: a fresh `grpc_bench server STACK PORT` pinned to CPU 0;
//! `loadgen attack KIND` (benches/examples/loadgen.rs) at full speed on CPU 1 at nice 19 for N
//! seconds (default 10), while `grpc_bench pingpong` — the legitimate client, each stack's own,
//! at normal priority on the same core — makes one small unary call after another. Recorded:
//! the rate the attacker achieved, the server's CPU share and peak RSS (VmHWM) over the run,
//! the legitimate client's p50/p99 next to its p99 on the same server before the attack, and
//! whether a call still succeeds once the attack has stopped. A legitimate call that fails
//! during the attack makes its row say so; nothing here fails the command except the harness
//! itself breaking. Without `--quick` the table goes into docs/security.md between the
//! `<!-- attack -->` markers; `--quick` runs each attack for 2 s and only prints.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::scale::{field, pingpong};
use crate::util::{self, Result};

const STACKS: [&str; 2] = ["courier", "tonic"];

/// Every attack, in the table's order, with the sentence that says what it does.
const KINDS: &[(&str, &str)] = &[
    (
        "rapid-reset",
        "HEADERS then RST_STREAM(CANCEL), stream after stream (CVE-2023-44487)",
    ),
    (
        "made-you-reset",
        "HEADERS then WINDOW_UPDATE 0 on the stream, which the server must reset (CVE-2025-8671)",
    ),
    (
        "continuation-flood",
        "HEADERS without END_HEADERS, then 16 KB CONTINUATIONs of new fields without end",
    ),
    (
        "hpack-bomb",
        "a 4 KB field in the dynamic table, then 16 KB blocks naming it 16,000 times (65 MB each decoded)",
    ),
    (
        "ping-flood",
        "PING frames, responses never read (CVE-2019-9512)",
    ),
    (
        "settings-flood",
        "SETTINGS frames, acknowledgments never read (CVE-2019-9515)",
    ),
    (
        "empty-frame-flood",
        "empty DATA frames without END_STREAM on one stream (CVE-2019-9518)",
    ),
    (
        "window-update-flood",
        "WINDOW_UPDATE frames of 1 octet on the connection",
    ),
    (
        "zero-window",
        "SETTINGS_INITIAL_WINDOW_SIZE 0, 100 streams per connection each asking for 64 × 1 MiB, never read; 16 connections",
    ),
    (
        "slowloris-preface",
        "up to 2,000 connections sending the preface a byte a second",
    ),
    (
        "slowloris-headers",
        "up to 2,000 connections announcing a 16 KB HEADERS frame and sending it a byte a second",
    ),
    (
        "huge-headers",
        "field blocks of about 1 MiB (HEADERS + 64 CONTINUATIONs), stream after stream",
    ),
    (
        "tiny-data",
        "a message declared 4 MiB - 1 sent one byte per DATA frame",
    ),
    (
        "stream-exhaustion",
        "100 streams per connection with an unfinished message each, up to 1,000 connections",
    ),
    (
        "oversized-message",
        "messages declaring 4 GiB - 1 bytes, 16 KB of each sent",
    ),
];

struct Cell {
    rate: f64,
    unit: String,
    conns: f64,
    cpu_pct: f64,
    peak_mib: f64,
    legit: std::result::Result<(f64, f64), String>,
    baseline_p99: f64,
    after_ok: bool,
    alive: bool,
}

/// Entry point.
pub(crate) fn main(args: &[String]) -> Result {
    let mut seconds = 10u32;
    let mut quick = false;
    let mut chosen = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|s| *s >= 3)
                    .ok_or("--seconds takes a whole number, at least 3")?;
            }
            "--quick" => {
                quick = true;
                seconds = 3;
            }
            k if KINDS.iter().any(|(n, _)| *n == k) => chosen.push(k.to_owned()),
            other => {
                let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "attack: unknown argument {other} (attacks: {})",
                    names.join(", ")
                ));
            }
        }
    }
    let kinds: Vec<(&str, &str)> = KINDS
        .iter()
        .copied()
        .filter(|(n, _)| chosen.is_empty() || chosen.iter().any(|c| c == n))
        .collect();
    if crate::scale::hard_fd_limit()? < 4_200 {
        return Err(
            "attack: the slowloris rows hold 2,000 sockets on each side; the hard \
                    fd limit (ulimit -Hn) is below 4,200"
                .into(),
        );
    }
    crate::peers::apt(&[("taskset", "util-linux")])?;
    util::step("attack: build grpc_bench and loadgen");
    util::build_examples("courier-benches", &["grpc_bench", "loadgen"])?;
    let mut rows = Vec::new();
    for (kind, what) in &kinds {
        let mut cells = Vec::new();
        for stack in STACKS {
            cells.push(run_one(stack, kind, seconds)?);
        }
        rows.push((*kind, *what, cells));
    }
    let table = table(&rows, seconds);
    eprintln!("\n{table}");
    if quick || !chosen.is_empty() {
        return Ok(());
    }
    write_table(&table)
}

fn run_one(stack: &str, kind: &str, seconds: u32) -> Result<Cell> {
    let examples = util::target_dir().join("release/examples");
    let (mut servers, ports) =
        util::spawn_pinned_servers(&examples.join("grpc_bench"), &[stack], &[])?;
    let (server, port) = (servers.remove(0), ports[0]);
    util::step(&format!(
        "attack: {kind} against {stack} (127.0.0.1:{port})"
    ));
    let pid = server.0.id();
    let (_, baseline_p99) = pingpong(stack, port, "2")?;
    let loadgen = examples.join("loadgen");
    let secs = seconds.to_string();
    let port_s = port.to_string();
    let pid_s = pid.to_string();
    let mut attacker = util::pinned(
        "1",
        Path::new("nice"),
        &[
            "-n",
            "19",
            loadgen.to_str().ok_or("non-UTF-8 target dir")?,
            "attack",
            kind,
            &port_s,
            &pid_s,
            &secs,
        ],
    );
    let attacker = attacker
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start loadgen: {e}"))?;
    let attacker = util::KillOnDrop(attacker);
    std::thread::sleep(Duration::from_millis(500));
    // The legitimate client for all but the attack's first and last half second or so.
    let legit_secs = format!("{:.1}", f64::from(seconds) - 1.5);
    let legit = pingpong(stack, port, &legit_secs);
    let out = wait_output(attacker)?;
    let line = out.lines().last().unwrap_or_default().to_owned();
    eprintln!("    {line}");
    let after_ok = pingpong(stack, port, "0.5").is_ok();
    let cell = Cell {
        rate: field(&line, "rate")?,
        unit: line
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("unit="))
            .unwrap_or("?")
            .to_owned(),
        conns: field(&line, "conns")?,
        cpu_pct: field(&line, "cpu_s")? / f64::from(seconds) * 100.0,
        peak_mib: field(&line, "peak_rss_kib")? / 1024.0,
        legit,
        baseline_p99,
        after_ok,
        alive: field(&line, "alive")? == 1.0,
    };
    drop(server);
    Ok(cell)
}

fn wait_output(child: util::KillOnDrop) -> Result<String> {
    let mut child = child;
    let mut out = String::new();
    if let Some(mut s) = child.0.stdout.take() {
        use std::io::Read;
        s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    }
    let status = child.0.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("loadgen attack failed ({status})"));
    }
    Ok(out)
}

fn table(rows: &[(&str, &str, Vec<Cell>)], seconds: u32) -> String {
    let mut s = format!(
        "Each attack for {seconds} s at full speed from CPU 1 (nice 19) against a fresh server \
         on CPU 0, while the legitimate client (normal priority, CPU 1) makes one small unary \
         call after another. C = Courier, T = tonic 0.14. Rate: units a second the attacker \
         wrote (into the socket: a server that closes a connection drops what it had not read \
         yet); conns: the connections it used, a new one each time the server closed the last \
         (a server that cuts an attack off early shows many). CPU: the server's CPU time over the run ÷ its length. Peak: \
         the server process's peak RSS (VmHWM, from its start). p99×: the legitimate p99 under \
         attack ÷ its p99 on the same server before the attack (goal ≤ 3). After: a call \
         succeeds once the attack stops.\n\n\
         | attack | unit | rate C | rate T | conns C / T | CPU C | CPU T | peak MiB C | peak MiB T | legit p50/p99 µs C | legit p50/p99 µs T | p99× C | p99× T | after C / T |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    );
    let legit = |c: &Cell| match &c.legit {
        Ok((p50, p99)) => format!("{p50:.0} / {p99:.0}"),
        Err(_) => "calls failed".to_owned(),
    };
    let ratio = |c: &Cell| match &c.legit {
        Ok((_, p99)) => format!("{:.1}", p99 / c.baseline_p99),
        Err(_) => "—".to_owned(),
    };
    let after = |c: &Cell| {
        if !c.alive {
            "server died"
        } else if c.after_ok {
            "ok"
        } else {
            "FAILED"
        }
    };
    for (kind, _, cells) in rows {
        let (c, t) = (&cells[0], &cells[1]);
        s.push_str(&format!(
            "| {kind} | {} | {:.0} | {:.0} | {:.0} / {:.0} | {:.0}% | {:.0}% | {:.1} | {:.1} | {} | {} | {} | {} | {} / {} |\n",
            c.unit,
            c.rate,
            t.rate,
            c.conns,
            t.conns,
            c.cpu_pct,
            t.cpu_pct,
            c.peak_mib,
            t.peak_mib,
            legit(c),
            legit(t),
            ratio(c),
            ratio(t),
            after(c),
            after(t),
        ));
    }
    s.push_str("\nThe attacks:\n\n");
    for (kind, what, _) in rows {
        s.push_str(&format!("- `{kind}`: {what}.\n"));
    }
    s
}

/// Replaces the text between `<!-- attack -->` and `<!-- /attack -->` in docs/security.md.
fn write_table(table: &str) -> Result {
    let path = util::root().join("docs/security.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (start, end) = ("<!-- attack -->", "<!-- /attack -->");
    let (Some(a), Some(b)) = (doc.find(start), doc.find(end)) else {
        return Err(format!("{}: no {start} ... {end} markers", path.display()));
    };
    let date = util::output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?;
    let doc = format!(
        "{}{start}\nCommand: `cargo xtask attack`, {}.\n\n{table}{}",
        &doc[..a],
        date.trim(),
        &doc[b..]
    );
    std::fs::write(&path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("    wrote {}", path.display());
    Ok(())
}
