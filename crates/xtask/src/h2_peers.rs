//! `cargo xtask h2-peers`: courier-h2 against real HTTP/2 implementations.
//!
//! Builds the `h2_server` and `h2_client` examples, then checks:
//! - curl (`--http2-prior-knowledge`): GET / and a 1 MB POST / echoed back byte for byte;
//! - nghttp: GET / and a 1 MB upload;
//! - h2load: 100,000 requests over 10 connections × 100 streams, 0 failed, 0 errored;
//! - nghttpd as the server for the `h2_client` example;
//! - Python h2, both roles (`cargo test -p courier-tests --test h2_python`, peers required).

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{peers, util};

/// Entry point.
pub(crate) fn main(_args: &[String]) -> util::Result {
    peers::apt(&[
        ("curl", "curl"),
        ("nghttp", "nghttp2-client"),
        ("h2load", "nghttp2-client"),
        ("nghttpd", "nghttp2-server"),
    ])?;
    util::step("h2-peers: build the examples");
    util::run(util::cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "courier-h2",
        "--example",
        "h2_server",
        "--example",
        "h2_client",
    ]))?;
    let examples = util::target_dir().join("release/examples");
    let work = util::target_dir().join("h2-peers");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let upload = work.join("upload.bin");
    let data: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&upload, &data).map_err(|e| e.to_string())?;

    let port = free_port()?;
    let server = Guard(
        Command::new(examples.join("h2_server"))
            .args(["--port", &port.to_string()])
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start h2_server: {e}"))?,
    );
    wait_for(port)?;
    let url = format!("http://127.0.0.1:{port}/");

    util::step("h2-peers: curl --http2-prior-knowledge");
    let body = util::output(Command::new("curl").args(["-sSf", "--http2-prior-knowledge", &url]))?;
    expect(body == "hello from courier-h2\n", "curl GET / body")?;
    let echoed = work.join("echoed.bin");
    util::run(
        Command::new("curl")
            .args(["-sSf", "--http2-prior-knowledge", "--data-binary"])
            .arg(format!("@{}", upload.display()))
            .arg("-o")
            .arg(&echoed)
            .arg(&url),
    )?;
    expect(
        std::fs::read(&echoed).map_err(|e| e.to_string())? == data,
        "curl POST / echo",
    )?;

    util::step("h2-peers: nghttp");
    let out = util::output(Command::new("nghttp").args(["-v", "-n", &url]))?;
    expect(out.contains(":status: 200"), "nghttp GET / status 200")?;
    let out = util::output(
        Command::new("nghttp")
            .args(["-v", "-n", "-d"])
            .arg(&upload)
            .arg(&url),
    )?;
    expect(
        out.contains(":status: 200") && out.contains("content-length: 1000000"),
        "nghttp 1 MB upload echoed",
    )?;

    util::step("h2-peers: h2load, 100,000 requests");
    let out =
        util::output(Command::new("h2load").args(["-n", "100000", "-c", "10", "-m", "100", &url]))?;
    let summary = out
        .lines()
        .find(|l| l.starts_with("requests:"))
        .unwrap_or("")
        .to_owned();
    eprintln!("    {summary}");
    for l in out.lines().filter(|l| l.starts_with("finished in")) {
        eprintln!("    {l}");
    }
    expect(
        summary.contains("100000 succeeded, 0 failed, 0 errored"),
        "h2load: every request succeeded",
    )?;
    drop(server);

    util::step("h2-peers: h2_client against nghttpd");
    let docroot = work.join("docroot");
    std::fs::create_dir_all(&docroot).map_err(|e| e.to_string())?;
    std::fs::write(docroot.join("index.html"), "served by nghttpd\n").map_err(|e| e.to_string())?;
    let port = free_port()?;
    let _nghttpd = Guard(
        Command::new("nghttpd")
            .arg("--no-tls")
            .arg("-d")
            .arg(&docroot)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start nghttpd: {e}"))?,
    );
    wait_for(port)?;
    let out = util::output(Command::new(examples.join("h2_client")).args([
        "--port",
        &port.to_string(),
        "/index.html",
    ]))?;
    expect(
        out.contains("status: 200") && out.contains("served by nghttpd"),
        "h2_client GET from nghttpd",
    )?;

    util::step("h2-peers: Python h2, both roles");
    peers::install()?;
    util::run(
        util::cargo()
            .args([
                "test",
                "--locked",
                "-p",
                "courier-tests",
                "--test",
                "h2_python",
            ])
            .envs(peers::env()),
    )?;
    eprintln!("\n==> h2-peers: all checks passed");
    Ok(())
}

/// Kills the child it owns when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn expect(ok: bool, what: &str) -> util::Result {
    if ok {
        Ok(())
    } else {
        Err(format!("h2-peers: check failed: {what}"))
    }
}

fn free_port() -> util::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn wait_for(port: u16) -> util::Result {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("nothing listens on port {port} after 10 s"))
}
