//! The `courier` tool end to end against the official implementations' servers with their
//! reflection services: grpcio (Python, grpcio-reflection: v1alpha only, so the tool falls
//! back) and grpc-js (@grpc/reflection: v1), both serving grpc.testing.TestService
//! (tests/peers/cli_server.{py,js}). For each: list, describe, the four kinds of call,
//! metadata both ways, a deadline, a status, TLS and mTLS, and a Unix socket.
//!
//! The peers are installed by `cargo xtask peers`; without them the tests skip (and fail
//! when `COURIER_REQUIRE_PEERS=1`, as CI runs them).

mod support;

use std::path::Path;
use std::process::Command;

use courier::Code;
use support::*;

const SVC: &str = "grpc.testing.TestService";

fn m(name: &str) -> String {
    format!("{SVC}/{name}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    Python,
    Node,
}

/// Starts the peer's server with `flags`; `None` (skipped) when the peer is not installed.
fn start(peer: Peer, flags: &[String]) -> Option<PeerServer> {
    let peers = root().join("tests/peers");
    let mut cmd = match peer {
        Peer::Python => {
            let Some(py) = python() else {
                missing("Python with grpcio-reflection (.peers/venv)");
                return None;
            };
            let mut c = Command::new(py);
            c.arg(peers.join("cli_server.py")).current_dir(&peers);
            c
        }
        Peer::Node => {
            let Some(modules) = node_modules() else {
                missing("node with @grpc/reflection (.peers/node)");
                return None;
            };
            let mut c = Command::new("node");
            c.arg(peers.join("node/cli_server.js"))
                .env("NODE_PATH", modules);
            c
        }
    };
    cmd.args(flags);
    if !flags.iter().any(|f| f.starts_with("--unix")) {
        cmd.arg("--port=0");
    }
    Some(spawn_peer(cmd))
}

/// list, describe and the four kinds of call, metadata, a deadline and a status.
fn calls(peer: Peer) {
    let Some(s) = start(peer, &[]) else { return };
    let a = s.address.as_str();

    let r = courier(&["list", a]).expect(0);
    assert!(r.stdout.lines().any(|l| l == SVC), "{}", r.stdout);
    let r = courier(&["list", a, SVC]).expect(0);
    assert!(r.stdout.contains("grpc.testing.TestService/FullDuplexCall(stream grpc.testing.StreamingOutputCallRequest) returns (stream grpc.testing.StreamingOutputCallResponse)\n"), "{}", r.stdout);
    let r = courier(&["describe", a, "grpc.testing.SimpleResponse"]).expect(0);
    assert!(
        r.stdout
            .contains("message SimpleResponse {\n  grpc.testing.Payload payload = 1;\n"),
        "{}",
        r.stdout
    );
    let r = courier(&["describe", a, "grpc.testing.TestService.StreamingInputCall"]).expect(0);
    assert!(r.stdout.contains("rpc StreamingInputCall(stream grpc.testing.StreamingInputCallRequest) returns (grpc.testing.StreamingInputCallResponse);"), "{}", r.stdout);

    // Unary, with metadata both ways.
    let r = courier(&[
        "call",
        a,
        &m("UnaryCall"),
        "-v",
        "-d",
        r#"{"responseSize": 5}"#,
        "-H",
        "x-grpc-test-echo-initial: from courier",
        "-H",
        "x-grpc-test-echo-trailing-bin: q83v",
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AAAAAAA=");
    assert!(
        r.stderr
            .contains("<   x-grpc-test-echo-initial: from courier"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("<   x-grpc-test-echo-trailing-bin: q83v"),
        "{}",
        r.stderr
    );
    let version = if peer == Peer::Python {
        "v1alpha"
    } else {
        "v1"
    };
    assert!(
        r.stderr
            .contains(&format!("described by server reflection {version}")),
        "{}",
        r.stderr
    );

    // Server streaming.
    let r = courier(&[
        "call",
        a,
        &m("StreamingOutputCall"),
        "--compact",
        "-d",
        r#"{"responseParameters": [{"size": 1}, {"size": 2}]}"#,
    ])
    .expect(0);
    assert_eq!(
        r.stdout,
        "{\"payload\":{\"body\":\"AA==\"}}\n{\"payload\":{\"body\":\"AAA=\"}}\n"
    );

    // Client streaming from standard input.
    let r = courier_in(
        &["call", a, &m("StreamingInputCall"), "-d", "@-"],
        "{\"payload\": {\"body\": \"AAAA\"}}\n{\"payload\": {\"body\": \"AAAAAA==\"}}\n",
    )
    .expect(0);
    assert_eq!(r.json()[0]["aggregatedPayloadSize"], 7);

    // Bidi.
    let r = courier_in(
        &["call", a, &m("FullDuplexCall"), "-d", "@-", "--compact"],
        "{\"responseParameters\": [{\"size\": 1}]} {\"responseParameters\": [{\"size\": 2}]}",
    )
    .expect(0);
    assert_eq!(
        r.stdout,
        "{\"payload\":{\"body\":\"AA==\"}}\n{\"payload\":{\"body\":\"AAA=\"}}\n"
    );

    // A deadline.
    let r = courier(&[
        "call",
        a,
        &m("StreamingOutputCall"),
        "--deadline",
        "300ms",
        "-d",
        r#"{"responseParameters": [{"size": 1, "intervalUs": 3000000}]}"#,
    ])
    .expect(exit_of(Code::DEADLINE_EXCEEDED));
    assert!(r.stderr.contains("DEADLINE_EXCEEDED"), "{}", r.stderr);

    // A status the server was asked for.
    let r = courier(&[
        "call",
        a,
        &m("UnaryCall"),
        "-d",
        r#"{"responseStatus": {"code": 7, "message": "not you"}}"#,
    ])
    .expect(exit_of(Code::PERMISSION_DENIED));
    assert!(
        r.stderr.contains("PERMISSION_DENIED (7): not you"),
        "{}",
        r.stderr
    );

    // An unknown method lists the service's methods.
    let r = courier(&["call", a, &m("Nope")]).expect(1);
    assert!(r.stderr.contains("its methods are:"), "{}", r.stderr);
}

/// TLS (the server verified against the CA, by name) and mTLS.
fn tls(peer: Peer) {
    let certs = write_certs();
    let path = |f: &str| certs.join(f).to_str().unwrap().to_owned();
    let Some(s) = start(peer, &peer_tls_flags(&certs, false)) else {
        return;
    };
    let port = s.address.rsplit(':').next().unwrap().to_owned();
    let addr = format!("localhost:{port}");
    let r = courier(&[
        "call",
        "--cacert",
        &path("ca.pem"),
        &addr,
        &m("UnaryCall"),
        "-d",
        r#"{"responseSize": 1}"#,
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AA==");
    courier(&["list", "--cacert", &path("ca.pem"), &addr]).expect(0);
    let r = courier(&["call", &addr, &m("EmptyCall")]).expect(exit_of(Code::UNAVAILABLE));
    assert!(r.stderr.contains("--tls"), "{}", r.stderr);
    drop(s);

    let Some(s) = start(peer, &peer_tls_flags(&certs, true)) else {
        return;
    };
    let port = s.address.rsplit(':').next().unwrap().to_owned();
    let addr = format!("localhost:{port}");
    let (ca, cert, key) = (path("ca.pem"), path("client.pem"), path("client.key"));
    courier(&[
        "call",
        "--cacert",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
        &addr,
        &m("EmptyCall"),
    ])
    .expect(0);
    courier_in(
        &[
            "call",
            "--cacert",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            &addr,
            &m("FullDuplexCall"),
            "-d",
            "@-",
        ],
        "{\"responseParameters\": [{\"size\": 1}]}",
    )
    .expect(0);
    // Without a client certificate the server refuses the connection.
    let r = courier(&["call", "--cacert", &ca, &addr, &m("EmptyCall")]);
    assert_ne!(r.code, 0, "{}", r.stderr);
}

fn unix(peer: Peer) {
    let dir = temp_dir(&format!("peer-unix-{peer:?}"));
    let sock = dir.join("s.sock");
    let Some(s) = start(peer, &[format!("--unix={}", sock.display())]) else {
        return;
    };
    assert!(Path::new(&sock).exists());
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"responseSize": 2}"#,
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AAA=");
}

#[test]
fn grpcio_calls() {
    calls(Peer::Python);
}

#[test]
fn grpcio_tls_and_mtls() {
    tls(Peer::Python);
}

#[test]
fn grpcio_unix_socket() {
    unix(Peer::Python);
}

#[test]
fn grpc_js_calls() {
    calls(Peer::Node);
}

#[test]
fn grpc_js_tls_and_mtls() {
    tls(Peer::Node);
}

#[test]
fn grpc_js_unix_socket() {
    unix(Peer::Node);
}
