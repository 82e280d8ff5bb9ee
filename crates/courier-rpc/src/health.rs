//! `grpc.health.v1.Health` (health-checking.md): Check, List and Watch, fed by a
//! [`HealthReporter`].
//!
//! ```
//! use courier_rpc::health::{HealthReporter, ServingStatus};
//!
//! let health = HealthReporter::new();
//! health.set_status("helloworld.Greeter", ServingStatus::SERVING);
//! let server = courier_rpc::Server::builder().add_service(health.service()).build();
//! # drop(server);
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::body::unfold;
use crate::call::{BoxStream, Request, Response};
use crate::code::Code;
use crate::status::Status;

/// The messages and service generated from `proto/grpc/health/v1/health.proto`.
#[allow(missing_docs, clippy::all, rustdoc::all)]
pub mod pb {
    include!("generated/grpc.health.v1.rs");
}

pub use pb::health_check_response::ServingStatus;
use pb::health_rpc::{Health, HealthServer};
use pb::{HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse};

/// Sets the serving status of services; the [`service`](Self::service) answers health checks
/// from it. The empty name is the server's overall health (SERVING from the start). Cloning is
/// cheap.
#[derive(Clone, Debug, Default)]
pub struct HealthReporter {
    statuses: Arc<Mutex<HashMap<String, watch::Sender<ServingStatus>>>>,
}

impl HealthReporter {
    /// A reporter whose overall status (`""`) is SERVING.
    pub fn new() -> HealthReporter {
        let r = HealthReporter::default();
        r.set_status("", ServingStatus::SERVING);
        r
    }

    /// Sets `service`'s status (watchers see the change).
    pub fn set_status(&self, service: &str, status: ServingStatus) {
        let mut map = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(service) {
            Some(tx) => {
                tx.send_replace(status);
            }
            None => {
                map.insert(service.to_owned(), watch::Sender::new(status));
            }
        }
    }

    /// The status last set for `service`.
    pub fn status(&self, service: &str) -> Option<ServingStatus> {
        let map = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        map.get(service).map(|tx| *tx.borrow())
    }

    /// Sets every known service NOT_SERVING (for example when shutting down).
    pub fn set_all_not_serving(&self) {
        let map = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        for tx in map.values() {
            tx.send_replace(ServingStatus::NOT_SERVING);
        }
    }

    fn subscribe(&self, service: &str) -> watch::Receiver<ServingStatus> {
        let mut map = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(service.to_owned())
            // health-checking.md: Watch of an unknown service answers SERVICE_UNKNOWN and
            // updates when the service becomes known.
            .or_insert_with(|| watch::Sender::new(ServingStatus::SERVICE_UNKNOWN))
            .subscribe()
    }

    /// The `grpc.health.v1.Health` service, to add to a [`Server`](crate::Server).
    pub fn service(&self) -> HealthServer<HealthService> {
        HealthServer::new(HealthService {
            reporter: self.clone(),
        })
    }
}

/// The `grpc.health.v1.Health` implementation over a [`HealthReporter`].
#[derive(Debug)]
pub struct HealthService {
    reporter: HealthReporter,
}

fn response(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
        ..Default::default()
    }
}

impl Health for HealthService {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = &request.get_ref().service;
        match self.reporter.status(service) {
            Some(s) if s != ServingStatus::SERVICE_UNKNOWN => Ok(Response::new(response(s))),
            // health-checking.md: "If the requested service is unknown, the call will fail
            // with status NOT_FOUND."
            _ => Err(Status::new(
                Code::NOT_FOUND,
                format!("unknown service {service:?}"),
            )),
        }
    }

    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        let map = self
            .reporter
            .statuses
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let statuses = map
            .iter()
            .filter(|(_, tx)| *tx.borrow() != ServingStatus::SERVICE_UNKNOWN)
            .map(|(k, tx)| (k.clone(), response(*tx.borrow())))
            .collect();
        Ok(Response::new(HealthListResponse {
            statuses,
            ..Default::default()
        }))
    }

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<BoxStream<Result<HealthCheckResponse, Status>>>, Status> {
        let rx = self.reporter.subscribe(&request.get_ref().service);
        // The current status at once, then every change.
        let stream = unfold((rx, true), |(mut rx, first)| async move {
            if !first && rx.changed().await.is_err() {
                return None;
            }
            let s = *rx.borrow_and_update();
            Some((Ok(response(s)), (rx, false)))
        });
        Ok(Response::new(Box::pin(stream) as BoxStream<_>))
    }
}
