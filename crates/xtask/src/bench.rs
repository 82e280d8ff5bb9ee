//! `cargo xtask bench NAME`: runs the criterion benchmark `benches/benches/NAME.rs` and writes its
//! results, side by side with the peer crates, into `docs/benchmarks.md`.
//!
//! Convention every criterion bench follows so this report can read it: one criterion group per
//! row, named `NAME/row`, with one function per implementation; the function `courier` is ours and
//! every other function is a peer (`prost`, `hpack`, ...). The report gives each median and the
//! ratio peer ÷ courier, so a ratio above 1 means Courier is faster.
//!
//! Benches that are not criterion runs (h2load against servers, say) add their own sections
//! through [`write_section`].

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::util::{self, Result};

/// Entry point for `cargo xtask bench`.
pub(crate) fn main(args: &[String]) -> Result {
    let Some(name) = args.first() else {
        return Err("usage: cargo xtask bench NAME [criterion filter...]".into());
    };
    criterion(name, &args[1..])
}

/// Runs one criterion bench and writes its table.
pub(crate) fn criterion(name: &str, filter: &[String]) -> Result {
    let out_dir = util::target_dir().join("criterion");
    // Remove old results of this bench so the table only shows this run.
    if let Ok(entries) = std::fs::read_dir(&out_dir) {
        for e in entries.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}_"))
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    util::step(&format!("bench: {name}"));
    util::run(
        util::cargo()
            .args(["bench", "-p", "courier-benches", "--bench", name, "--"])
            .args(filter),
    )?;
    let rows = read_results(&out_dir, name)?;
    if rows.is_empty() {
        return Err(format!(
            "bench {name}: no criterion results found under {}",
            out_dir.display()
        ));
    }
    let mut command = format!("cargo xtask bench {name}");
    for f in filter {
        command.push(' ');
        command.push_str(f);
    }
    let table = render(&rows);
    print!("{table}");
    let body = format!(
        "Medians of criterion runs; the ratio is peer ÷ courier, so above 1 means Courier is \
         faster.\n\n{table}"
    );
    write_section(name, &command, &body)
}

/// One row: implementation name → median time in nanoseconds, plus throughput if declared.
#[derive(Debug, Default)]
struct Row {
    medians: BTreeMap<String, f64>,
    bytes: Option<u64>,
}

fn read_results(dir: &Path, name: &str) -> Result<BTreeMap<String, Row>> {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if !p.is_dir() {
                continue;
            }
            let (bench, est) = (p.join("new/benchmark.json"), p.join("new/estimates.json"));
            if bench.is_file() && est.is_file() {
                let bench = util::read_json(&bench)?;
                let group = bench["group_id"].as_str().unwrap_or_default().to_owned();
                let Some(row) = group.strip_prefix(&format!("{name}/")) else {
                    continue;
                };
                let function = bench["function_id"].as_str().unwrap_or("?").to_owned();
                let median = util::read_json(&est)?["median"]["point_estimate"]
                    .as_f64()
                    .ok_or_else(|| format!("{}: no median", est.display()))?;
                let entry = rows.entry(row.to_owned()).or_default();
                entry.medians.insert(function, median);
                if let Some(b) = bench["throughput"]["Bytes"].as_u64() {
                    entry.bytes = Some(b);
                }
            } else {
                stack.push(p);
            }
        }
    }
    Ok(rows)
}

fn render(rows: &BTreeMap<String, Row>) -> String {
    let mut peers: Vec<&str> = rows
        .values()
        .flat_map(|r| r.medians.keys())
        .map(String::as_str)
        .filter(|f| *f != "courier")
        .collect();
    peers.sort_unstable();
    peers.dedup();
    let mut s = String::from("| row | courier (median) |");
    for p in &peers {
        s.push_str(&format!(" {p} (median) | {p} ÷ courier |"));
    }
    s.push_str("\n|---|---:|");
    for _ in &peers {
        s.push_str("---:|---:|");
    }
    s.push('\n');
    for (row, r) in rows {
        let ours = r.medians.get("courier").copied();
        s.push_str(&format!("| {row} | {} |", fmt_time(ours, r.bytes)));
        for p in &peers {
            let theirs = r.medians.get(*p).copied();
            let ratio = match (ours, theirs) {
                (Some(o), Some(t)) if o > 0.0 => format!("{:.2}×", t / o),
                _ => "–".to_owned(),
            };
            s.push_str(&format!(" {} | {ratio} |", fmt_time(theirs, r.bytes)));
        }
        s.push('\n');
    }
    s
}

fn fmt_time(ns: Option<f64>, bytes: Option<u64>) -> String {
    let Some(ns) = ns else {
        return "–".to_owned();
    };
    let time = if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    };
    match bytes {
        Some(b) if ns > 0.0 => format!(
            "{time} ({:.0} MiB/s)",
            b as f64 / (ns / 1e9) / (1 << 20) as f64
        ),
        _ => time,
    }
}

/// Replaces (or appends) the section of `docs/benchmarks.md` for bench `name`, between the
/// markers `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, with how it was made (command,
/// machine, date) and `body`, which says what the figures are.
pub(crate) fn write_section(name: &str, command: &str, body: &str) -> Result {
    let path = util::root().join("docs/benchmarks.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let (start, end) = (
        format!("<!-- bench:{name} -->"),
        format!("<!-- /bench:{name} -->"),
    );
    let section = format!(
        "{start}\n## `{name}`\n\nCommand: `{command}`  \nMachine: {}  \nDate: {}\n\n{body}{end}",
        machine(),
        today(),
    );
    let doc = match (doc.find(&start), doc.find(&end)) {
        (Some(a), Some(b)) if a < b => format!("{}{section}{}", &doc[..a], &doc[b + end.len()..]),
        _ => format!("{}\n{section}\n", doc.trim_end()),
    };
    std::fs::write(&path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("    wrote {}", path.display());
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    // The machine's processors, not the ones this process may use (a `taskset` run would
    // report only those).
    let online = std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.lines().filter(|l| l.starts_with("processor")).count())
        .unwrap_or(0);
    let cores = match online {
        0 => std::thread::available_parallelism().map_or(0, |n| n.get()),
        n => n,
    };
    let rustc = util::output(Command::new("rustc").arg("--version"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {rustc}")
}

fn today() -> String {
    util::output(Command::new("date").arg("-u").arg("+%Y-%m-%d"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}
