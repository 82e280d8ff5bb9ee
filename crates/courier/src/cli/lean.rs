//! `courier bench`'s default engine: gRPC calls straight on courier-h2 connections, with
//! courier-rpc's framing and status rules, and nothing else per call.
//!
//! A load generator calls one method over fixed connections again and again, so what a
//! [`Channel`](courier_rpc::Channel) does for every call — pick a connection through the
//! load-balancing policy, plan retries, keep a replay buffer, build the headers and the
//! metadata maps, decode the response — is work the server under test does not see. Here the
//! request header block is built and checked once (the `grpc-timeout` of a deadline included,
//! so that HPACK indexes it), the request messages are framed once, and a call is one
//! [`Client::start_prepared`] with both; the response is read for its status (and
//! its messages counted, not decoded). `--engine channel` makes each call through a
//! `Channel` instead, to measure the Channel itself.
//!
//! The status rules are PROTOCOL-HTTP2's, with courier-rpc's helpers: a response whose
//! `:status` is not 200 maps through [`code_from_http_status`]; the status is the
//! `grpc-status` of the trailers (or of a Trailers-Only response), `grpc-message`
//! percent-decoded; a reset stream maps through [`code_from_reset`]; a lost connection is
//! UNAVAILABLE.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use courier_h2::RequestHead;
use courier_h2::driver::{Client, Error as H2Error};
use courier_hpack::HeaderField;
use courier_rpc::codec::{Encoding, encode_message};
use courier_rpc::protocol::{
    base64_encode, code_from_http_status, code_from_reset, encode_timeout, percent_decode,
};
use courier_rpc::{Code, Connector as _, Metadata, Status};

use super::conn::{ConnArgs, Target};
use super::error::{CliError, Result};

/// One call, ready to send again and again.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    head: RequestHead,
    body: Bytes,
    deadline: Option<Duration>,
    max_message: usize,
}

impl Call {
    /// The call of `path` with `messages` (each framed; all sent at once, then the end of
    /// the request), `metadata` and an optional deadline, to `authority` over `scheme`.
    pub(crate) fn new(
        path: &str,
        messages: &[Bytes],
        metadata: &Metadata,
        deadline: Option<Duration>,
        authority: &str,
        scheme: &'static str,
        max_message: usize,
    ) -> Result<Call> {
        // The head is built and checked once and shared by every call
        // (`Client::start_prepared`): the strings made here are not copied per call.
        // PROTOCOL-HTTP2, Requests: "HTTP2 requires that reserved headers, ones starting
        // with ":" appear before all other headers. Additionally implementations should send
        // Timeout immediately after the reserved headers and they should send the
        // Call-Definition headers before sending Custom-Metadata."
        // <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
        let mut h = vec![
            HeaderField::new(":method", "POST"),
            HeaderField::new(":scheme", scheme),
            HeaderField::new(":path", Bytes::from(path.to_owned())),
            HeaderField::new(":authority", Bytes::from(authority.to_owned())),
        ];
        if let Some(d) = deadline {
            h.push(HeaderField::new(
                "grpc-timeout",
                Bytes::from(encode_timeout(d)),
            ));
        }
        h.push(HeaderField::new("te", "trailers"));
        h.push(HeaderField::new("content-type", "application/grpc"));
        h.push(HeaderField::new("grpc-accept-encoding", Encoding::ACCEPT));
        h.push(HeaderField::new(
            "user-agent",
            concat!("courier-cli/", env!("CARGO_PKG_VERSION")),
        ));
        for (k, v) in metadata.iter() {
            // PROTOCOL-HTTP2: "Binary-Header → {Header-Name "-bin" } {base64 encoded
            // value}".
            let value = if k.ends_with("-bin") {
                Bytes::from(base64_encode(v))
            } else {
                Bytes::from(String::from_utf8_lossy(v).into_owned())
            };
            h.push(HeaderField::new(Bytes::from(k.to_owned()), value));
        }
        let mut body = BytesMut::new();
        for m in messages {
            encode_message(m, Encoding::Identity, usize::MAX, usize::MAX, &mut body)
                .map_err(|s| CliError::new(format!("framing the request: {}", s.message())))?;
        }
        // Checked once here, not for each call (`Client::start_prepared`).
        let head =
            RequestHead::new(h).map_err(|e| CliError::new(format!("the request headers: {e}")))?;
        Ok(Call {
            head,
            body: body.freeze(),
            deadline,
            max_message,
        })
    }

    /// Makes the call on `client`: its status (`None` for OK) and the number of response
    /// messages.
    pub(crate) async fn run(&self, client: &Client) -> (Option<Status>, u64) {
        match self.deadline {
            None => self.exchange(client).await,
            Some(d) => match tokio::time::timeout(d, self.exchange(client)).await {
                Ok(r) => r,
                // Dropping the exchange drops its stream, which resets it (CANCEL).
                Err(_) => (
                    Some(Status::new(Code::DEADLINE_EXCEEDED, "deadline exceeded")),
                    0,
                ),
            },
        }
    }

    async fn exchange(&self, client: &Client) -> (Option<Status>, u64) {
        let (_send, mut recv) = match client.start_prepared(&self.head, self.body.clone(), true) {
            Ok(halves) => halves,
            Err(e) => return (Some(h2_status(&e)), 0),
        };
        let (head, end) = match recv.response().await {
            Ok(r) => r,
            Err(e) => return (Some(h2_status(&e)), 0),
        };
        // PROTOCOL-HTTP2, Responses: a `:status` other than 200 is an HTTP error, mapped
        // to a gRPC code (http-grpc-status-mapping.md) unless grpc-status is given.
        let http = head.pseudo.status.unwrap_or(0);
        if end {
            // Trailers-Only: the status is in this header block.
            return (status_of(&head.fields, http), 0);
        }
        let mut counter = MessageCounter::new(self.max_message);
        while let Some(chunk) = recv.data().await {
            match chunk {
                Ok(b) => {
                    if let Err(s) = counter.push(&b) {
                        return (Some(s), counter.messages);
                    }
                }
                Err(e) => return (Some(h2_status(&e)), counter.messages),
            }
        }
        let messages = counter.messages;
        if !counter.at_boundary() {
            return (
                Some(Status::internal("the response ended inside a message")),
                messages,
            );
        }
        match recv.trailers() {
            Some(t) => (status_of(&t, http), messages),
            // PROTOCOL-HTTP2: a response must end with trailers carrying the status.
            None => (
                Some(Status::internal("the response ended without a status")),
                messages,
            ),
        }
    }
}

/// Counts the Length-Prefixed-Messages of a response as its DATA arrives, without keeping
/// them: the 5-byte prefix of each (Compressed-Flag, Message-Length), then its bytes skipped.
/// PROTOCOL-HTTP2: "Length-Prefixed-Message → Compressed-Flag Message-Length Message".
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses>
#[derive(Debug)]
struct MessageCounter {
    /// Prefix bytes of the current message seen so far (0 to 5).
    prefix: [u8; 5],
    have: usize,
    /// Message bytes still to skip.
    skip: usize,
    max: usize,
    messages: u64,
}

impl MessageCounter {
    fn new(max: usize) -> MessageCounter {
        MessageCounter {
            prefix: [0; 5],
            have: 0,
            skip: 0,
            max,
            messages: 0,
        }
    }

    fn push(&mut self, mut data: &[u8]) -> std::result::Result<(), Status> {
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            let n = (5 - self.have).min(data.len());
            self.prefix[self.have..self.have + n].copy_from_slice(&data[..n]);
            self.have += n;
            data = &data[n..];
            if self.have < 5 {
                break;
            }
            // PROTOCOL-HTTP2: "Compressed-Flag → 0 / 1".
            if self.prefix[0] > 1 {
                return Err(Status::internal(format!(
                    "invalid message compressed flag {}",
                    self.prefix[0]
                )));
            }
            let len = u32::from_be_bytes([
                self.prefix[1],
                self.prefix[2],
                self.prefix[3],
                self.prefix[4],
            ]) as usize;
            if len > self.max {
                return Err(Status::new(
                    Code::RESOURCE_EXHAUSTED,
                    format!(
                        "a response message of {len} bytes, larger than the limit of {}",
                        self.max
                    ),
                ));
            }
            self.messages += 1;
            self.have = 0;
            self.skip = len;
        }
        Ok(())
    }

    /// Whether the messages so far are complete (a response may end here).
    fn at_boundary(&self) -> bool {
        self.have == 0 && self.skip == 0
    }
}

/// The status a header block says: `grpc-status` (and `grpc-message`), else the HTTP
/// status's mapping; `None` for OK.
fn status_of(fields: &[HeaderField], http: u16) -> Option<Status> {
    let get = |name: &[u8]| {
        fields
            .iter()
            .find(|f| f.name().as_ref() == name)
            .map(|f| f.value())
    };
    let code = match get(b"grpc-status") {
        Some(v) => std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.parse::<i32>().ok())
            .map_or(Code::UNKNOWN, Code),
        None if http != 200 => code_from_http_status(http),
        None => Code::UNKNOWN,
    };
    if code == Code::OK {
        return None;
    }
    let message = get(b"grpc-message").map_or_else(
        || {
            if http == 200 {
                String::new()
            } else {
                format!("HTTP status {http}")
            }
        },
        |m| percent_decode(m),
    );
    Some(Status::new(code, message))
}

/// The status of a call whose stream or connection failed.
fn h2_status(e: &H2Error) -> Status {
    match e {
        H2Error::Reset { reason, .. } => Status::new(code_from_reset(*reason), e.to_string()),
        _ => Status::new(Code::UNAVAILABLE, e.to_string()),
    }
}

/// A connection's driver future (courier-h2's), for the caller to poll in the task of its
/// choice.
pub(crate) type Driver =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::result::Result<(), H2Error>> + Send>>;

/// Connects to `target` as the flags say (TCP or a Unix socket, TLS if asked) and starts
/// an HTTP/2 connection on it, checked with a PING; the client, the connection's driver (not
/// spawned: the caller polls it, in the task of the connection's calls), and the request's
/// `:authority` and `:scheme`.
pub(crate) async fn connect(
    conn: &ConnArgs,
    target: &Target,
) -> Result<(Client, Driver, String, &'static str)> {
    let (connector, authority, scheme) = conn.connector(target)?;
    let failed = |e: std::io::Error| {
        let s = Status::new(Code::UNAVAILABLE, e.to_string());
        let mut err = CliError::status("connecting", &s);
        if let Some(h) = super::conn::connection_hint(&s, conn, target) {
            err = err.hint(h);
        }
        err
    };
    let io = match &target.unix {
        Some(path) => connector
            .connect_unix(path, &authority)
            .await
            .map_err(failed)?,
        None => {
            let host_port = target
                .channel_target
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            let addrs = tokio::net::lookup_host(host_port).await.map_err(failed)?;
            let mut last = std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{host_port} resolves to no address"),
            );
            let mut io = None;
            for a in addrs {
                match connector.connect(a, &authority).await {
                    Ok(c) => {
                        io = Some(c);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            io.ok_or_else(|| failed(last))?
        }
    };
    let (client, driver) = courier_h2::driver::client(io, courier_h2::Config::default());
    let mut driver: Driver = Box::pin(driver);
    let broken = |e: String| {
        failed(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            format!("the HTTP/2 connection failed: {e}"),
        ))
    };
    tokio::select! {
        r = client.ping() => { r.map_err(|e| broken(e.to_string()))?; }
        r = &mut driver => {
            return Err(broken(match r {
                Ok(()) => "the server closed it".to_owned(),
                Err(e) => e.to_string(),
            }));
        }
    }
    Ok((client, driver, authority, scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_from_header_blocks() {
        let f = |pairs: &[(&str, &str)]| -> Vec<HeaderField> {
            pairs
                .iter()
                .map(|(k, v)| HeaderField::new(k.to_string(), v.to_string()))
                .collect()
        };
        assert!(status_of(&f(&[("grpc-status", "0")]), 200).is_none());
        let s = status_of(
            &f(&[("grpc-status", "5"), ("grpc-message", "no%20such")]),
            200,
        )
        .unwrap();
        assert_eq!((s.code(), s.message()), (Code::NOT_FOUND, "no such"));
        assert_eq!(status_of(&f(&[]), 200).unwrap().code(), Code::UNKNOWN);
        assert_eq!(status_of(&f(&[]), 503).unwrap().code(), Code::UNAVAILABLE);
        assert_eq!(
            status_of(&f(&[("grpc-status", "x")]), 200).unwrap().code(),
            Code::UNKNOWN
        );
    }

    #[test]
    fn request_headers_come_in_protocol_order() {
        let mut md = Metadata::new();
        md.append("x-trace-bin", Bytes::from_static(&[0, 1, 2]))
            .unwrap();
        md.append("x-user", "ada").unwrap();
        let c = Call::new(
            "/p.S/M",
            &[Bytes::from_static(b"\x08\x01")],
            &md,
            Some(Duration::from_millis(250)),
            "h:1",
            "http",
            1 << 20,
        )
        .unwrap();
        let names: Vec<&[u8]> = c.head.fields().iter().map(|h| h.name().as_ref()).collect();
        assert_eq!(
            names,
            [
                &b":method"[..],
                b":scheme",
                b":path",
                b":authority",
                b"grpc-timeout",
                b"te",
                b"content-type",
                b"grpc-accept-encoding",
                b"user-agent",
                b"x-trace-bin",
                b"x-user"
            ]
        );
        assert_eq!(c.head.fields()[9].value().as_ref(), b"AAEC");
        assert_eq!(c.body.as_ref(), b"\x00\x00\x00\x00\x02\x08\x01");
    }

    #[test]
    fn messages_are_counted_across_any_split() {
        let mut body = Vec::new();
        for m in [&b"abc"[..], b"", b"0123456789"] {
            body.push(0);
            body.extend_from_slice(&(m.len() as u32).to_be_bytes());
            body.extend_from_slice(m);
        }
        for chunk in 1..=body.len() {
            let mut c = MessageCounter::new(100);
            for piece in body.chunks(chunk) {
                c.push(piece).unwrap();
            }
            assert_eq!(c.messages, 3, "chunks of {chunk}");
            assert!(c.at_boundary());
        }
        let mut c = MessageCounter::new(100);
        c.push(&body[..7]).unwrap();
        assert!(!c.at_boundary());
        assert!(MessageCounter::new(100).push(&[2, 0, 0, 0, 0]).is_err());
        assert_eq!(
            MessageCounter::new(4)
                .push(&[0, 0, 0, 0, 5])
                .unwrap_err()
                .code(),
            Code::RESOURCE_EXHAUSTED
        );
    }
}
