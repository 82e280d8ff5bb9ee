//! Small helpers shared by every xtask command: the repository root, printed steps, and running
//! commands that fail loudly.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The result type of every xtask command: an error is a sentence for the user.
pub(crate) type Result<T = ()> = std::result::Result<T, String>;

/// The repository root (the parent of `crates/xtask`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

/// Cargo's target directory (`$CARGO_TARGET_DIR`, or `target/` in the repository root).
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Prints a step header; every step of `cargo xtask ci` goes through here so the log reads as a
/// list of what happened.
pub(crate) fn step(name: &str) {
    eprintln!("\n==> {name}");
}

/// A command built with [`Command`] and run with its output shown, failing with a clear message.
pub(crate) fn run(cmd: &mut Command) -> Result {
    let status = status(cmd)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("command failed ({status}): {}", describe(cmd)))
    }
}

/// Runs a command with its output shown and returns its exit status.
pub(crate) fn status(cmd: &mut Command) -> Result<ExitStatus> {
    eprintln!("    $ {}", describe(cmd));
    let start = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    eprintln!("    ({:.1}s)", start.elapsed().as_secs_f64());
    Ok(status)
}

/// Runs a command and returns its standard output, failing if it fails.
pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "command failed ({}): {}",
            out.status,
            describe(cmd)
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("non-UTF-8 output from {}", describe(cmd)))
}

/// The load average over 1, 5 and 15 minutes, for benchmark reports (`?` where unknown).
pub(crate) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Whether a program can be started (`prog --version` succeeds).
pub(crate) fn have(prog: &str, version_arg: &str) -> bool {
    Command::new(prog)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the builds are `cargo xtask ci`'s (see [`lean_builds`]).
static LEAN_BUILDS: AtomicBool = AtomicBool::new(false);

/// Makes every later [`cargo`] build lean, as `cargo xtask ci` does: debug information is line
/// tables only (backtraces keep file and line; a debugger sees no variables) and there is no
/// incremental state. A cold CI's target directory then holds about 9 GiB instead of about
/// 25 GiB, which the CI machine's disk did not have room for (it failed "No space left on
/// device" while linking the test binaries), and it links faster. The profiles in Cargo.toml,
/// which every other build uses, are unchanged.
pub(crate) fn lean_builds() {
    LEAN_BUILDS.store(true, Ordering::Relaxed);
}

/// `cargo` as the one running xtask (respects `$CARGO`).
pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    if LEAN_BUILDS.load(Ordering::Relaxed) {
        for profile in ["DEV", "TEST", "RELEASE", "BENCH"] {
            cmd.env(format!("CARGO_PROFILE_{profile}_DEBUG"), "line-tables-only");
        }
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// `cargo build --release --locked -p PACKAGE --example E...`.
pub(crate) fn build_examples(package: &str, examples: &[&str]) -> Result {
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--locked", "-p", package]);
    for e in examples {
        cmd.args(["--example", e]);
    }
    run(&mut cmd)
}

/// A child process (a server under test) killed and reaped when dropped, so none outlives its
/// check, whatever way the check ends.
#[derive(Debug)]
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nobody listens on (the OS picks it).
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Waits until `child` accepts connections on 127.0.0.1:`port`; fails if it exits first or
/// `timeout` passes.
pub(crate) fn wait_for_port(port: u16, child: &mut Child, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "exited ({status}) before listening on 127.0.0.1:{port}"
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "did not listen on 127.0.0.1:{port} within {}s",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `cmd` (the `what`, named in errors) and waits until it listens on
/// 127.0.0.1:`port`; the child is killed when the returned guard drops.
pub(crate) fn spawn_listening(
    what: &str,
    cmd: &mut Command,
    port: u16,
    timeout: Duration,
) -> Result<KillOnDrop> {
    let child = cmd.spawn().map_err(|e| format!("start the {what}: {e}"))?;
    let mut child = KillOnDrop(child);
    wait_for_port(port, &mut child.0, timeout).map_err(|e| format!("the {what} {e}"))?;
    Ok(child)
}

/// Starts `bin server STACK PORT extra...` for each of `stacks` on a free port, pinned to CPU 0
/// with the file descriptor limit raised ([`pinned`]) and its output discarded, and waits until each listens; returns the guards
/// and the ports, in the order of `stacks`.
pub(crate) fn spawn_pinned_servers(
    bin: &Path,
    stacks: &[&str],
    extra: &[&str],
) -> Result<(Vec<KillOnDrop>, Vec<u16>)> {
    let mut servers = Vec::new();
    let mut ports = Vec::new();
    for stack in stacks {
        let port = free_port()?;
        let port_s = port.to_string();
        let args: Vec<&str> = ["server", stack, &port_s]
            .into_iter()
            .chain(extra.iter().copied())
            .collect();
        servers.push(spawn_listening(
            &format!("{stack} server"),
            pinned("0", bin, &args)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            port,
            Duration::from_secs(20),
        )?);
        ports.push(port);
    }
    Ok((servers, ports))
}

/// Runs `bin args...` pinned to CPU 1 (`taskset -c 1`, the load side of a bench whose servers
/// are on CPU 0) and returns its standard output.
pub(crate) fn on_cpu1(bin: &Path, args: &[&str]) -> Result<String> {
    output(
        Command::new("taskset")
            .args(["-c", "1"])
            .arg(bin)
            .args(args),
    )
}

/// Reads a JSON file, gunzipping it first when its name ends in `.gz`.
pub(crate) fn read_json(path: &Path) -> Result<serde_json::Value> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut s)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        s
    } else {
        raw
    };
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads an h2load run's output: fails unless all `requests` succeeded, else returns its
/// req/s (from "finished in 2.02s, 98815.40 req/s, 4.52MB/s"). h2load counts HTTP `:status`
/// only; callers that need gRPC statuses check them separately.
pub(crate) fn h2load_req_per_s(out: &str, requests: &str) -> Result<f64> {
    let all = format!("{requests} succeeded, 0 failed, 0 errored");
    if !out.lines().any(|l| l.contains(&all)) {
        return Err(format!("h2load: not every request succeeded:\n{out}"));
    }
    let line = out
        .lines()
        .find(|l| l.starts_with("finished in"))
        .ok_or("h2load printed no summary")?;
    line.split(", ")
        .find(|p| p.ends_with(" req/s"))
        .and_then(|p| p.trim_end_matches(" req/s").parse::<f64>().ok())
        .ok_or_else(|| format!("cannot read req/s from {line:?}"))
}

/// The median of `v` (the upper one of an even count); `v` must not be empty.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A table row: `label`, the medians of the two stacks' runs (`courier`, then the peer), and the
/// goal; the runs are sorted in place.
pub(crate) fn median_row<'a>(
    label: String,
    [courier, peer]: &mut [Vec<f64>; 2],
    goal: &'a str,
) -> (String, f64, f64, &'a str) {
    (label, median(courier), median(peer), goal)
}

/// `taskset -c CPU BIN ARGS...` through `sh`, with the fd limit raised to the hard limit first
/// (`ulimit -n`: the scale and attack runs hold thousands of sockets); `exec` all the way, so
/// the child's id is BIN's process id.
pub(crate) fn pinned(cpu: &str, bin: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n \"$(ulimit -Hn)\" && exec taskset -c \"$0\" \"$@\"")
        .arg(cpu)
        .arg(bin)
        .args(args);
    cmd
}
