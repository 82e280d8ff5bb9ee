//! The clients: several Channels balancing round_robin over the proxy's frontends with retry
//! and hedging policies from a service config, and the four call kinds, each checking every
//! response message it gets.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use courier_rpc::{
    Backoff, BoxFuture, BoxIo, ByteStream, Channel, Code, LbPolicy, Metadata, Request,
    ServiceConfig, StaticResolver, Status, Transport, once, receiver_stream, unfold,
};

use crate::ledger::Outcome;
use crate::log::FaultLog;
use crate::message;
use crate::schedule::{
    CallSpec, HEDGE_MAX_ATTEMPTS, Kind, Policy, RETRY_MAX_ATTEMPTS, RETRY_MAX_BACKOFF,
};
use crate::service::{CALL_ID, SERVICE, method, names};

/// Deliberate bugs on the client side, for the tests that show the checks catch them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientSabotage {
    /// None.
    #[default]
    None,
    /// Every 50th call is sent without its deadline (as if the Channel lost it).
    IgnoreDeadline,
    /// The methods without a policy get a retry policy: non-idempotent calls may run twice.
    RetryEverything,
    /// The retry methods lose their retry policy (the checks still expect retries).
    DropRetries,
}

/// The service config every Channel gets (gRFC A6 policies; no `retryThrottling`, so that a
/// retry is never skipped for tokens: the checks can then say when one was owed).
pub fn service_config(sabotage: ClientSabotage) -> ServiceConfig {
    let list = |policy| {
        names(policy)
            .iter()
            .map(|m| format!(r#"{{"service": "{SERVICE}", "method": "{m}"}}"#))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut retry_names = list(Policy::Retry);
    match sabotage {
        ClientSabotage::RetryEverything => {
            retry_names = format!("{retry_names}, {}", list(Policy::None));
        }
        // The retry policy goes to a method nobody calls.
        ClientSabotage::DropRetries => {
            retry_names = format!(r#"{{"service": "{SERVICE}", "method": "Nothing"}}"#);
        }
        _ => {}
    }
    let json = format!(
        r#"{{
  "loadBalancingConfig": [{{"round_robin": {{}}}}],
  "methodConfig": [
    {{"name": [{retry_names}],
      "retryPolicy": {{"maxAttempts": {RETRY_MAX_ATTEMPTS}, "initialBackoff": "0.02s",
                      "maxBackoff": "{}s", "backoffMultiplier": 2,
                      "retryableStatusCodes": ["UNAVAILABLE"]}}}},
    {{"name": [{}],
      "hedgingPolicy": {{"maxAttempts": {HEDGE_MAX_ATTEMPTS}, "hedgingDelay": "0.1s",
                        "nonFatalStatusCodes": ["UNAVAILABLE"]}}}}
  ]
}}"#,
        RETRY_MAX_BACKOFF.as_secs_f64(),
        list(Policy::Hedge)
    );
    ServiceConfig::from_json(&json).expect("the soak's service config parses")
}

/// Channel `i` of a run, to the proxy's `frontends`.
///
/// Reconnect backoff is shortened (50 ms to 1 s instead of gRPC's 1 s to 120 s): with
/// connections broken every few seconds on purpose, the default would leave subchannels in
/// backoff for most of a short run. Channels 2 and 3 ping every second (keepalive, 1 s
/// timeout): a stalled connection is then closed by the client, one more way for connections
/// to die with calls on them; channel 3 pings without calls too.
pub fn channel(
    i: usize,
    frontends: &[SocketAddr],
    sabotage: ClientSabotage,
    log: Arc<FaultLog>,
) -> Channel {
    let mut b = Channel::builder("soak")
        .connector(Connector { channel: i, log })
        .resolver(StaticResolver::new(frontends.iter().copied()))
        .load_balancing(LbPolicy::RoundRobin)
        .service_config(service_config(sabotage))
        .backoff(Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(1),
            min_connect_timeout: Duration::from_secs(2),
            ..Backoff::default()
        });
    if i >= 2 {
        b = b
            .keepalive_time(Duration::from_secs(1))
            .keepalive_timeout(Duration::from_secs(1));
    }
    if i == 3 {
        b = b.keepalive_permit_without_calls(true);
    }
    b.build()
}

/// Plain TCP, as courier-rpc's own connector, registering each connection's local address
/// with the fault log so that a connection seen at the proxy can be traced to its Channel.
struct Connector {
    channel: usize,
    log: Arc<FaultLog>,
}

impl courier_rpc::Connector for Connector {
    fn connect(&self, addr: SocketAddr, _authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        let (channel, log) = (self.channel, Arc::clone(&self.log));
        Box::pin(async move {
            let s = tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            log.client(s.local_addr()?, channel);
            Ok(Box::new(s) as BoxIo)
        })
    }
}

fn failed(s: Status) -> Outcome {
    Outcome::Failed {
        code: s.code().0,
        message: s.message().to_owned(),
    }
}

async fn next(stream: &mut ByteStream) -> Result<Option<Bytes>, Status> {
    match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        None => Ok(None),
        Some(Ok(b)) => Ok(Some(b)),
        Some(Err(s)) if s.code() == Code::OK => Ok(None),
        Some(Err(s)) => Err(s),
    }
}

/// Reads a response stream that should hold messages `first..first + n`.
async fn read(mut stream: ByteStream, spec: &CallSpec, first: u32, n: u32) -> Outcome {
    for seq in first..first + n {
        match next(&mut stream).await {
            Ok(Some(m)) => {
                if let Err(e) = message::check(&m, spec.index, seq, spec.response_size) {
                    return Outcome::BadResponse(format!("response {seq}: {e:?}"));
                }
            }
            Ok(None) => {
                return Outcome::BadResponse(format!("ended after {} responses", seq - first));
            }
            Err(s) => return failed(s),
        }
    }
    end(stream).await
}

async fn end(mut stream: ByteStream) -> Outcome {
    match next(&mut stream).await {
        Ok(None) => Outcome::Ok,
        Ok(Some(_)) => Outcome::BadResponse("more responses than sent".into()),
        Err(s) => failed(s),
    }
}

fn request<T>(md: &Metadata, timeout: Option<Duration>, body: T) -> Request<T> {
    let mut r = Request::from_parts(md.clone(), body);
    if let Some(t) = timeout {
        r.set_timeout(t);
    }
    r
}

/// Makes the call `spec` on `channel`.
pub async fn call(channel: &Channel, spec: &CallSpec, sabotage: ClientSabotage) -> Outcome {
    let desc = method(spec.kind, spec.policy);
    let mut md = Metadata::new();
    md.insert(CALL_ID, spec.index.to_string())
        .expect("a number is valid metadata");
    let deadline = !(sabotage == ClientSabotage::IgnoreDeadline && spec.index % 50 == 7);
    let timeout = deadline.then_some(spec.timeout);
    let req = |body| request(&md, timeout, body);
    let req_stream = |body| request(&md, timeout, body);
    let first = || message::encode(spec.index, 0, spec.request_size);
    match spec.kind {
        Kind::Unary => match channel.unary(desc, req(first())).await {
            Ok(r) => match message::check(r.get_ref(), spec.index, 0, spec.response_size) {
                Ok(()) => Outcome::Ok,
                Err(e) => Outcome::BadResponse(format!("response: {e:?}")),
            },
            Err(s) => failed(s),
        },
        Kind::ServerStream => match channel.call(desc, req_stream(once(first()))).await {
            Ok(r) => read(r.into_inner(), spec, 0, spec.responses).await,
            Err(s) => failed(s),
        },
        Kind::ClientStream => {
            let s = spec.clone();
            let requests = unfold(0u32, move |i| {
                let s = s.clone();
                async move {
                    if i == s.requests {
                        return None;
                    }
                    if i > 0 {
                        tokio::time::sleep(s.gap).await;
                    }
                    Some((Ok(message::encode(s.index, i, s.request_size)), i + 1))
                }
            });
            match channel
                .call(desc, req_stream(Box::pin(requests) as ByteStream))
                .await
            {
                // One response, numbered with the count of requests the server read.
                Ok(r) => read(r.into_inner(), spec, spec.requests, 1).await,
                Err(s) => failed(s),
            }
        }
        Kind::Bidi => {
            let (tx, rx) =
                tokio::sync::mpsc::channel::<Result<Bytes, Status>>(spec.requests as usize);
            let _ = tx.try_send(Ok(first()));
            let mut stream = match channel
                .call(
                    desc,
                    req_stream(Box::pin(receiver_stream(rx)) as ByteStream),
                )
                .await
            {
                Ok(r) => r.into_inner(),
                Err(s) => return failed(s),
            };
            // Ping-pong: each request is sent once the previous one's answer is in.
            for seq in 0..spec.requests {
                match next(&mut stream).await {
                    Ok(Some(m)) => {
                        if let Err(e) = message::check(&m, spec.index, seq, spec.response_size) {
                            return Outcome::BadResponse(format!("response {seq}: {e:?}"));
                        }
                    }
                    Ok(None) => {
                        return Outcome::BadResponse(format!("ended after {seq} responses"));
                    }
                    Err(s) => return failed(s),
                }
                if seq + 1 < spec.requests {
                    tokio::time::sleep(spec.gap).await;
                    let _ =
                        tx.try_send(Ok(message::encode(spec.index, seq + 1, spec.request_size)));
                }
            }
            drop(tx);
            end(stream).await
        }
    }
}
