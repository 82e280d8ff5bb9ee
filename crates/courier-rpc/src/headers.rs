//! Header sections of gRPC calls: metadata to and from HTTP/2 fields, status trailers.

use bytes::Bytes;
use courier_hpack::HeaderField;

use crate::code::Code;
use crate::metadata::Metadata;
use crate::protocol::{base64_decode, base64_encode, percent_decode, percent_encode};
use crate::status::Status;

/// Header names the runtime writes and reads itself: never copied to or from metadata.
fn reserved(name: &[u8]) -> bool {
    matches!(
        name,
        b"content-type"
            | b"te"
            | b"content-length"
            | b"grpc-timeout"
            | b"grpc-encoding"
            | b"grpc-accept-encoding"
            | b"grpc-status"
            | b"grpc-message"
            | b"grpc-status-details-bin"
            | b"connection"
            | b"transfer-encoding"
            | b"keep-alive"
            | b"upgrade"
            | b"proxy-connection"
    ) || name.starts_with(b":")
}

/// Appends `metadata` as header fields: `-bin` values base64-encoded without padding.
pub(crate) fn push_metadata(metadata: &Metadata, out: &mut Vec<HeaderField>) {
    for (k, v) in metadata.iter() {
        if reserved(k.as_bytes()) {
            continue;
        }
        if k.ends_with("-bin") {
            // PROTOCOL-HTTP2, Requests: "Implementations MUST accept padded and un-padded
            // values and should emit un-padded values."
            out.push(HeaderField::new(
                Bytes::copy_from_slice(k.as_bytes()),
                base64_encode(v),
            ));
        } else {
            out.push(HeaderField::new(
                Bytes::copy_from_slice(k.as_bytes()),
                v.clone(),
            ));
        }
    }
}

/// The metadata in received header fields (reserved ones skipped; `-bin` values decoded, a
/// value that is not base64 is dropped).
pub(crate) fn metadata_from(fields: &[HeaderField]) -> Metadata {
    metadata_from_filtered(fields, |_| false)
}

/// [`metadata_from`], also skipping the fields whose name `skip` says.
#[inline]
pub(crate) fn metadata_from_filtered(fields: &[HeaderField], skip: fn(&[u8]) -> bool) -> Metadata {
    let mut m = Metadata::new();
    for f in fields {
        let name = f.name();
        if reserved(name) || skip(name) {
            continue;
        }
        let Ok(key) = std::str::from_utf8(name) else {
            continue;
        };
        if key.ends_with("-bin") {
            // A binary header may carry several base64 values joined with commas.
            for part in f.value().split(|&b| b == b',') {
                let part = part.trim_ascii();
                if let Some(v) = base64_decode(part) {
                    m.push_unchecked(key.to_owned(), Bytes::from(v));
                }
            }
        } else if m.append(key.to_owned(), f.value().clone()).is_err() {
            // Not valid gRPC metadata (say, an upper-case name from a proxy): skipped.
            continue;
        }
    }
    m
}

/// The first value of header `name`.
pub(crate) fn find<'a>(fields: &'a [HeaderField], name: &[u8]) -> Option<&'a Bytes> {
    fields.iter().find(|f| f.name() == name).map(|f| f.value())
}

/// The status in a trailer (or Trailers-Only) section; `None` without `grpc-status`.
pub(crate) fn status_from(fields: &[HeaderField]) -> Option<Status> {
    let raw = find(fields, b"grpc-status")?;
    let code = std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<i32>().ok())
        // An unparsable grpc-status is itself an error the client reports as UNKNOWN.
        .unwrap_or(Code::UNKNOWN.0);
    let message = find(fields, b"grpc-message")
        .map(|m| percent_decode(m))
        .unwrap_or_default();
    let mut status = Status::new(Code(code), message).with_metadata(metadata_from(fields));
    if let Some(d) = find(fields, b"grpc-status-details-bin").and_then(|d| base64_decode(d)) {
        status = status.with_details(Bytes::from(d));
    }
    Some(status)
}

/// Appends the status fields (`grpc-status`, `grpc-message`, `grpc-status-details-bin`) and
/// the status's trailing metadata (then `extra`).
pub(crate) fn push_status(status: &Status, extra: Option<&Metadata>, out: &mut Vec<HeaderField>) {
    out.push(HeaderField::new(
        "grpc-status",
        status_code_value(status.code()),
    ));
    if !status.message().is_empty() {
        out.push(HeaderField::new(
            "grpc-message",
            percent_encode(status.message()),
        ));
    }
    if !status.details().is_empty() {
        out.push(HeaderField::new(
            "grpc-status-details-bin",
            base64_encode(status.details()),
        ));
    }
    push_metadata(status.metadata(), out);
    if let Some(m) = extra {
        push_metadata(m, out);
    }
}

fn status_code_value(code: Code) -> Bytes {
    const SMALL: [&str; 17] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    ];
    match usize::try_from(code.0).ok().and_then(|i| SMALL.get(i)) {
        Some(s) => Bytes::from_static(s.as_bytes()),
        None => Bytes::from(code.0.to_string()),
    }
}

/// Whether a `content-type` is gRPC's.
///
/// PROTOCOL-HTTP2, Requests: "If Content-Type does not begin with "application/grpc", gRPC
/// servers SHOULD respond with HTTP status of 415 (Unsupported Media Type)."
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
pub(crate) fn is_grpc_content_type(v: &[u8]) -> bool {
    match v.strip_prefix(b"application/grpc") {
        Some(rest) => rest.is_empty() || rest[0] == b'+' || rest[0] == b';',
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trip_through_fields() {
        let mut m = Metadata::new();
        m.append("x-a", "1").unwrap();
        m.append("x-b-bin", Bytes::from_static(&[0, 1, 2, 255]))
            .unwrap();
        let mut fields = vec![HeaderField::new("content-type", "application/grpc")];
        push_metadata(&m, &mut fields);
        assert_eq!(fields[2].value(), "AAEC/w");
        assert_eq!(metadata_from(&fields), m);
        // Padded, and two values in one field.
        let f = [HeaderField::new("x-b-bin", "AAEC/w==, YQ")];
        let got = metadata_from(&f);
        assert_eq!(
            got.get_all("x-b-bin").collect::<Vec<_>>(),
            [
                &Bytes::from_static(&[0, 1, 2, 255]),
                &Bytes::from_static(b"a")
            ]
        );
    }

    #[test]
    fn status_round_trip_through_trailers() {
        let mut md = Metadata::new();
        md.append("x-t", "v").unwrap();
        let s = Status::new(Code::NOT_FOUND, "no ✓ 100%")
            .with_details(Bytes::from_static(b"\x08\x05"))
            .with_metadata(md);
        let mut out = Vec::new();
        push_status(&s, None, &mut out);
        assert_eq!(out[0].value(), "5");
        assert_eq!(out[1].value(), "no %E2%9C%93 100%25");
        let back = status_from(&out).unwrap();
        assert_eq!(back.code(), Code::NOT_FOUND);
        assert_eq!(back.message(), "no ✓ 100%");
        assert_eq!(&back.details()[..], b"\x08\x05");
        assert_eq!(back.metadata().get("x-t").unwrap(), "v");
        assert!(status_from(&[]).is_none());
        let odd = status_from(&[HeaderField::new("grpc-status", "x")]).unwrap();
        assert_eq!(odd.code(), Code::UNKNOWN);
    }

    #[test]
    fn content_types() {
        assert!(is_grpc_content_type(b"application/grpc"));
        assert!(is_grpc_content_type(b"application/grpc+proto"));
        assert!(!is_grpc_content_type(b"application/grpcx"));
        assert!(!is_grpc_content_type(b"application/json"));
    }
}
