//! gRPC-Web's trailer block: the call's status and trailing metadata, sent as the last
//! message of the response body.
//!
//! gRPC PROTOCOL-WEB, Message framing: "Response status encoded as part of the response body.
//! Key-value pairs encoded as a HTTP/1 headers block (without the terminating newline)";
//! "trailers encoded in the last length-prefixed message must always use lower-case names".
//! <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md#protocol-differences-vs-grpc-over-http2>

use bytes::{BufMut, Bytes, BytesMut};
use courier_hpack::HeaderField;

use crate::headers::push_status;
use crate::metadata::Metadata;
use crate::status::Status;

/// The trailer block of a call that ended with `status` and `trailers`: `name: value\r\n` per
/// field (`grpc-status`, `grpc-message`, `grpc-status-details-bin`, then the metadata).
pub(crate) fn trailer_block(status: &Status, trailers: Option<&Metadata>) -> BytesMut {
    let mut fields = Vec::with_capacity(2 + trailers.map_or(0, Metadata::len));
    push_status(status, trailers, &mut fields);
    let mut out = BytesMut::with_capacity(
        fields
            .iter()
            .map(|f| f.name().len() + f.value().len() + 4)
            .sum(),
    );
    for f in &fields {
        out.put_slice(f.name());
        out.put_slice(b": ");
        out.put_slice(f.value());
        out.put_slice(b"\r\n");
    }
    out
}

/// Parses a trailer block into fields (names lowercased, optional whitespace trimmed). Lines may
/// end with CRLF or LF; the last may have no line end.
pub fn parse_trailer_block(block: &[u8]) -> Result<Vec<HeaderField>, Status> {
    let mut out = Vec::new();
    for line in block.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(Status::internal("malformed gRPC-Web trailer line"));
        };
        let name = line[..colon].to_ascii_lowercase();
        if name.is_empty() || name.iter().any(|&b| b <= b' ' || b >= 0x7f) {
            return Err(Status::internal("malformed gRPC-Web trailer name"));
        }
        let value = line[colon + 1..].trim_ascii();
        out.push(HeaderField::new(
            Bytes::from(name),
            Bytes::copy_from_slice(value),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::headers::status_from;

    #[test]
    fn trailer_block_known_answer_and_back() {
        let mut md = Metadata::new();
        md.append("x-cost", "7").unwrap();
        let s = Status::new(Code::NOT_FOUND, "no ✓");
        let block = trailer_block(&s, Some(&md));
        assert_eq!(
            &block[..],
            b"grpc-status: 5\r\ngrpc-message: no %E2%9C%93\r\nx-cost: 7\r\n"
        );
        let fields = parse_trailer_block(&block).unwrap();
        let back = status_from(&fields).unwrap();
        assert_eq!(back.code(), Code::NOT_FOUND);
        assert_eq!(back.message(), "no ✓");
        assert_eq!(back.metadata().get("x-cost").unwrap(), "7");
        // Mixed case, LF line ends, no final line end (other servers' forms).
        let f = parse_trailer_block(b"Grpc-Status:0\nGrpc-Message:  ok ").unwrap();
        assert_eq!(f[0].name(), "grpc-status");
        assert_eq!(f[0].value(), "0");
        assert_eq!(f[1].value(), "ok");
        assert!(parse_trailer_block(b"no colon\r\n").is_err());
        assert!(parse_trailer_block(b": v\r\n").is_err());
        assert!(parse_trailer_block(b"").unwrap().is_empty());
    }
}
