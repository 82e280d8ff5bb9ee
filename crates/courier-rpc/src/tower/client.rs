//! The client side: [`ChannelService`] (a channel as a tower service) and [`TowerTransport`]
//! (a tower service as the transport of generated clients).

use std::fmt;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::{
    BoxError, GrpcRequest, GrpcResponse, Messages, from_http_request, from_http_response, method,
    status_from_error, to_http_request, to_http_response,
};
use crate::Transport;
use crate::call::{BoxFuture, ByteStream, MethodDescriptor, MethodKind, Request, Response};
use crate::client::{Channel, ConnectivityState};
use crate::code::Code;
use crate::status::Status;

/// A [`Channel`] as a `tower::Service<`[`GrpcRequest`]`>`, to wrap in tower's layers
/// (timeout, rate and concurrency limits, load shedding, retries, ...) and hand to generated
/// clients through [`TowerTransport`].
///
/// `poll_ready` follows the channel's connectivity: ready when the channel is READY, and in
/// TRANSIENT_FAILURE too (where a call fails at once with `UNAVAILABLE`, or waits if it asked
/// for wait-for-ready: gRPC's semantics); pending while it connects (an IDLE channel starts
/// connecting), so that `load_shed` refuses calls and `Buffer` holds them meanwhile; an error
/// once it is shut down. Calls go through the channel as from a stub: load balancing,
/// deadlines, the service config's retries, interceptors and observers all apply.
///
/// The request must carry its `&'static MethodDescriptor` in its extensions, as the requests
/// [`TowerTransport`] and [`to_http_request`] make do; one without fails with `INTERNAL`.
pub struct ChannelService {
    channel: Channel,
    /// A wait for the channel's state to change, while it is not ready. (In a mutex, never
    /// locked — reached through `&mut` — so that the service is `Sync`.)
    wait: Mutex<Option<BoxFuture<'static, ConnectivityState>>>,
}

impl ChannelService {
    /// `channel` as a tower service.
    pub fn new(channel: Channel) -> ChannelService {
        ChannelService {
            channel,
            wait: Mutex::new(None),
        }
    }

    /// The channel.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }
}

impl From<Channel> for ChannelService {
    fn from(channel: Channel) -> ChannelService {
        ChannelService::new(channel)
    }
}

impl Clone for ChannelService {
    fn clone(&self) -> ChannelService {
        ChannelService::new(self.channel.clone())
    }
}

impl fmt::Debug for ChannelService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelService")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl ::tower::Service<GrpcRequest> for ChannelService {
    type Response = GrpcResponse;
    type Error = Status;
    type Future = BoxFuture<'static, Result<GrpcResponse, Status>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        let wait = self.wait.get_mut().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(w) = wait.as_mut() {
                match w.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(_) => *wait = None,
                }
            }
            let state = self.channel.state();
            match state {
                ConnectivityState::Ready | ConnectivityState::TransientFailure => {
                    return Poll::Ready(Ok(()));
                }
                ConnectivityState::Shutdown => {
                    return Poll::Ready(Err(Status::new(Code::UNAVAILABLE, "channel shut down")));
                }
                ConnectivityState::Idle | ConnectivityState::Connecting => {
                    if state == ConnectivityState::Idle {
                        self.channel.connect();
                    }
                    let channel = self.channel.clone();
                    *wait = Some(Box::pin(async move { channel.state_changed(state).await }));
                }
            }
        }
    }

    fn call(&mut self, request: GrpcRequest) -> Self::Future {
        let channel = self.channel.clone();
        let Some(desc) = method(&request) else {
            return Box::pin(std::future::ready(Err(Status::internal(
                "request without a MethodDescriptor extension (made by courier_rpc::tower::to_http_request)",
            ))));
        };
        let request = from_http_request(request);
        if desc.kind == MethodKind::Unary && request.get_ref().as_one().is_some() {
            // The channel's unary path: no streams on either side.
            let request = request.map(|m| m.as_one().cloned().unwrap_or_default());
            let call = channel.unary(desc, request);
            return Box::pin(async move { Ok(to_http_response(call.await?.map(Messages::one))) });
        }
        let call = channel.call(desc, request.map(Messages::into_stream));
        Box::pin(async move { Ok(to_http_response(call.await?.map(Messages::stream))) })
    }
}

/// A tower service over [`GrpcRequest`]s — a [`ChannelService`] inside layers — as the
/// [`Transport`] generated clients take.
///
/// Each call clones the service (as axum and tonic do) and waits for it to be ready before
/// calling it: layers whose state must be shared by all calls share it between clones
/// (`ConcurrencyLimit`, `Buffer` do; `RateLimit` does not: put it behind a `Buffer`).
#[derive(Clone)]
pub struct TowerTransport<S> {
    service: S,
}

impl<S> TowerTransport<S> {
    /// Calls through `service`.
    pub fn new(service: S) -> TowerTransport<S> {
        TowerTransport { service }
    }

    /// The service.
    pub fn get_ref(&self) -> &S {
        &self.service
    }
}

impl<S> fmt::Debug for TowerTransport<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TowerTransport")
    }
}

/// Waits for `service` to be ready, then calls it (tower's `oneshot`).
pub(super) async fn oneshot<S, R>(mut service: S, request: R) -> Result<S::Response, BoxError>
where
    S: ::tower::Service<R>,
    S::Error: Into<BoxError>,
{
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    service.call(request).await.map_err(Into::into)
}

impl<S> Transport for TowerTransport<S>
where
    S: ::tower::Service<GrpcRequest, Response = GrpcResponse> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
        let request = to_http_request(method, request.map(Messages::stream));
        let service = self.service.clone();
        Box::pin(async move {
            let response = oneshot(service, request).await.map_err(status_from_error)?;
            Ok(from_http_response(response)?.map(Messages::into_stream))
        })
    }

    fn unary(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
    ) -> BoxFuture<'static, Result<Response<Bytes>, Status>> {
        let request = to_http_request(method, request.map(Messages::one));
        let service = self.service.clone();
        Box::pin(async move {
            let response = oneshot(service, request).await.map_err(status_from_error)?;
            let mut response = from_http_response(response)?;
            let messages = std::mem::take(response.get_mut());
            let (message, trailers) = messages.into_one().await?;
            let mut response = response.map(|_| message);
            for (k, v) in trailers.iter() {
                response
                    .trailers_mut()
                    .push_unchecked(k.to_owned(), v.clone());
            }
            Ok(response)
        })
    }
}
