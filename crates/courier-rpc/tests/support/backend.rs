//! A load-balancing test backend: the echo service answering with its own name (so a client
//! can count where its calls went), counting calls and connections, with
//! `grpc.health.v1.Health`, an optional delay, scripted failures, and a hard kill. Shared by
//! tests/lb.rs and examples/lb_backend.rs (which declare `mod echo` at their root).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier_rpc::health::HealthReporter;
use courier_rpc::{BoxStream, Code, Metadata, Request, Response, Server, Status, Streaming, iter};
use tokio::task::JoinHandle;

use crate::echo::echo_rpc::{Echo, EchoServer};
use crate::echo::{EchoRequest, EchoResponse};

/// The echo service of one backend.
pub struct BackendSvc {
    name: String,
    hits: Arc<AtomicUsize>,
    delay: Duration,
}

/// gRFC A6's `grpc-previous-rpc-attempts` of a request (0 when absent).
pub fn previous_attempts(md: &Metadata) -> u32 {
    md.get("grpc-previous-rpc-attempts")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Scripted failure: `fail_code` while fewer than `count` attempts came before this one; a
/// message `pushback:N` adds `grpc-retry-pushback-ms: N` to the failure's trailers.
fn scripted(req: &EchoRequest, previous: u32) -> Result<(), Status> {
    if req.fail_code != 0 && previous < req.count {
        let mut status = Status::new(Code(req.fail_code), format!("scripted failure {previous}"));
        if let Some(ms) = req.message.strip_prefix("pushback:") {
            let mut md = Metadata::new();
            md.insert("grpc-retry-pushback-ms", ms.to_owned()).unwrap();
            status = status.with_metadata(md);
        }
        return Err(status);
    }
    Ok(())
}

impl Echo for BackendSvc {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let previous = previous_attempts(request.metadata());
        let req = request.into_inner();
        let delay = self.delay + Duration::from_millis(req.delay_ms.into());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        scripted(&req, previous)?;
        Ok(Response::new(EchoResponse {
            message: format!("{} attempts={previous}", self.name),
            ..Default::default()
        }))
    }

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let name = self.name.clone();
        let n = request.get_ref().count;
        let items: Vec<Result<EchoResponse, Status>> = (0..n)
            .map(|i| {
                Ok(EchoResponse {
                    message: format!("{name} {i}"),
                    ..Default::default()
                })
            })
            .collect();
        Ok(Response::new(Box::pin(iter(items)) as BoxStream<_>))
    }

    async fn client_stream(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let previous = previous_attempts(request.metadata());
        let mut s = request.into_inner();
        let mut all = String::new();
        let mut first: Option<EchoRequest> = None;
        while let Some(m) = s.message().await? {
            all.push_str(&m.message);
            first.get_or_insert(m);
        }
        if let Some(f) = &first {
            scripted(f, previous)?;
        }
        Ok(Response::new(EchoResponse {
            message: format!("{}:{all}", self.name),
            ..Default::default()
        }))
    }

    async fn bidi(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let mut s = request.into_inner();
        let mut out = Vec::new();
        while let Some(m) = s.message().await? {
            out.push(Ok(EchoResponse {
                message: m.message,
                ..Default::default()
            }));
        }
        Ok(Response::new(Box::pin(iter(out)) as BoxStream<_>))
    }
}

/// A running backend.
pub struct Backend {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its name (the echo answers start with it).
    pub name: String,
    /// Calls received.
    pub hits: Arc<AtomicUsize>,
    /// Connections accepted.
    pub conns: Arc<AtomicUsize>,
    /// Its health service's statuses.
    pub health: HealthReporter,
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// A second handle on each open connection's socket (by connection number), to cut it at
    /// once in [`Backend::kill`]; dropped as the connection ends, so that it never keeps a
    /// closed connection open.
    sockets: Arc<Mutex<HashMap<usize, std::net::TcpStream>>>,
}

/// The server of a backend named `name` that delays every answer by `delay`.
pub fn server(
    name: &str,
    delay: Duration,
    builder: courier_rpc::ServerBuilder,
) -> (Server, Arc<AtomicUsize>, HealthReporter) {
    let hits = Arc::new(AtomicUsize::new(0));
    let health = HealthReporter::new();
    let server = builder
        .add_service(EchoServer::new(BackendSvc {
            name: name.to_owned(),
            hits: Arc::clone(&hits),
            delay,
        }))
        .add_service(health.service())
        .build();
    (server, hits, health)
}

impl Backend {
    /// Starts a backend on a loopback port.
    pub async fn start(name: &str, delay: Duration) -> Backend {
        Backend::start_with(name, delay, Server::builder()).await
    }

    /// Starts a backend whose server is built from `builder`.
    pub async fn start_with(
        name: &str,
        delay: Duration,
        builder: courier_rpc::ServerBuilder,
    ) -> Backend {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (server, hits, health) = server(name, delay, builder);
        let server = Arc::new(server);
        let conns = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let sockets = Arc::new(Mutex::new(HashMap::new()));
        let accept = {
            let conns = Arc::clone(&conns);
            let connections = Arc::clone(&connections);
            let sockets = Arc::clone(&sockets);
            tokio::spawn(async move {
                while let Ok((sock, peer)) = listener.accept().await {
                    let _ = sock.set_nodelay(true);
                    let id = conns.fetch_add(1, Ordering::SeqCst);
                    if let Ok(fd) = std::os::fd::AsFd::as_fd(&sock).try_clone_to_owned() {
                        let dup = std::net::TcpStream::from(fd);
                        sockets.lock().unwrap().insert(id, dup);
                    }
                    let sockets = Arc::clone(&sockets);
                    let server = Arc::clone(&server);
                    let task = tokio::spawn(async move {
                        server.serve_connection(sock, Some(peer)).await;
                        sockets.lock().unwrap().remove(&id);
                    });
                    connections.lock().unwrap().push(task);
                }
            })
        };
        Backend {
            addr,
            name: name.to_owned(),
            hits,
            conns,
            health,
            accept,
            connections,
            sockets,
        }
    }

    /// Kills the backend: stops listening and drops every connection at once (no GOAWAY).
    ///
    /// The sockets are shut down here and now, as a crashed process's are: aborting the tasks
    /// alone takes effect only when each is next scheduled, and until then (long, on a loaded
    /// machine) a "dead" backend would go on reading and answering calls.
    pub fn kill(&self) {
        self.accept.abort();
        for (_, s) in self.sockets.lock().unwrap().drain() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        for t in self.connections.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    /// Calls received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.kill();
    }
}
