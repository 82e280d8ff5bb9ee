//! `cargo xtask fuzz [--smoke] [--seconds N] [--long [--runs N]] [TARGET...]`: builds the
//! cargo-fuzz targets in `fuzz/` on the stable toolchain and runs each one for a bounded time
//! or, with `--long`, for a number of executions (default 10 million; each target still stops
//! after [`LONG_MAX_SECONDS`]), then minimizes its corpus and writes executions, coverage and
//! corpus size per target into docs/fuzzing.md.
//!
//! cargo-fuzz needs a few unstable compiler flags; `RUSTC_BOOTSTRAP=1` lets the stable compiler
//! accept them, and `--sanitizer none` avoids needing a nightly sanitizer runtime. Seeds committed
//! under `fuzz/seeds/TARGET/` are given to libFuzzer next to its working corpus, and the
//! dictionaries in `fuzz/dicts/` (HTTP/2 frames, HPACK, protobuf, .proto syntax, JSON, text
//! format, HTTP/1.1, xDS) to the targets whose input they describe (see [`dicts`]).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::util::{self, Result};

/// Executions of each target in a `--long` run, unless `--runs` says otherwise.
const LONG_RUNS: u64 = 10_000_000;

/// A `--long` run of one target stops after this long even short of its executions.
const LONG_MAX_SECONDS: u32 = 4 * 3600;

/// The dictionaries (in `fuzz/dicts/`) each target gets: the formats its input holds.
fn dicts(target: &str) -> &'static [&'static str] {
    match target {
        "frame_decode" => &["h2"],
        "server_connection" | "connection_pair" => &["h2", "hpack"],
        "hpack_decode" => &["hpack"],
        "wire_decode"
        | "codegen_roundtrip"
        | "reflect_decode"
        | "reflect_descriptors"
        | "grpc_framing" => &["protobuf"],
        "idl_parse" => &["proto"],
        "http1_parse" | "http1_server" => &["http1"],
        "reflect_json" | "service_config" => &["json"],
        "reflect_text" => &["text"],
        "xds_resource" => &["xds", "protobuf"],
        _ => &[],
    }
}

/// The target's dictionaries joined into one file (libFuzzer takes one `-dict`).
fn dict_file(target: &str) -> Result<Option<PathBuf>> {
    let names = dicts(target);
    if names.is_empty() {
        return Ok(None);
    }
    let mut text = String::new();
    for n in names {
        let p = util::root().join("fuzz/dicts").join(format!("{n}.dict"));
        text += &std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        text.push('\n');
    }
    let dir = util::target_dir().join("fuzz-dicts");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("{target}.dict"));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(path))
}

/// How long each target runs.
#[derive(Clone, Copy)]
pub(crate) enum Budget {
    Seconds(u32),
    /// `--long`: this many executions.
    Runs(u64),
}

const CARGO_FUZZ_VERSION: &str = "0.13.1";

/// Entry point for `cargo xtask fuzz`.
pub(crate) fn main(args: &[String]) -> Result {
    let mut seconds = 60u32;
    let mut long = false;
    let mut runs = LONG_RUNS;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--smoke" => seconds = 8,
            "--long" => long = true,
            "--runs" => {
                runs = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--runs takes a whole number")?;
            }
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds takes a whole number")?;
            }
            t if !t.starts_with('-') => targets.push(t.to_owned()),
            other => return Err(format!("fuzz: unknown option {other}")),
        }
    }
    if long {
        return run_long(&targets, runs);
    }
    run(&targets, seconds)
}

/// Builds every target and runs the chosen ones (all when `targets` is empty) for `seconds` each.
pub(crate) fn run(targets: &[String], seconds: u32) -> Result {
    run_budget(targets, Budget::Seconds(seconds)).map(|_| ())
}

/// One target's `--long` figures, from libFuzzer's own output.
struct Stats {
    target: String,
    runs: u64,
    seconds: f64,
    cov: u64,
    features: u64,
    corpus: usize,
    corpus_bytes: u64,
}

/// `--long`: every chosen target for `runs` executions, its corpus minimized after, and the
/// figures written to docs/fuzzing.md.
fn run_long(targets: &[String], runs: u64) -> Result {
    let logs = run_budget(targets, Budget::Runs(runs))?;
    let mut stats = Vec::new();
    for (t, log, seconds) in logs {
        util::step(&format!("fuzz: minimize the corpus of {t}"));
        let corpus = util::root().join("fuzz/corpus").join(&t);
        let min = util::root().join("fuzz/corpus").join(format!("{t}.min"));
        let _ = std::fs::remove_dir_all(&min);
        std::fs::create_dir_all(&min).map_err(|e| e.to_string())?;
        util::run(
            fuzz_cmd()
                .args([
                    "run",
                    "--sanitizer",
                    "none",
                    "--release",
                    "--debug-assertions",
                    &t,
                ])
                .arg(&min)
                .arg(&corpus)
                .args(["--", "-merge=1", "-rss_limit_mb=2048", "-max_len=65536"])
                .stderr(Stdio::null()),
        )?;
        std::fs::remove_dir_all(&corpus).map_err(|e| e.to_string())?;
        std::fs::rename(&min, &corpus).map_err(|e| e.to_string())?;
        let (corpus_files, corpus_bytes) = dir_size(&corpus);
        let text = std::fs::read_to_string(&log).map_err(|e| e.to_string())?;
        let stat = |key: &str| -> u64 {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(key)?
                        .trim()
                        .strip_prefix(':')?
                        .trim()
                        .parse()
                        .ok()
                })
                .unwrap_or(0)
        };
        // The last status line: "#N ... cov: C ft: F corp: ...".
        let last = text
            .lines()
            .rev()
            .find(|l| l.contains(" cov: "))
            .unwrap_or("");
        let after = |key: &str| -> u64 {
            last.split_whitespace()
                .skip_while(|w| *w != key)
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        stats.push(Stats {
            target: t,
            runs: stat("stat::number_of_executed_units"),
            seconds,
            cov: after("cov:"),
            features: after("ft:"),
            corpus: corpus_files,
            corpus_bytes,
        });
    }
    write_doc(&stats, runs)
}

fn dir_size(dir: &std::path::Path) -> (usize, u64) {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.metadata().ok())
                .fold((0, 0), |(n, b), m| (n + 1, b + m.len()))
        })
        .unwrap_or((0, 0))
}

/// Writes the table between `<!-- fuzz-long -->` markers in docs/fuzzing.md.
fn write_doc(stats: &[Stats], runs: u64) -> Result {
    let mut table = format!(
        "Command: `cargo xtask fuzz --long --runs {runs}{}`, {}.\n\n\
         | target | executions | seconds | exec/s | coverage (edges) | features | corpus (files) | corpus (KiB) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
        if stats.len() == 1 {
            format!(" {}", stats[0].target)
        } else {
            String::new()
        },
        util::output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?.trim()
    );
    for s in stats {
        table += &format!(
            "| {} | {} | {:.0} | {:.0} | {} | {} | {} | {} |\n",
            s.target,
            s.runs,
            s.seconds,
            s.runs as f64 / s.seconds.max(1e-9),
            s.cov,
            s.features,
            s.corpus,
            s.corpus_bytes / 1024
        );
    }
    let path = util::root().join("docs/fuzzing.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    // One table per run: a run of some targets replaces their rows' table only if it ran all.
    let (start, end) = ("<!-- fuzz-long -->", "<!-- /fuzz-long -->");
    let (Some(a), Some(b)) = (doc.find(start), doc.find(end)) else {
        return Err(format!("{}: no {start} ... {end} markers", path.display()));
    };
    let doc = format!("{}{start}\n{table}{}", &doc[..a], &doc[b..]);
    std::fs::write(&path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("    wrote {}", path.display());
    Ok(())
}

/// Builds every target and runs the chosen ones within `budget`; returns, per target run, its
/// name, the file holding libFuzzer's output (`--long` only; otherwise it is shown) and the
/// seconds it took.
fn run_budget(targets: &[String], budget: Budget) -> Result<Vec<(String, PathBuf, f64)>> {
    util::step("fuzz: cargo-fuzz");
    ensure_cargo_fuzz()?;
    let all = list()?;
    let chosen: Vec<String> = if targets.is_empty() {
        all.clone()
    } else {
        targets.to_vec()
    };
    for t in &chosen {
        if !all.contains(t) {
            return Err(format!("fuzz: no target {t} (targets: {})", all.join(", ")));
        }
    }
    util::step(&format!("fuzz: build {} targets", all.len()));
    util::run(fuzz_cmd().args([
        "build",
        "--sanitizer",
        "none",
        "--release",
        "--debug-assertions",
    ]))?;
    let mut logs = Vec::new();
    for t in &chosen {
        util::step(&match budget {
            Budget::Seconds(s) => format!("fuzz: {t} for {s}s"),
            Budget::Runs(r) => format!("fuzz: {t} for {r} executions"),
        });
        let corpus = util::root().join("fuzz/corpus").join(t);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut cmd = fuzz_cmd();
        cmd.args([
            "run",
            "--sanitizer",
            "none",
            "--release",
            "--debug-assertions",
            t,
        ])
        .arg(&corpus);
        let seeds = util::root().join("fuzz/seeds").join(t);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        cmd.arg("--");
        match budget {
            Budget::Seconds(s) => cmd.arg(format!("-max_total_time={s}")),
            Budget::Runs(r) => cmd
                .arg(format!("-runs={r}"))
                .arg(format!("-max_total_time={LONG_MAX_SECONDS}")),
        };
        cmd.args([
            "-rss_limit_mb=2048",
            "-max_len=65536",
            "-print_final_stats=1",
        ]);
        if let Some(dict) = dict_file(t)? {
            cmd.arg(format!("-dict={}", dict.display()));
        }
        let log = util::target_dir().join(format!("fuzz-{t}.log"));
        if let Budget::Runs(_) = budget {
            // libFuzzer reports on standard error; keep it for the figures (and the user).
            let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
            cmd.stderr(file);
            eprintln!("    (libFuzzer's output: {})", log.display());
        }
        let start = std::time::Instant::now();
        util::run(&mut cmd)?;
        logs.push((t.clone(), log, start.elapsed().as_secs_f64()));
    }
    Ok(logs)
}

fn list() -> Result<Vec<String>> {
    let out = util::output(fuzz_cmd().arg("list"))?;
    Ok(out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn fuzz_cmd() -> Command {
    let mut cmd = util::cargo();
    cmd.current_dir(util::root().join("fuzz"))
        .arg("fuzz")
        .env("RUSTC_BOOTSTRAP", "1");
    cmd
}

fn ensure_cargo_fuzz() -> Result {
    if util::have("cargo-fuzz", "--version") {
        eprintln!("    cargo-fuzz is installed");
        return Ok(());
    }
    util::run(util::cargo().args([
        "install",
        "--locked",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}
