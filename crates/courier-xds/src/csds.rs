//! CSDS (gRFC A40): the client's xDS configuration as the
//! `envoy.service.status.v3.ClientStatusDiscoveryService` gRPC service — every resource the
//! [`XdsClient`] caches, as received, with its status (REQUESTED, DOES_NOT_EXIST, ACKED,
//! NACKED), version, time, and the last rejected version with why.
//!
//! ```no_run
//! # async fn f(xds: courier_xds::XdsClient) -> std::io::Result<()> {
//! use courier_xds::csds::Csds;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:50052").await?;
//! courier_rpc::Server::builder()
//!     .add_service(Csds::new(xds).into_service())
//!     .build()
//!     .serve(listener)
//!     .await
//! # }
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use courier_rpc::{BoxStream, Request, Response, Status, Streaming};

use crate::client::{CacheStatus, XdsClient};
use crate::pb::envoy::admin::v3 as admin;
use crate::pb::envoy::service::status::v3 as pb;
use pb::client_status_discovery_service_rpc::{
    ClientStatusDiscoveryService, ClientStatusDiscoveryServiceServer,
};

/// The CSDS service over one [`XdsClient`].
#[derive(Clone, Debug)]
pub struct Csds {
    client: XdsClient,
}

fn timestamp(t: SystemTime) -> courier_types::Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    courier_types::Timestamp {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
        ..Default::default()
    }
}

impl Csds {
    /// CSDS for `client`.
    pub fn new(client: XdsClient) -> Csds {
        Csds { client }
    }

    /// The generated server adapter, for [`courier_rpc::ServerBuilder::add_service`].
    pub fn into_service(self) -> ClientStatusDiscoveryServiceServer<Csds> {
        ClientStatusDiscoveryServiceServer::new(self)
    }

    /// The client's configuration now. gRFC A40: the node is the one the management server
    /// sees (with the client's user agent and features); resources are exposed "the way gRPC
    /// receives them".
    pub fn status(&self, request: &pb::ClientStatusRequest) -> pb::ClientStatusResponse {
        let mut configs = Vec::new();
        for r in self.client.dump() {
            let client_status = match r.status {
                CacheStatus::Requested => admin::ClientResourceStatus::REQUESTED,
                CacheStatus::DoesNotExist => admin::ClientResourceStatus::DOES_NOT_EXIST,
                CacheStatus::Acked => admin::ClientResourceStatus::ACKED,
                CacheStatus::Nacked => admin::ClientResourceStatus::NACKED,
            };
            let error_state =
                r.error
                    .as_ref()
                    .map(|(version, details, at)| admin::UpdateFailureState {
                        last_update_attempt: Some(timestamp(*at)),
                        details: details.clone(),
                        version_info: version.clone(),
                        ..Default::default()
                    });
            configs.push(pb::client_config::GenericXdsConfig {
                type_url: r.resource_type.type_url().to_owned(),
                name: r.name.clone(),
                version_info: r.version.clone(),
                xds_config: if request.exclude_resource_contents {
                    None
                } else {
                    r.raw.clone()
                },
                last_updated: r.last_updated.map(timestamp),
                client_status: client_status.0,
                error_state,
                ..Default::default()
            });
        }
        pb::ClientStatusResponse {
            config: vec![pb::ClientConfig {
                node: Some(self.client.node().clone()),
                generic_xds_configs: configs,
                ..Default::default()
            }],
            ..Default::default()
        }
    }
}

impl ClientStatusDiscoveryService for Csds {
    async fn stream_client_status(
        &self,
        request: Request<Streaming<pb::ClientStatusRequest>>,
    ) -> Result<Response<BoxStream<Result<pb::ClientStatusResponse, Status>>>, Status> {
        let this = self.clone();
        let requests = request.into_inner();
        // A40: "the streaming method can reuse the stream": one answer per request.
        let stream = courier_rpc::unfold(
            (this, requests),
            |(this, mut requests): (Csds, Streaming<pb::ClientStatusRequest>)| async move {
                match requests.message().await {
                    Ok(Some(req)) => {
                        let r = this.status(&req);
                        Some((Ok(r), (this, requests)))
                    }
                    // The request stream ended, or failed: so does the answer.
                    Ok(None) | Err(_) => None,
                }
            },
        );
        Ok(Response::new(Box::pin(stream) as BoxStream<_>))
    }

    async fn fetch_client_status(
        &self,
        request: Request<pb::ClientStatusRequest>,
    ) -> Result<Response<pb::ClientStatusResponse>, Status> {
        Ok(Response::new(self.status(request.get_ref())))
    }
}
