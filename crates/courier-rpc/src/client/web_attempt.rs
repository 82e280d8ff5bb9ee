//! One attempt of a [`Channel`](crate::Channel) call carried by a web protocol (gRPC-Web or
//! Connect, over HTTP/1.1 or HTTP/2) instead of gRPC: the same pick, retry, hedging and
//! deadline machinery around it, and the web client's request and response code
//! (`crate::web`) inside it. The result is a [`CallBody`] like a gRPC attempt's.

use std::sync::Arc;
use std::time::Instant;

use courier_hpack::HeaderField;

use super::attempt::{AttemptBody, CallBody, CallConfig, CallOpts, Failure};
use super::retry::{Next, Replay};
use super::subchannel::{Conn, Picked};
use crate::call::{ByteStream, MethodDescriptor};
use crate::code::Code;
use crate::metadata::Metadata;
use crate::observe::AttemptTelemetry;
use crate::status::Status;
use crate::web::{
    FrameSettings, Limits, Reach, SendFailure, WebBody, Wire, outgoing, response, send_h1, send_h2,
};

/// The request of an attempt: its fields (to which observers may still add metadata) and
/// content.
pub(crate) type Prepared = crate::web::Outgoing;

fn limits(c: &CallConfig, opts: &CallOpts) -> Limits {
    Limits {
        encoding: opts.encoding,
        threshold: c.compression_threshold,
        max_send: opts.max_send,
    }
}

/// The request of attempt number `previous + 1` of a call of `method`.
pub(crate) async fn prepare(
    wire: Wire,
    c: &CallConfig,
    method: &'static MethodDescriptor,
    opts: &CallOpts,
    metadata: &Metadata,
    previous: u32,
    body: &AttemptBody,
) -> Result<Prepared, Status> {
    wire.check(method)?;
    // The time left, as gRPC's `grpc-timeout` is sent: each attempt says what remains.
    let timeout = opts
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()))
        .or(opts.timeout);
    let body = match body {
        // Framed once for every attempt: gRPC-Web frames and Connect envelopes have gRPC's
        // prefix, and a Connect unary body is the frame without it.
        AttemptBody::One(frame) => WebBody::Framed(frame.clone()),
        AttemptBody::Replay(replay, id) => {
            WebBody::Messages(replay_messages(Arc::clone(replay), *id))
        }
    };
    // A Connect unary call the channel sends by GET (`outgoing` looks at it for those only).
    let get = c.connect_get.applies(method, opts.idempotency);
    let mut out = outgoing(
        wire,
        c.user_agent.clone(),
        get,
        method,
        metadata,
        body,
        timeout,
        limits(c, opts),
    )
    .await?;
    if previous > 0 {
        // gRFC A6's `grpc-previous-rpc-attempts`, as on a gRPC attempt: custom metadata to
        // the web protocols, which the server hands to its handler.
        out.fields.push(HeaderField::new(
            "grpc-previous-rpc-attempts",
            previous.to_string(),
        ));
    }
    out.deadline = opts.deadline.map(tokio::time::Instant::from_std);
    Ok(out)
}

/// Sends `out` on `conn` (`label`'s; `picked`, if the channel picked it) and reads the
/// response head.
// Each argument is a different part of the call; a struct of them would only be unpacked here.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    wire: Wire,
    conn: &Conn,
    label: &Arc<str>,
    picked: Option<&Picked>,
    c: &CallConfig,
    method: &'static MethodDescriptor,
    opts: &CallOpts,
    out: Prepared,
    telemetry: Option<&Arc<AttemptTelemetry>>,
) -> Result<(Metadata, CallBody), Failure> {
    if let (Some(t), Some((wire_len, size, compressed))) = (telemetry, out.unary_sent) {
        t.sent(wire_len, size, compressed);
    }
    let deadline = out.deadline;
    let framer = FrameSettings::new(wire, limits(c, opts), telemetry.cloned());
    let sent = match conn {
        Conn::H2(client) => send_h2(client, &c.authority, wire.secure, out, framer).await,
        Conn::H1(pool) => send_h1(pool, &c.authority, out, framer).await,
    };
    let failure = match sent {
        Ok(incoming) => {
            match response(
                wire,
                method,
                opts.max_recv,
                incoming,
                deadline,
                telemetry.cloned(),
            )
            .await
            {
                Ok(resp) => {
                    let (mut md, stream) = resp.into_parts();
                    let compressed = md.take_compressed();
                    let body = CallBody::web(
                        stream,
                        compressed,
                        opts.deadline,
                        Arc::clone(label),
                        telemetry.cloned(),
                    );
                    return Ok((md, body));
                }
                Err(s) => Failure::Status(s),
            }
        }
        // No connection, or the HTTP/2 stream was never opened: the request never left. As
        // for gRPC (gRFC A6), sent again at once, and the connection is not picked again.
        Err(SendFailure {
            status,
            reach: Reach::Unsent,
        }) => {
            if let Some(p) = picked {
                p.retire();
            }
            Failure::Transparent(at_endpoint(status, label))
        }
        // The server refused the stream unprocessed (RST_STREAM REFUSED_STREAM, or above its
        // GOAWAY's last stream): sent again at once, as a gRPC attempt's is. The connection
        // stays (a GOAWAY retires it in the subchannel).
        Err(SendFailure {
            status,
            reach: Reach::Refused,
        }) => Failure::Transparent(at_endpoint(status, label)),
        Err(SendFailure {
            status,
            reach: Reach::Sent,
        }) => Failure::Status(at_endpoint(status, label)),
    };
    if let Some(t) = telemetry {
        let (Failure::Transparent(s) | Failure::Status(s)) = &failure;
        t.end(s.code());
    }
    Err(failure)
}

/// An UNAVAILABLE status naming the endpoint, as a gRPC attempt's do.
#[cold]
fn at_endpoint(s: Status, label: &str) -> Status {
    if s.code() != Code::UNAVAILABLE {
        return s;
    }
    Status::new(s.code(), format!("{} (endpoint {label})", s.message()))
}

/// An attempt's position in the call's replay buffer; forgotten when the attempt is done
/// with it.
struct Cursor {
    replay: Arc<Replay>,
    id: u32,
    done: bool,
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.replay.forget(self.id);
    }
}

/// Attempt `id`'s request messages from the call's replay buffer; an error (which cancels
/// the request) if the application's stream failed or another attempt won the call.
fn replay_messages(replay: Arc<Replay>, id: u32) -> ByteStream {
    let cursor = Cursor {
        replay,
        id,
        done: false,
    };
    Box::pin(crate::unfold(cursor, |mut c| async move {
        if c.done {
            return None;
        }
        match c.replay.next(c.id).await {
            Next::Message(m) => Some((Ok(m), c)),
            Next::End => None,
            Next::Failed | Next::Evicted => {
                c.done = true;
                Some((Err(Status::new(Code::CANCELLED, "request stream ended")), c))
            }
        }
    }))
}
