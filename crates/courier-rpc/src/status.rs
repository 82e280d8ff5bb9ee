//! [`Status`]: the outcome of a call that did not succeed.

use std::fmt;

use bytes::Bytes;
use courier_wire::DecodeError;

use crate::code::Code;
use crate::metadata::Metadata;

/// A gRPC status: a [`Code`], a message for developers, optional binary details
/// (`grpc-status-details-bin`) and the trailing metadata that came with it.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Status {
    code: Code,
    message: String,
    details: Bytes,
    metadata: Metadata,
}

impl Status {
    /// A status with `code` and `message`.
    #[cold]
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status {
            code,
            message: message.into(),
            details: Bytes::new(),
            metadata: Metadata::new(),
        }
    }

    /// `OK`: how a call that succeeded ends (not cold: every successful call builds one).
    pub(crate) fn ok() -> Status {
        Status {
            code: Code::OK,
            message: String::new(),
            details: Bytes::new(),
            metadata: Metadata::new(),
        }
    }

    /// `INTERNAL` with `message`.
    #[cold]
    pub fn internal(message: impl Into<String>) -> Status {
        Status::new(Code::INTERNAL, message)
    }

    /// `UNIMPLEMENTED` with `message`.
    #[cold]
    pub fn unimplemented(message: impl Into<String>) -> Status {
        Status::new(Code::UNIMPLEMENTED, message)
    }

    /// A message that failed to decode: `INTERNAL`, as gRPC reports a message it cannot
    /// parse ("Error parsing ... proto").
    #[cold]
    pub fn from_decode_error(what: &str, error: &DecodeError) -> Status {
        Status::internal(format!("error decoding {what}: {error}"))
    }

    /// This status with `details` packed into a `google.rpc.Status` (code and message copied
    /// from this status) and sent as `grpc-status-details-bin`.
    pub fn with_rpc_details(self, details: Vec<courier_types::Any>) -> Status {
        let rpc = crate::rpc_status::Status {
            code: self.code.0,
            message: self.message.clone(),
            details,
            ..Default::default()
        };
        let bytes = courier_wire::Message::encode_to_bytes(&rpc);
        self.with_details(bytes)
    }

    /// The `google.rpc.Status` in the binary details, when they hold one that decodes.
    pub fn rpc_status(&self) -> Option<crate::rpc_status::Status> {
        if self.details.is_empty() {
            return None;
        }
        <crate::rpc_status::Status as courier_wire::Message>::decode_bytes(self.details.clone())
            .ok()
    }

    /// This status with binary `details`.
    pub fn with_details(mut self, details: Bytes) -> Status {
        self.details = details;
        self
    }

    /// This status with trailing `metadata`.
    pub fn with_metadata(mut self, metadata: Metadata) -> Status {
        self.metadata = metadata;
        self
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The binary details (empty when none).
    pub fn details(&self) -> &Bytes {
        &self.details
    }

    /// The trailing metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The trailing metadata, to add entries.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// The trailing metadata, dropping the rest.
    pub fn into_metadata(self) -> Metadata {
        self.metadata
    }

    /// `OK` carrying trailing `metadata`: how a transport ends a [`ByteStream`](crate::ByteStream)
    /// that has trailers.
    pub fn ok_with_trailers(metadata: Metadata) -> Status {
        Status::ok().with_metadata(metadata)
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Status")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("details", &self.details.len())
            .field("metadata", &self.metadata)
            .finish()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_accessors() {
        let s =
            Status::new(Code::NOT_FOUND, "no such thing").with_details(Bytes::from_static(b"d"));
        assert_eq!(s.to_string(), "NOT_FOUND: no such thing");
        assert_eq!(s.code(), Code::NOT_FOUND);
        assert_eq!(&s.details()[..], b"d");
        assert_eq!(Status::new(Code(42), "").to_string(), "Code(42)");
    }

    #[test]
    fn rpc_status_details_round_trip() {
        let any = courier_types::Any {
            type_url: "type.googleapis.com/google.protobuf.StringValue".into(),
            value: bytes::Bytes::from_static(b"\x0a\x02hi"),
            ..Default::default()
        };
        let s = Status::new(Code::INVALID_ARGUMENT, "bad").with_rpc_details(vec![any.clone()]);
        let rpc = s.rpc_status().unwrap();
        assert_eq!(rpc.code, 3);
        assert_eq!(rpc.message, "bad");
        assert_eq!(rpc.details, vec![any]);
        assert!(Status::new(Code::INTERNAL, "").rpc_status().is_none());
    }
}
