//! HTTP/2 (RFC 9113) for Courier: a frame codec and a sans-IO connection state machine.
//!
//! What it does:
//! - [`frame`]: encodes and decodes all ten frame types of RFC 9113 §6 (and carries unknown
//!   types), enforcing frame sizes, stream-identifier rules, padding and setting ranges.
//! - [`Connection`]: one endpoint of an HTTP/2 connection, client or server — preface and
//!   SETTINGS exchange (with an acknowledgment timeout), stream states (§5.1), stream-id rules,
//!   concurrency limits, field blocks across CONTINUATION (HPACK via `courier-hpack`), message
//!   validation (§8.1–§8.3), trailers, flow control on both windows with WINDOW_UPDATEs driven
//!   by what the application consumed, PING, GOAWAY (graceful two-step drain), RST_STREAM,
//!   server push, and bounds against the known HTTP/2 attacks (see [`Config`]).
//! - Keepalive PINGs ([`Config::keepalive_interval`]: sent after a quiet interval, the
//!   connection closed when unacknowledged) and gRPC's ping-strike policy ([`PingPolicy`]:
//!   GOAWAY ENHANCE_YOUR_CALM `too_many_pings` for a peer that pings too often).
//! - SETTINGS changes mid-connection ([`Connection::update_settings`]), each value applied once
//!   the peer acknowledges it (RFC 9113 §6.5.3).
//! - Wire codes ([`FrameType`], [`SettingId`], [`Reason`]) are open newtypes generated from one
//!   table each, so unknown values round-trip.
//!
//! What it does not do: it never touches a socket or a clock. [`Connection`] is driven by the
//! caller — bytes in ([`Connection::handle_received`]), bytes out
//! ([`Connection::poll_transmit`]), events ([`Connection::poll_event`]) and a deadline the caller
//! keeps ([`Connection::poll_timeout`]). PRIORITY signals are parsed and ignored (§5.3.2). The
//! [`driver`] module (feature `tokio`, on by default) runs a connection over any tokio
//! `AsyncRead + AsyncWrite`, optionally busy-polling it for a while after its last activity
//! ([`Config::busy_poll`]) for lower latency where idle cores are slow to wake, with server
//! push both ways (`driver::SendStream::push`, `driver::client_with_push`; the
//! `h2_push_server` example).
//!
//! ```
//! use bytes::BytesMut;
//! use courier_h2::frame::{Frame, FrameDecoder, FrameEncoder, Ping};
//!
//! let mut wire = BytesMut::new();
//! let ping = Frame::Ping(Ping { ack: false, payload: *b"12345678" });
//! FrameEncoder::new().encode(&ping, &mut wire).unwrap();
//! assert_eq!(wire.len(), 9 + 8);
//!
//! let decoded = FrameDecoder::new().decode(&mut wire).unwrap();
//! assert_eq!(decoded, Some(ping));
//! assert!(wire.is_empty());
//! ```

mod codes;
mod connection;
#[cfg(feature = "tokio")]
pub mod driver;
pub mod frame;
mod idmap;

pub use codes::{FrameType, Reason, SettingId};
pub use connection::{
    CommandError, CommandErrorKind, Config, Connection, ConnectionError, Event, FieldSection,
    PREFACE, PingPolicy, Pseudo, RequestHead, Role, Stats,
};
pub use frame::StreamId;
