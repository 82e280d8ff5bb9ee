//! Client-side health checking (gRFC A17): each READY subchannel watches
//! `grpc.health.v1.Health/Watch` on its own connection (in gRPC, or in a web channel's
//! protocol); only SERVING backends get calls.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::attempt::{CallConfig, ConnTransport};
use super::backoff::{Backoff, BackoffState, Rng};
use super::subchannel::Conn;
use crate::code::Code;
use crate::health::ServingStatus;
use crate::health::pb::HealthCheckRequest;
use crate::health::pb::health_rpc::HealthClient;
use crate::status::Status;

/// What the health watch learned.
#[derive(Debug)]
pub(crate) enum HealthEvent {
    /// The backend is SERVING (or has no health service: A17 then treats it as healthy).
    Serving,
    /// The backend is not SERVING, or the watch failed.
    NotServing(Status),
}

/// Watches `service`'s health over `conn` (in the channel's protocol: gRPC, or its web
/// protocol) until the receiver is gone or the task is aborted, restarting a failed watch
/// with backoff.
pub(crate) async fn watch_health(
    conn: Conn,
    call: Arc<CallConfig>,
    service: String,
    label: Arc<str>,
    tx: mpsc::UnboundedSender<HealthEvent>,
) {
    let health = HealthClient::new(ConnTransport::new(conn, call, Arc::clone(&label)));
    let mut backoff = BackoffState::new(Backoff::default(), Rng::new(label.len() as u64));
    let mut delay = backoff.first_delay();
    loop {
        let request = HealthCheckRequest {
            service: service.clone(),
            ..Default::default()
        };
        let failure = match health.watch(request).await {
            Ok(response) => {
                let mut stream = response.into_inner();
                let mut first = true;
                loop {
                    match stream.message().await {
                        Ok(Some(r)) => {
                            first = false;
                            backoff.reset();
                            delay = backoff.first_delay();
                            let ev = if r.status() == ServingStatus::SERVING {
                                HealthEvent::Serving
                            } else {
                                HealthEvent::NotServing(Status::new(
                                    Code::UNAVAILABLE,
                                    format!(
                                        "endpoint {label} reports health {} for service {service:?}",
                                        r.status().name().unwrap_or("UNKNOWN")
                                    ),
                                ))
                            };
                            if tx.send(ev).is_err() {
                                return;
                            }
                        }
                        Ok(None) => {
                            break Status::new(
                                Code::UNAVAILABLE,
                                format!("health watch of {label} ended"),
                            );
                        }
                        // A Connect stream has no Trailers-Only response: a call the server
                        // refused at once ends before its first message.
                        Err(s) if first && s.code() == Code::UNIMPLEMENTED => {
                            return unimplemented(&label, &tx);
                        }
                        Err(s) => break s,
                    }
                }
            }
            Err(s) if s.code() == Code::UNIMPLEMENTED => return unimplemented(&label, &tx),
            Err(s) => s,
        };
        // gRFC A17: a failed call makes the subchannel TRANSIENT_FAILURE and is retried with
        // backoff.
        let status = Status::new(
            Code::UNAVAILABLE,
            format!("health watch of {label} failed: {}", failure.message()),
        );
        if tx.send(HealthEvent::NotServing(status)).is_err() {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = backoff.next_delay();
    }
}

/// gRFC A17: "If the Watch() call fails with status UNIMPLEMENTED, the client will act as if
/// health checking is disabled. That is, it will not retry the health-checking call, but it
/// will treat the channel as healthy (connectivity state READY)."
fn unimplemented(label: &str, tx: &mpsc::UnboundedSender<HealthEvent>) {
    tracing::error!(address = %label, "backend has no grpc.health.v1.Health: health checking disabled for it");
    let _ = tx.send(HealthEvent::Serving);
}
