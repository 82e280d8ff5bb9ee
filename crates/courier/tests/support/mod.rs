//! What the `courier` tool's end-to-end tests share: real servers to call — Courier's own
//! (grpc.testing.TestService of the interop binaries, with reflection v1 and v1alpha, plain,
//! TLS, mTLS or on a Unix socket), grpcio's and grpc-js's (tests/peers/cli_server.{py,js}) —
//! and a runner of the built `courier` binary.

#![allow(dead_code)] // Each test file uses a part.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use courier::rpc::reflection::Reflection;
use courier::rpc::{BoxFuture, ByteStream, MethodDescriptor, Request, Response, Service, Status};
use courier::tls::dev::DevPki;
use courier::tls::{ServerTls, TlsAcceptor};
use courier::{Code, Server};
use courier_interop::pb::grpc::testing::test_service_rpc::TestServiceServer;
use courier_interop::server::TestServer;
use courier_reflect::{DescriptorPool, DynamicMessage};

/// The repository root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh temporary directory for one test.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("courier-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The grpc.testing protos compiled (with imports), as reflection registers them.
pub(crate) fn testing_descriptor_set() -> Vec<u8> {
    let mut c = courier_idl::Compiler::new();
    c.include(root().join("proto"));
    let compiled = c.compile(&["grpc/testing/test.proto"]).unwrap();
    courier_wire::Message::encode_to_vec(&compiled.file_descriptor_set(true))
}

/// How a Courier test server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    Plain,
    Tls,
    Mtls,
}

/// A Courier server running on a thread of its own; stops when dropped.
pub(crate) struct CourierServer {
    /// `127.0.0.1:PORT`, or `unix:PATH`.
    pub(crate) address: String,
    /// The CA (`--cacert`), client certificate and key (`--cert`, `--key`) for TLS runs.
    pub(crate) certs: Option<PathBuf>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for CourierServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the test server adds to the interop service: with `x-sleep-ms: N` a call waits N ms
/// before it is handled (deadlines, and a server whose speed is known for the bench
/// check); with `x-with-details: 1` a failed call's status carries google.rpc details.
struct Extras<S> {
    inner: S,
}

/// google.rpc.ErrorInfo and BadRequest, as `Any`s.
fn details() -> Vec<courier_types::Any> {
    let mut c = courier_idl::Compiler::new();
    c.include(root().join("proto"));
    let set = c
        .compile(&["google/rpc/error_details.proto"])
        .unwrap()
        .file_descriptor_set(true);
    let pool = DescriptorPool::from_file_descriptor_set(set).unwrap();
    let any = |name: &str, json: &str| {
        let m = DynamicMessage::from_json(pool.get_message_by_name(name).unwrap(), json).unwrap();
        courier_types::Any {
            type_url: format!("type.googleapis.com/{name}"),
            value: m.encode_to_bytes(),
            ..Default::default()
        }
    };
    vec![
        any(
            "google.rpc.ErrorInfo",
            r#"{"reason": "OUT_OF_STOCK", "domain": "courier.test", "metadata": {"item": "boot"}}"#,
        ),
        any(
            "google.rpc.BadRequest",
            r#"{"fieldViolations": [{"field": "size", "description": "no size 50"}]}"#,
        ),
    ]
}

impl<S: Service> Service for Extras<S> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        self.inner.methods()
    }

    fn call(
        &self,
        method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        let md = request.metadata();
        let sleep = md
            .get("x-sleep-ms")
            .and_then(|v| std::str::from_utf8(v).ok()?.parse::<u64>().ok());
        let with_details = md.get("x-with-details").is_some();
        let call = self.inner.call(method, request)?;
        Some(Box::pin(async move {
            if let Some(ms) = sleep {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            let r = call.await;
            match r {
                Err(s) if with_details => {
                    let (code, msg) = (s.code(), s.message().to_owned());
                    Err(Status::new(code, msg)
                        .with_metadata(s.into_metadata())
                        .with_rpc_details(details()))
                }
                other => other,
            }
        }))
    }
}

/// Starts a Courier TestService server with reflection (v1 and v1alpha).
pub(crate) fn courier_server(security: Security) -> CourierServer {
    courier_server_with(security, false, true)
}

/// Starts a Courier TestService server: over `security`, on a Unix socket if `unix`, with
/// or without reflection.
pub(crate) fn courier_server_with(
    security: Security,
    unix: bool,
    reflection: bool,
) -> CourierServer {
    let certs = (security != Security::Plain).then(|| {
        let dir = temp_dir(&format!("certs-{}", rand_suffix()));
        let pki = DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
        std::fs::write(dir.join("ca.pem"), pki.ca_cert_pem()).unwrap();
        std::fs::write(dir.join("client.pem"), pki.client_cert_pem()).unwrap();
        std::fs::write(dir.join("client.key"), pki.client_key_pem()).unwrap();
        std::fs::write(dir.join("server.pem"), pki.server_cert_pem()).unwrap();
        std::fs::write(dir.join("server.key"), pki.server_key_pem()).unwrap();
        (dir, pki)
    });
    let mut b = Server::builder().add_service(Extras {
        inner: TestServiceServer::new(TestServer),
    });
    if reflection {
        let r = Reflection::builder()
            .register_file_descriptor_set(&testing_descriptor_set())
            .unwrap()
            .build();
        b = b.add_service(r.v1()).add_service(r.v1alpha());
    }
    if let Some((_, pki)) = &certs {
        let mut tls = ServerTls::builder().identity(pki.server_identity());
        if security == Security::Mtls {
            tls = tls.client_ca(pki.roots());
        }
        b = b.acceptor(TlsAcceptor::new(tls.build().unwrap()));
    }
    let server = b.build();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<String>();
    let socket = unix.then(|| temp_dir(&format!("sock-{}", rand_suffix())).join("s.sock"));
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            match socket {
                Some(path) => {
                    let listener = tokio::net::UnixListener::bind(&path).unwrap();
                    addr_tx.send(format!("unix:{}", path.display())).unwrap();
                    let server = Arc::new(server);
                    let accept = async {
                        loop {
                            let (io, _) = listener.accept().await.unwrap();
                            let s = Arc::clone(&server);
                            tokio::spawn(async move { s.serve_connection(io, None).await });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stop_rx => {}
                    }
                }
                None => {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    addr_tx
                        .send(listener.local_addr().unwrap().to_string())
                        .unwrap();
                    let _ = server
                        .serve_with_shutdown(listener, async {
                            let _ = stop_rx.await;
                        })
                        .await;
                }
            }
        });
    });
    let address = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    CourierServer {
        address,
        certs: certs.map(|(d, _)| d),
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// What a run of the tool did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Panics with the run's output unless it exited with `code`.
    #[track_caller]
    pub(crate) fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The stdout's JSON objects (one per response).
    pub(crate) fn json(&self) -> Vec<serde_json::Value> {
        parse_all(&self.stdout)
    }
}

/// The built tool.
pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_courier")
}

/// Runs `courier ARGS`, with `stdin` as its standard input.
pub(crate) fn courier_in(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(bin())
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut i = child.stdin.take().unwrap();
        let _ = i.write_all(stdin.as_bytes());
    }
    finish(child, args)
}

/// Runs `courier ARGS` with an empty standard input.
pub(crate) fn courier(args: &[&str]) -> Run {
    courier_in(args, "")
}

fn finish(child: Child, args: &[&str]) -> Run {
    // Every run ends within a minute; a hang is a failure, not a stuck test.
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(o) => o.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("courier {args:?} did not finish within 60 s");
        }
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A peer server process (grpcio or grpc-js), killed when dropped.
pub(crate) struct PeerServer {
    pub(crate) address: String,
    child: Child,
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether peers must be there (`COURIER_REQUIRE_PEERS=1`, as `cargo xtask ci` runs).
pub(crate) fn peers_required() -> bool {
    std::env::var_os("COURIER_REQUIRE_PEERS").is_some_and(|v| v == "1")
}

/// The peers' Python: `COURIER_PYTHON`, else `.peers/venv/bin/python`, when it has
/// grpcio-reflection.
pub(crate) fn python() -> Option<PathBuf> {
    let p = std::env::var_os("COURIER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".peers/venv/bin/python"));
    let ok = Command::new(&p)
        .args(["-c", "import grpc, grpc_reflection.v1alpha.reflection"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(p)
}

/// The peers' `node_modules` when node and @grpc/reflection are there.
pub(crate) fn node_modules() -> Option<PathBuf> {
    let m = root().join(".peers/node/node_modules");
    let ok = m.join("@grpc/reflection").is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    ok.then_some(m)
}

/// Skips (or, with peers required, fails) when a peer is missing.
pub(crate) fn missing(what: &str) {
    assert!(
        !peers_required(),
        "COURIER_REQUIRE_PEERS=1 but {what} is missing; run `cargo xtask peers`"
    );
    eprintln!("skipped: {what} is missing (run `cargo xtask peers`)");
}

/// Starts a peer server with `cmd` and waits for its `listening ADDR` line.
pub(crate) fn spawn_peer(mut cmd: Command) -> PeerServer {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(l)) = lines.next() {
            let _ = tx.send(l);
        }
        // Keep reading so the peer never blocks on a full pipe.
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the peer server did not start within 60 s");
    let address = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let address = if address.starts_with("unix:") {
        address
    } else {
        format!("127.0.0.1:{address}")
    };
    PeerServer { address, child }
}

/// TLS flags of the peers' servers for `certs` (a directory of `courier certs` files).
pub(crate) fn peer_tls_flags(certs: &Path, mtls: bool) -> Vec<String> {
    let mut v = vec![
        "--use_tls=true".to_owned(),
        format!("--cert_file={}", certs.join("server.pem").display()),
        format!("--key_file={}", certs.join("server.key").display()),
    ];
    if mtls {
        v.push(format!(
            "--client_ca_file={}",
            certs.join("ca.pem").display()
        ));
    }
    v
}

/// Writes a CA, server and client certificates into a fresh directory.
pub(crate) fn write_certs() -> PathBuf {
    let dir = temp_dir(&format!("peer-certs-{}", rand_suffix()));
    let pki = DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
    for (name, text) in [
        ("ca.pem", pki.ca_cert_pem()),
        ("client.pem", pki.client_cert_pem().to_owned()),
        ("client.key", pki.client_key_pem().to_owned()),
        ("server.pem", pki.server_cert_pem().to_owned()),
        ("server.key", pki.server_key_pem().to_owned()),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

/// The exit code of a call that ended with `code`.
pub(crate) fn exit_of(code: Code) -> i32 {
    if code == Code::OK { 0 } else { 64 + code.0 }
}

/// Every JSON value in `text`, one after another (read with serde_json, so that what the
/// tests check does not go through courier-reflect, which printed it).
pub(crate) fn parse_all(text: &str) -> Vec<serde_json::Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .map(|v| v.unwrap_or_else(|e| panic!("not JSON: {e}\n{text}")))
        .collect()
}
