//! Reading header fields in tests that look at what went over the wire.

use courier_hpack::HeaderField;

/// The value of the first field named `name` in `fields`.
pub(crate) fn field<'a>(fields: &'a [HeaderField], name: &str) -> Option<&'a [u8]> {
    fields
        .iter()
        .find(|f| &f.name()[..] == name.as_bytes())
        .map(|f| &f.value()[..])
}

/// A gRPC request's header section for `path` (`/package.Service/Method`), as a client sends
/// it over HTTP/2.
pub(crate) fn grpc_request(path: &str) -> Vec<HeaderField> {
    vec![
        HeaderField::new(":method", "POST"),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":path", path.to_owned()),
        HeaderField::new(":authority", "localhost"),
        HeaderField::new("te", "trailers"),
        HeaderField::new("content-type", "application/grpc"),
    ]
}
