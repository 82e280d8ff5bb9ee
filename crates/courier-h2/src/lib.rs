//! HTTP/2 (RFC 9113) for Courier: a frame codec and a sans-IO connection state machine.
//!
//! What it does:
//! - [`frame`]: encodes and decodes all ten frame types of RFC 9113 §6 (and carries unknown
//!   types), enforcing frame sizes, stream-identifier rules, padding and setting ranges.
//! - Wire codes ([`FrameType`], [`SettingId`], [`Reason`]) are open newtypes generated from one
//!   table each, so unknown values round-trip.
//!
//! What it does not do: it never touches a socket or a clock. The connection state machine is
//! driven by the caller (bytes in, bytes out, a timer the caller keeps); a tokio driver sits on
//! top of it. Header compression lives in `courier-hpack`.
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
pub mod frame;

pub use codes::{FrameType, Reason, SettingId};
pub use connection::{
    CommandError, CommandErrorKind, Config, Connection, ConnectionError, Event, FieldSection,
    PREFACE, Pseudo, Role,
};
pub use frame::StreamId;
