//! The soak's service, `courier.soak.Soak`: one method per call kind and attempt policy (the
//! service config gives each its policy), written against courier-rpc's [`Service`] trait on
//! raw bytes. Every execution is recorded in the [`Ledger`] under the call id the client put
//! in metadata, with the proxy connection it came over.

use bytes::Bytes;
use courier_rpc::{
    BoxFuture, ByteStream, Code, MethodDescriptor, MethodKind, Request, Response, Service, Status,
    unfold,
};
use std::sync::Arc;

use crate::ledger::{ExecEnd, ExecGuard, Ledger};
use crate::log::FaultLog;
use crate::message;
use crate::schedule::{CallSpec, Kind, MAX_TIMEOUT, Policy, call_spec};

/// The service's name.
pub const SERVICE: &str = "courier.soak.Soak";

/// Metadata key of the call id.
pub const CALL_ID: &str = "soak-call-id";

/// What a scripted failure's message says (the checks tell scripted failures by it).
pub const SCRIPTED: &str = "scripted failure";

macro_rules! methods {
    ($($name:literal => $kind:expr),* $(,)?) => {
        /// Every method: `{Unary,ServerStream,ClientStream,Bidi}{,Retry,Hedge}`.
        pub static METHODS: &[MethodDescriptor] = &[$(MethodDescriptor {
            path: concat!("/courier.soak.Soak/", $name),
            service: SERVICE,
            method: $name,
            kind: $kind,
        }),*];
    };
}

methods! {
    "Unary" => MethodKind::Unary,
    "UnaryRetry" => MethodKind::Unary,
    "UnaryHedge" => MethodKind::Unary,
    "ServerStream" => MethodKind::ServerStreaming,
    "ServerStreamRetry" => MethodKind::ServerStreaming,
    "ServerStreamHedge" => MethodKind::ServerStreaming,
    "ClientStream" => MethodKind::ClientStreaming,
    "ClientStreamRetry" => MethodKind::ClientStreaming,
    "ClientStreamHedge" => MethodKind::ClientStreaming,
    "Bidi" => MethodKind::BidiStreaming,
    "BidiRetry" => MethodKind::BidiStreaming,
    "BidiHedge" => MethodKind::BidiStreaming,
}

/// The method of a call kind and policy.
pub fn method(kind: Kind, policy: Policy) -> &'static MethodDescriptor {
    let k = match kind {
        Kind::Unary => 0,
        Kind::ServerStream => 1,
        Kind::ClientStream => 2,
        Kind::Bidi => 3,
    };
    let p = match policy {
        Policy::None => 0,
        Policy::Retry => 1,
        Policy::Hedge => 2,
    };
    &METHODS[k * 3 + p]
}

/// The method names of one policy, for the service config.
pub fn names(policy: Policy) -> Vec<&'static str> {
    [
        Kind::Unary,
        Kind::ServerStream,
        Kind::ClientStream,
        Kind::Bidi,
    ]
    .into_iter()
    .map(|k| method(k, policy).method)
    .collect()
}

/// Deliberate bugs on the server side, for the tests that show the checks catch them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerSabotage {
    /// None.
    #[default]
    None,
    /// Every 50th call's handler sleeps far past its deadline, ignoring cancellation.
    Hang,
    /// Every 100th call's handler leaks a task and 64 KiB.
    Leak,
    /// Every 200th call's handler panics.
    Panic,
}

/// The service of one backend.
#[derive(Clone)]
pub struct Soak {
    /// The run's seed (a call's spec follows from it and the call id).
    pub seed: u64,
    /// Channels in the run (part of a call's spec).
    pub channels: usize,
    /// Which backend this is.
    pub backend: usize,
    /// Where executions are recorded.
    pub ledger: Arc<Ledger>,
    /// Where the proxy's connections are registered.
    pub log: Arc<FaultLog>,
    /// Deliberate bugs.
    pub sabotage: ServerSabotage,
}

impl std::fmt::Debug for Soak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Soak")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The next message of a request stream (`Ok(None)` at its end).
async fn next(stream: &mut ByteStream) -> Result<Option<Bytes>, Status> {
    match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        None => Ok(None),
        Some(Ok(b)) => Ok(Some(b)),
        Some(Err(s)) if s.code() == Code::OK => Ok(None),
        Some(Err(s)) => Err(s),
    }
}

fn corrupt(guard: &mut ExecGuard, what: &str, why: message::Invalid) -> Status {
    guard.finish(ExecEnd::Corrupt);
    Status::new(Code::DATA_LOSS, format!("{what}: {why:?}"))
}

/// The state of a response stream: the guard completes when the last message goes out.
struct Out {
    guard: ExecGuard,
    spec: CallSpec,
    next: u32,
    requests: Option<ByteStream>,
}

impl Soak {
    fn sabotage(&self, spec: &CallSpec) -> Result<(), Status> {
        match self.sabotage {
            ServerSabotage::Panic if spec.index % 200 == 5 => {
                panic!("sabotage: handler of call {} panics", spec.index)
            }
            ServerSabotage::Leak if spec.index % 100 == 3 => {
                tokio::spawn(std::future::pending::<()>());
                std::mem::forget(vec![1u8; 64 << 10]);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn handle(
        self,
        kind: Kind,
        request: Request<ByteStream>,
    ) -> Result<Response<ByteStream>, Status> {
        let peer = request.context().and_then(|c| c.peer_addr());
        let conn = peer.and_then(|a| self.log.conn_of(a));
        let md = request.metadata();
        let id: Option<u64> = md
            .get(CALL_ID)
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|s| s.parse().ok());
        let attempt: u32 = md
            .get("grpc-previous-rpc-attempts")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let Some(mut guard) = self
            .ledger
            .exec_start(id, attempt, conn, self.backend, &self.log)
        else {
            return Err(Status::new(Code::DATA_LOSS, "unknown call id"));
        };
        let index = id.expect("known");
        let spec = call_spec(self.seed, index, self.channels);
        self.sabotage(&spec)?;
        if self.sabotage == ServerSabotage::Hang && spec.index % 50 == 7 {
            // Ignores its deadline and cancellation: holds the guard past the limit.
            tokio::task::spawn(async move {
                let _guard = guard;
                tokio::time::sleep(MAX_TIMEOUT * 2).await;
            })
            .await
            .ok();
            return Err(Status::new(Code::INTERNAL, "sabotage: hung"));
        }
        let (_, mut requests) = request.into_parts();
        let script = spec.script;
        let scripted = |guard: &mut ExecGuard| {
            guard.finish(ExecEnd::Scripted(script.code));
            Status::new(
                Code(script.code),
                format!("{SCRIPTED} of attempt {attempt}"),
            )
        };
        match kind {
            Kind::Unary | Kind::ServerStream => {
                let Some(m) = next(&mut requests).await? else {
                    return Err(Status::internal("no request message"));
                };
                if let Err(e) = message::check(&m, index, 0, spec.request_size) {
                    return Err(corrupt(&mut guard, "request", e));
                }
                if attempt < script.fail_first {
                    return Err(scripted(&mut guard));
                }
                tokio::time::sleep(spec.work).await;
                Ok(respond(Out {
                    guard,
                    spec,
                    next: 0,
                    requests: None,
                }))
            }
            Kind::ClientStream => {
                let mut n = 0;
                while let Some(m) = next(&mut requests).await? {
                    if let Err(e) = message::check(&m, index, n, spec.request_size) {
                        return Err(corrupt(&mut guard, "request", e));
                    }
                    n += 1;
                }
                if n != spec.requests {
                    return Err(corrupt(
                        &mut guard,
                        "request count",
                        message::Invalid::Length(n),
                    ));
                }
                if attempt < script.fail_first {
                    return Err(scripted(&mut guard));
                }
                tokio::time::sleep(spec.work).await;
                Ok(respond(Out {
                    guard,
                    spec,
                    next: n,
                    requests: None,
                }))
            }
            Kind::Bidi => {
                if attempt < script.fail_first {
                    return Err(scripted(&mut guard));
                }
                Ok(respond(Out {
                    guard,
                    spec,
                    next: 0,
                    requests: Some(requests),
                }))
            }
        }
    }
}

/// The response stream: server streaming sends `responses` messages `gap` apart; client
/// streaming one message numbered with the requests' count; bidi one message per request.
fn respond(out: Out) -> Response<ByteStream> {
    let stream = unfold(out, |mut o| async move {
        let spec = &o.spec;
        let item = match spec.kind {
            Kind::Unary | Kind::ClientStream => {
                if o.guard_done() {
                    return None;
                }
                message::encode(spec.index, o.next, spec.response_size)
            }
            Kind::ServerStream => {
                if o.next == spec.responses {
                    return None;
                }
                if o.next > 0 {
                    tokio::time::sleep(spec.gap).await;
                }
                let m = message::encode(spec.index, o.next, spec.response_size);
                o.next += 1;
                m
            }
            Kind::Bidi => {
                let reqs = o.requests.as_mut().expect("bidi has requests");
                let m = match next(reqs).await {
                    Ok(Some(m)) => m,
                    Ok(None) if o.next == spec.responses => return None,
                    Ok(None) => {
                        let e = corrupt(
                            &mut o.guard,
                            "request count",
                            message::Invalid::Length(o.next),
                        );
                        return Some((Err(e), o));
                    }
                    Err(s) => return Some((Err(s), o)),
                };
                if let Err(e) = message::check(&m, spec.index, o.next, spec.request_size) {
                    let e = corrupt(&mut o.guard, "request", e);
                    return Some((Err(e), o));
                }
                tokio::time::sleep(spec.work).await;
                let m = message::encode(spec.index, o.next, spec.response_size);
                o.next += 1;
                m
            }
        };
        let last = match spec.kind {
            Kind::Unary | Kind::ClientStream => true,
            Kind::ServerStream | Kind::Bidi => o.next == spec.responses,
        };
        if last {
            // Completed: every response message produced (trailers follow).
            o.guard.finish(ExecEnd::Ok);
        }
        Some((Ok(item), o))
    });
    Response::new(Box::pin(stream) as ByteStream)
}

impl Out {
    fn guard_done(&self) -> bool {
        self.guard.is_done()
    }
}

impl Service for Soak {
    fn name(&self) -> &'static str {
        SERVICE
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        METHODS
    }

    fn call(
        &self,
        method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        let kind = if method.starts_with("Unary") {
            Kind::Unary
        } else if method.starts_with("ServerStream") {
            Kind::ServerStream
        } else if method.starts_with("ClientStream") {
            Kind::ClientStream
        } else if method.starts_with("Bidi") {
            Kind::Bidi
        } else {
            return None;
        };
        if !METHODS.iter().any(|m| m.method == method) {
            return None;
        }
        let this = self.clone();
        Some(Box::pin(this.handle(kind, request)))
    }
}
