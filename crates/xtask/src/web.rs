//! `cargo xtask web`: Courier's gRPC-Web and Connect against real clients and a real browser.
//!
//! One `web-test-server` (tests/web: the `courier.webtest.v1.WebTest` service on every
//! protocol, JSON through its descriptors, gzip, a page and its script, a second port that
//! the page's origin may call with CORS and a third that no other origin may call) is called by:
//!
//! - **@connectrpc/connect-node** (tests/peers/web/client.mjs), eight clients: Connect with
//!   JSON and with binary, gRPC-Web (binary and JSON) and gRPC, over HTTP/1.1 and HTTP/2; every
//!   call kind, errors with details and metadata, a stream failing after messages, deadlines,
//!   gzip both ways, GET for the side-effect-free method;
//! - **curl**, over HTTP/1.1 and HTTP/2 (prior knowledge): Connect unary JSON by POST and GET, a
//!   Connect error, gRPC-Web binary and text, a CORS preflight;
//! - **headless Chromium** (Debian's), loading the page the server itself serves — built by
//!   esbuild from tests/peers/web/page/app.js with @connectrpc/connect-web and the code
//!   @bufbuild/protoc-gen-es generates (through grpcio-tools' protoc) — which calls the server
//!   with Connect (JSON, binary) and gRPC-Web, on its own origin and across origins, and writes
//!   each result into the page; `--dump-dom` brings them back;
//! - **Courier's own web client** (`courier_rpc::web::WebChannel`, the `web-test-client`
//!   binary of tests/web): gRPC-Web and Connect over HTTP/1.1 and HTTP/2, every call kind,
//!   metadata and trailers, errors with details, deadlines, gzip, Connect GET.
//!
//! That client also calls a server that is not Courier's: @connectrpc/connect-node's
//! (tests/peers/web/server.mjs, the same WebTest service on HTTP/1.1 and HTTP/2).
//!
//! Every client reports one result per case; a case a client cannot run says why (n/a, never a
//! pass). The run ends with `web: N clients × C cases, F failed`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{peers, util};

/// How long one client program may run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(180);

/// One result: client, case, outcome, detail.
#[derive(Debug)]
struct Outcome {
    client: String,
    case: String,
    result: Result_,
    detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Result_ {
    Pass,
    Fail,
    NotApplicable,
}

/// Entry point (also the CI step).
pub(crate) fn main(_args: &[String]) -> util::Result {
    util::step("web: peers (chromium, curl, the web Node packages)");
    peers::apt(&[("chromium", "chromium"), ("curl", "curl")])?;
    peers::install_web()?;

    util::step("web: build web-test-server and web-test-client");
    util::run(util::cargo().args([
        "build",
        "--locked",
        "-p",
        "courier-web-test",
        "--bin",
        "web-test-server",
        "--bin",
        "web-test-client",
    ]))?;
    let server_bin = util::target_dir().join("debug/web-test-server");
    let client_bin = util::target_dir().join("debug/web-test-client");

    let web = peers::web_dir();
    util::step("web: generate code (protoc-gen-es) and bundle the page (esbuild)");
    prepare_site(&web)?;

    util::step("web: start web-test-server");
    let mut child = Command::new(&server_bin)
        .args([
            "--port",
            "0",
            "--cors-port",
            "0",
            "--plain-port",
            "0",
            "--gzip",
        ])
        .arg("--site")
        .arg(web.join("site"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start web-test-server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let _server = util::KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("read web-test-server's ports: {e}"))?;
    let port = |key: &str| -> util::Result<u16> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("web-test-server said {line:?}"))
    };
    let (main_port, cors_port, plain_port) = (port("port")?, port("cors")?, port("plain")?);
    eprintln!("    listening: {main_port} (CORS: {cors_port}, no CORS: {plain_port})");

    let mut outcomes = Vec::new();
    util::step("web: @connectrpc/connect-node");
    outcomes.extend(node_clients(&web, main_port)?);
    util::step("web: curl");
    outcomes.extend(curl_clients(&web, main_port, cors_port)?);
    util::step("web: headless Chromium");
    outcomes.extend(browser(&web, main_port, cors_port, plain_port)?);
    util::step("web: Courier's web client (WebChannel) against Courier's server");
    let addr = format!("127.0.0.1:{main_port}");
    outcomes.extend(rust_client(
        &client_bin,
        "webchannel",
        "courier",
        &addr,
        &addr,
    )?);
    util::step("web: Courier's web client (WebChannel) against @connectrpc/connect-node's server");
    outcomes.extend(against_node_server(&web, &client_bin)?);
    summarize(&outcomes)
}

/// Generates the WebTest code with protoc-gen-es, copies the client and the page next to the
/// packages, and bundles the page's script with esbuild into `site/`.
fn prepare_site(web: &Path) -> util::Result {
    let root = util::root();
    let gen_dir = web.join("gen");
    let _ = std::fs::remove_dir_all(&gen_dir);
    std::fs::create_dir_all(&gen_dir).map_err(|e| format!("{}: {e}", gen_dir.display()))?;
    util::run(
        Command::new(peers::python())
            .args(["-m", "grpc_tools.protoc"])
            .arg("-I")
            .arg(root.join("tests/web/proto"))
            .arg(format!(
                "--plugin=protoc-gen-es={}",
                web.join("node_modules/.bin/protoc-gen-es").display()
            ))
            .arg(format!("--es_out={}", gen_dir.display()))
            .arg("--es_opt=target=js")
            .arg("courier/webtest/v1/webtest.proto"),
    )?;
    let copy = |from: &Path, to: &Path| {
        std::fs::copy(from, to)
            .map(drop)
            .map_err(|e| format!("copy {}: {e}", from.display()))
    };
    let src = root.join("tests/peers/web");
    copy(&src.join("client.mjs"), &web.join("client.mjs"))?;
    copy(&src.join("server.mjs"), &web.join("server.mjs"))?;
    let page = web.join("page");
    let site = web.join("site");
    for d in [&page, &site] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    for f in ["app.js", "index.html"] {
        copy(&src.join("page").join(f), &page.join(f))?;
    }
    copy(&page.join("index.html"), &site.join("index.html"))?;
    util::run(
        Command::new(web.join("node_modules/.bin/esbuild"))
            .args([
                "page/app.js",
                "--bundle",
                "--format=esm",
                "--target=es2022",
                "--log-level=warning",
                "--outfile=site/app.js",
            ])
            .current_dir(web),
    )
}

/// Runs `cmd` to completion within `limit`, returning its standard output.
fn run_limited(cmd: &mut Command, limit: Duration, what: &str) -> util::Result<String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {what}: {e}"))?;
    let mut out = child.stdout.take().ok_or("no stdout")?;
    let mut err = child.stderr.take().ok_or("no stderr")?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what} did not finish within {}s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "{what} failed ({status}):\n{}",
            String::from_utf8_lossy(&err)
        ));
    }
    eprintln!("    {what}: {:.1}s", start.elapsed().as_secs_f64());
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The node client's `RESULT client case pass|fail|n/a detail` lines.
fn node_clients(web: &Path, port: u16) -> util::Result<Vec<Outcome>> {
    let out = run_limited(
        Command::new("node")
            .arg("client.mjs")
            .arg(port.to_string())
            .current_dir(web),
        CLIENT_TIMEOUT,
        "node client.mjs",
    )?;
    results(&out, "the node client")
}

/// Courier's web client (`web-test-client`) against a WebTest server: its `RESULT` lines.
fn rust_client(
    bin: &Path,
    name: &str,
    server: &str,
    h1: &str,
    h2: &str,
) -> util::Result<Vec<Outcome>> {
    let out = run_limited(
        Command::new(bin).args([name, server, h1, h2]),
        CLIENT_TIMEOUT,
        "web-test-client",
    )?;
    results(&out, "web-test-client")
}

/// Starts tests/peers/web/server.mjs (connect-node serving WebTest on HTTP/1.1 and HTTP/2)
/// and runs Courier's web client against it.
fn against_node_server(web: &Path, client_bin: &Path) -> util::Result<Vec<Outcome>> {
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(web)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start node server.mjs: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let _server = util::KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("read server.mjs's ports: {e}"))?;
    let port = |key: &str| -> util::Result<String> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .map(|p| format!("127.0.0.1:{p}"))
            .ok_or_else(|| format!("server.mjs said {line:?}"))
    };
    let (h1, h2) = (port("h1")?, port("h2")?);
    eprintln!("    connect-node listening: {h1} (HTTP/1.1), {h2} (HTTP/2)");
    rust_client(
        client_bin,
        "webchannel@connect-node",
        "connect-node",
        &h1,
        &h2,
    )
}

/// Reads `RESULT client case pass|fail|n/a detail` lines.
fn results(out: &str, who: &str) -> util::Result<Vec<Outcome>> {
    let mut v = Vec::new();
    for line in out.lines() {
        let Some(rest) = line.strip_prefix("RESULT ") else {
            continue;
        };
        let mut parts = rest.splitn(4, ' ');
        let (Some(client), Some(case), Some(result)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("unreadable result line {line:?}"));
        };
        v.push(Outcome {
            client: client.to_owned(),
            case: case.to_owned(),
            result: match result {
                "pass" => Result_::Pass,
                "n/a" => Result_::NotApplicable,
                _ => Result_::Fail,
            },
            detail: parts.next().unwrap_or("").to_owned(),
        });
    }
    if v.is_empty() {
        return Err(format!("{who} reported nothing:\n{out}"));
    }
    Ok(v)
}

/// Protobuf: field 1 (`message`) of a WebTest `EchoRequest`.
fn echo_request(message: &str) -> Vec<u8> {
    let mut b = vec![0x0a, message.len() as u8];
    b.extend_from_slice(message.as_bytes());
    b
}

/// The string fields of a protobuf message, by number (what the checks read of `EchoResponse`).
fn string_fields(mut b: &[u8]) -> Vec<(u64, String)> {
    fn varint(b: &mut &[u8]) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = b.split_first()?;
            *b = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut out = Vec::new();
    while let Some(tag) = varint(&mut b) {
        match tag & 7 {
            0 => {
                if varint(&mut b).is_none() {
                    break;
                }
            }
            2 => {
                let Some(len) = varint(&mut b) else { break };
                let len = len as usize;
                if len > b.len() {
                    break;
                }
                out.push((tag >> 3, String::from_utf8_lossy(&b[..len]).into_owned()));
                b = &b[len..];
            }
            1 if b.len() >= 8 => b = &b[8..],
            5 if b.len() >= 4 => b = &b[4..],
            _ => break,
        }
    }
    out
}

/// The length-prefixed frames of a gRPC-Web body: (flags, data).
fn frames(mut b: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    let mut v = Vec::new();
    while !b.is_empty() {
        if b.len() < 5 {
            return None;
        }
        let len = u32::from_be_bytes([b[1], b[2], b[3], b[4]]) as usize;
        if b.len() < 5 + len {
            return None;
        }
        v.push((b[0], b[5..5 + len].to_vec()));
        b = &b[5 + len..];
    }
    Some(v)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(data: &[u8]) -> String {
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = u32::from(c[0]) << 16
            | u32::from(*c.get(1).unwrap_or(&0)) << 8
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(B64[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 made of padded pieces (a gRPC-Web text stream).
fn unbase64(text: &str) -> Option<Vec<u8>> {
    let t: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if t.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::new();
    for g in t.chunks(4) {
        let pad = g.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (k, &c) in g[..4 - pad].iter().enumerate() {
            n |= (B64.iter().position(|&x| x == c)? as u32) << (18 - 6 * k);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    Some(out)
}

/// curl, over HTTP/1.1 and HTTP/2 (prior knowledge).
fn curl_clients(web: &Path, port: u16, cors_port: u16) -> util::Result<Vec<Outcome>> {
    let mut v = Vec::new();
    let base = format!("http://127.0.0.1:{port}/courier.webtest.v1.WebTest");
    let tmp = web.join("curl");
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    for (client, flag, h) in [
        ("curl/h1", "--http1.1", "h1"),
        ("curl/h2", "--http2-prior-knowledge", "h2"),
    ] {
        let curl = |args: &[&str]| -> util::Result<String> {
            run_limited(
                Command::new("curl")
                    .args(["-sS", "--max-time", "20", flag])
                    .args(args),
                Duration::from_secs(30),
                "curl",
            )
        };
        let json = |s: &str| -> std::result::Result<serde_json::Value, String> {
            serde_json::from_str(s).map_err(|e| format!("{e}: {s:?}"))
        };
        let mut case = |name: &str, r: std::result::Result<(), String>| {
            v.push(Outcome {
                client: client.to_owned(),
                case: name.to_owned(),
                result: if r.is_ok() {
                    Result_::Pass
                } else {
                    Result_::Fail
                },
                detail: r.err().unwrap_or_default(),
            });
        };
        let expect = |cond: bool, what: String| if cond { Ok(()) } else { Err(what) };

        // Connect unary, JSON, POST.
        let r = curl(&[
            "-H",
            "content-type: application/json",
            "-H",
            "connect-protocol-version: 1",
            "--data",
            r#"{"message":"curl","labels":{"k":"v"},"big":"12345678901234567"}"#,
            &format!("{base}/Unary"),
        ])
        .and_then(|body| {
            let j = json(&body)?;
            expect(
                j["message"] == "curl"
                    && j["labels"]["k"] == "v"
                    && j["big"] == "12345678901234567"
                    && j["protocol"] == format!("connect/{h}"),
                format!("answer {body}"),
            )
        });
        case("connect-post", r);

        // Connect unary, JSON, GET (the side-effect-free method).
        let r = curl(&[&format!(
            "{base}/Unary?connect=v1&encoding=json&message=%7B%22message%22%3A%22by%20get%22%7D"
        )])
        .and_then(|body| {
            let j = json(&body)?;
            expect(
                j["message"] == "by get" && j["protocol"] == format!("connect-get/{h}"),
                format!("answer {body}"),
            )
        });
        case("connect-get", r);

        // A Connect error: its HTTP status, code, message and details.
        let r = curl(&[
            "-w",
            "\n%{http_code}",
            "-H",
            "content-type: application/json",
            "--data",
            r#"{"message":"boom","failCode":5}"#,
            &format!("{base}/Unary"),
        ])
        .and_then(|out| {
            let (body, status) = out.rsplit_once('\n').ok_or("no status")?;
            let j = json(body)?;
            expect(
                status == "404"
                    && j["code"] == "not_found"
                    && j["message"] == "failed as asked: boom"
                    && j["details"][0]["type"] == "courier.webtest.v1.EchoRequest",
                format!("answer {status} {body}"),
            )
        });
        case("connect-error", r);

        // gRPC-Web, binary: the message frame, then the trailer frame.
        let mut framed = vec![0u8, 0, 0, 0, 0];
        let msg = echo_request("curl-web");
        framed[4] = msg.len() as u8;
        framed.extend_from_slice(&msg);
        let req = tmp.join(format!("grpc-web-{h}.bin"));
        let resp = tmp.join(format!("grpc-web-{h}.out"));
        std::fs::write(&req, &framed).map_err(|e| e.to_string())?;
        let r = curl(&[
            "-H",
            "content-type: application/grpc-web+proto",
            "-H",
            "x-grpc-web: 1",
            "--data-binary",
            &format!("@{}", req.display()),
            "-o",
            &resp.display().to_string(),
            &format!("{base}/Unary"),
        ])
        .and_then(|_| {
            let body = std::fs::read(&resp).map_err(|e| e.to_string())?;
            let f = frames(&body).ok_or("malformed frames")?;
            let fields = f.first().map(|(_, d)| string_fields(d)).unwrap_or_default();
            let trailer = f
                .get(1)
                .map(|(_, d)| String::from_utf8_lossy(d).into_owned());
            expect(
                f.len() == 2
                    && f[0].0 == 0
                    && fields.contains(&(1, "curl-web".into()))
                    && fields.contains(&(9, format!("grpc-web/{h}")))
                    && f[1].0 == 0x80
                    && trailer
                        .as_deref()
                        .is_some_and(|t| t.contains("grpc-status: 0")),
                format!("frames {f:?}"),
            )
        });
        case("grpc-web", r);

        // gRPC-Web, text: base64 both ways.
        let r = curl(&[
            "-H",
            "content-type: application/grpc-web-text",
            "-H",
            "accept: application/grpc-web-text",
            "--data",
            &base64(&framed),
            &format!("{base}/Unary"),
        ])
        .and_then(|body| {
            let raw = unbase64(&body).ok_or_else(|| format!("not base64: {body:?}"))?;
            let f = frames(&raw).ok_or("malformed frames")?;
            let fields = f.first().map(|(_, d)| string_fields(d)).unwrap_or_default();
            expect(
                f.len() == 2
                    && fields.contains(&(9, format!("grpc-web-text/{h}")))
                    && f[1].0 == 0x80,
                format!("frames {f:?}"),
            )
        });
        case("grpc-web-text", r);

        // A CORS preflight to the port that lets the page's origin in.
        let r = curl(&[
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-X",
            "OPTIONS",
            "-H",
            &format!("origin: http://127.0.0.1:{port}"),
            "-H",
            "access-control-request-method: POST",
            "-H",
            "access-control-request-headers: content-type, connect-protocol-version",
            &format!("http://127.0.0.1:{cors_port}/courier.webtest.v1.WebTest/Unary"),
        ])
        .and_then(|head| {
            let h = head.to_ascii_lowercase();
            expect(
                h.contains(" 204")
                    && h.contains(&format!(
                        "access-control-allow-origin: http://127.0.0.1:{port}"
                    ))
                    && h.contains("access-control-allow-headers:"),
                format!("answer {head:?}"),
            )
        });
        case("preflight", r);
    }
    Ok(v)
}

/// Headless Chromium loads the page and its results come back with `--dump-dom`.
fn browser(web: &Path, port: u16, cors_port: u16, plain_port: u16) -> util::Result<Vec<Outcome>> {
    let profile: PathBuf = util::target_dir().join("web-chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let url = format!(
        "http://127.0.0.1:{port}/?cors=http://127.0.0.1:{cors_port}&plain=http://127.0.0.1:{plain_port}"
    );
    // The flags this machine needs (no sandbox as root, no GPU, no background connections to
    // the outside, which the closed network refuses). The page keeps a request pending until
    // its checks are done, and virtual time (which the budget counts) does not advance while
    // a fetch is pending: the DOM is dumped once the results are in.
    let dom = run_limited(
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--virtual-time-budget=60000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(&url),
        CLIENT_TIMEOUT,
        "chromium --dump-dom",
    );
    let _ = std::fs::remove_dir_all(&profile);
    let dom = dom?;
    if !dom.contains("<p id=\"status\">done</p>") {
        return Err(format!("the page did not finish its checks:\n{dom}"));
    }
    let mut v = Vec::new();
    for li in dom.split("<li ").skip(1) {
        let attr = |name: &str| -> Option<String> {
            let start = li.find(&format!("{name}=\""))? + name.len() + 2;
            let end = li[start..].find('"')? + start;
            Some(li[start..end].to_owned())
        };
        let (Some(client), Some(case), Some(result)) =
            (attr("data-client"), attr("data-case"), attr("data-result"))
        else {
            continue;
        };
        let text = li
            .split_once('>')
            .and_then(|(_, rest)| rest.split_once("</li>"))
            .map_or("", |(t, _)| t);
        v.push(Outcome {
            client: format!("chromium:{client}"),
            case,
            result: match result.as_str() {
                "pass" => Result_::Pass,
                "n/a" => Result_::NotApplicable,
                _ => Result_::Fail,
            },
            detail: text.to_owned(),
        });
    }
    if v.is_empty() {
        return Err(format!("the page reported nothing:\n{dom}"));
    }
    let _ = web;
    Ok(v)
}

/// Prints every client's results and the total; fails if any case failed.
fn summarize(outcomes: &[Outcome]) -> util::Result {
    let mut clients: Vec<&str> = Vec::new();
    let mut cases: Vec<&str> = Vec::new();
    for o in outcomes {
        if !clients.contains(&o.client.as_str()) {
            clients.push(&o.client);
        }
        if !cases.contains(&o.case.as_str()) {
            cases.push(&o.case);
        }
    }
    eprintln!();
    for c in &clients {
        let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.client == *c).collect();
        let count = |r| mine.iter().filter(|o| o.result == r).count();
        let na: Vec<&str> = mine
            .iter()
            .filter(|o| o.result == Result_::NotApplicable)
            .map(|o| o.case.as_str())
            .collect();
        eprintln!(
            "    {c:<38} {:>2} passed, {} failed{}",
            count(Result_::Pass),
            count(Result_::Fail),
            if na.is_empty() {
                String::new()
            } else {
                format!(", n/a: {}", na.join(" "))
            }
        );
    }
    let failed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.result == Result_::Fail)
        .collect();
    for f in &failed {
        eprintln!("    FAILED {} {}: {}", f.client, f.case, f.detail);
    }
    let passed = outcomes
        .iter()
        .filter(|o| o.result == Result_::Pass)
        .count();
    let na = outcomes
        .iter()
        .filter(|o| o.result == Result_::NotApplicable)
        .count();
    println!(
        "web: {} clients × {} cases, {} failed ({passed} passed, {na} not applicable)",
        clients.len(),
        cases.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("{} web checks failed", failed.len()))
    }
}
