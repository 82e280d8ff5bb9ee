//! Web requests on HTTP/2 streams: the requests the gRPC path does not take (not a POST of
//! `application/grpc*`) go through the web engine, and its response goes back on the stream.

use std::sync::Arc;

use bytes::Bytes;
use courier_h2::Reason;
use courier_h2::driver::{Incoming, SendStream};
use courier_hpack::HeaderField;

use super::serve::{BodySink, Env, ReqBody, ResetSignal, RespBody, WebRequest, serve};
use crate::context::{CancelToken, ConnectionInfo};
use crate::server::Shared;

/// Answers one request stream.
pub(crate) async fn serve_stream(
    shared: Arc<Shared>,
    inc: Incoming,
    connection: Arc<ConnectionInfo>,
    cancel_all: CancelToken,
) {
    let Incoming {
        request,
        end_stream,
        body,
        mut respond,
        ..
    } = inc;
    let env = Env {
        shared,
        connection,
        cancel_all,
    };
    let target = request.pseudo.path.clone().unwrap_or_default();
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(i) => (target.slice(..i), Some(target.slice(i + 1..))),
        None => (target, None),
    };
    let req = WebRequest {
        method: request.pseudo.method.clone().unwrap_or_default(),
        path,
        query,
        fields: request.fields,
        body: if end_stream {
            ReqBody::Empty
        } else {
            ReqBody::H2(body)
        },
        http2: true,
        scheme: request
            .pseudo
            .scheme
            .clone()
            .unwrap_or_else(|| Bytes::from_static(b"http")),
        authority: request.pseudo.authority.clone(),
    };
    let resp = serve(&env, req, &respond).await;
    // `:status` first, in the engine's vector (which has room for it).
    let mut head = resp.fields;
    head.insert(0, HeaderField::new(":status", status_value(resp.status)));
    match resp.body {
        RespBody::Full(b) if b.is_empty() => {
            if respond.send_headers(head, true).is_err() {
                respond.reset(Reason::INTERNAL_ERROR);
            }
        }
        RespBody::Full(b) => {
            if respond.send_headers(head, false).is_err() {
                respond.reset(Reason::INTERNAL_ERROR);
                return;
            }
            let _ = respond.send_data(b, true).await;
        }
        RespBody::Stream(stream) => {
            if respond.send_headers(head, false).is_err() {
                respond.reset(Reason::INTERNAL_ERROR);
                return;
            }
            stream.pump(H2Sink(&mut respond)).await;
        }
        RespBody::Chunks(mut chunks) => {
            if respond.send_headers(head, false).is_err() {
                respond.reset(Reason::INTERNAL_ERROR);
                return;
            }
            loop {
                let next = std::future::poll_fn(|cx| chunks.as_mut().poll_next(cx));
                // While the content is not ready, watch for the client's reset.
                let item = tokio::select! {
                    item = next => item,
                    Some(_) = respond.reset_received() => return,
                };
                match item {
                    Some(Ok(data)) => {
                        if respond.send_data(data, false).await.is_err() {
                            return;
                        }
                    }
                    Some(Err(())) => {
                        respond.reset(Reason::INTERNAL_ERROR);
                        return;
                    }
                    None => {
                        let _ = respond.send_data(Bytes::new(), true).await;
                        return;
                    }
                }
            }
        }
    }
}

/// `:status` without an allocation for the statuses the web protocols answer with.
fn status_value(status: u16) -> Bytes {
    match status {
        200 => Bytes::from_static(b"200"),
        204 => Bytes::from_static(b"204"),
        400 => Bytes::from_static(b"400"),
        404 => Bytes::from_static(b"404"),
        415 => Bytes::from_static(b"415"),
        s => Bytes::from(s.to_string()),
    }
}

/// A response stream's content onto an HTTP/2 stream.
struct H2Sink<'a>(&'a mut SendStream);

impl ResetSignal for H2Sink<'_> {
    fn reset_received(&self) -> impl std::future::Future<Output = Option<Reason>> + Send + '_ {
        self.0.reset_received()
    }
}

impl BodySink for H2Sink<'_> {
    async fn send(&mut self, data: Bytes) -> bool {
        self.0.send_data(data, false).await.is_ok()
    }

    async fn finish(self) {
        let _ = self.0.send_data(Bytes::new(), true).await;
    }
}
