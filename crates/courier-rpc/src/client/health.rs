//! Client-side health checking (gRFC A17): each READY subchannel watches
//! `grpc.health.v1.Health/Watch` on its own connection; only SERVING backends get calls.

use std::sync::Arc;

use courier_h2::driver::Client as H2Client;
use tokio::sync::mpsc;

use super::attempt::{CallConfig, ConnTransport};
use super::backoff::{Backoff, BackoffState, Rng};
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

/// Watches `service`'s health over `client` until the receiver is gone or the task is
/// aborted, restarting a failed watch with backoff.
pub(crate) async fn watch_health(
    client: H2Client,
    call: Arc<CallConfig>,
    service: String,
    label: Arc<str>,
    tx: mpsc::UnboundedSender<HealthEvent>,
) {
    let health = HealthClient::new(ConnTransport::new(client, call, Arc::clone(&label)));
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
                loop {
                    match stream.message().await {
                        Ok(Some(r)) => {
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
                        Err(s) => break s,
                    }
                }
            }
            // gRFC A17: "If the Watch() call fails with status UNIMPLEMENTED, the client will
            // act as if health checking is disabled. That is, it will not retry the
            // health-checking call, but it will treat the channel as healthy (connectivity
            // state READY)."
            Err(s) if s.code() == Code::UNIMPLEMENTED => {
                tracing::error!(address = %label, "backend has no grpc.health.v1.Health: health checking disabled for it");
                let _ = tx.send(HealthEvent::Serving);
                return;
            }
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
