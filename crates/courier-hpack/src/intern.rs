//! Well-known names and values as `'static` bytes, so decoded fields that carry them need no
//! copy and no reference count: every name of the static table, the gRPC names, the gRPC-Web and
//! Connect names and content types, and the values that gRPC calls repeat.

use crate::tables::{STATIC_TABLE, static_name_range};

/// `name` as `'static` bytes, if it is a well-known name.
#[inline]
pub(crate) fn name(name: &[u8]) -> Option<&'static [u8]> {
    if let Some((first, _)) = static_name_range(name) {
        return Some(STATIC_TABLE[usize::from(first) - 1].0.as_bytes());
    }
    let s: &'static str = match name {
        b"te" => "te",
        b"grpc-timeout" => "grpc-timeout",
        b"grpc-encoding" => "grpc-encoding",
        b"grpc-accept-encoding" => "grpc-accept-encoding",
        b"grpc-status" => "grpc-status",
        b"grpc-message" => "grpc-message",
        b"grpc-status-details-bin" => "grpc-status-details-bin",
        b"grpc-previous-rpc-attempts" => "grpc-previous-rpc-attempts",
        b"grpc-retry-pushback-ms" => "grpc-retry-pushback-ms",
        b"x-grpc-web" => "x-grpc-web",
        b"x-user-agent" => "x-user-agent",
        b"connect-protocol-version" => "connect-protocol-version",
        b"connect-timeout-ms" => "connect-timeout-ms",
        _ => return None,
    };
    Some(s.as_bytes())
}

/// `value` as `'static` bytes, if it is a well-known value.
#[inline]
pub(crate) fn value(value: &[u8]) -> Option<&'static [u8]> {
    let s: &'static str = match value {
        b"" => "",
        b"GET" => "GET",
        b"POST" => "POST",
        b"http" => "http",
        b"https" => "https",
        b"/" => "/",
        b"200" => "200",
        b"0" => "0",
        b"application/grpc" => "application/grpc",
        b"application/grpc+proto" => "application/grpc+proto",
        b"trailers" => "trailers",
        b"identity" => "identity",
        b"gzip" => "gzip",
        b"deflate" => "deflate",
        b"identity,deflate,gzip" => "identity,deflate,gzip",
        // Courier's own `grpc-accept-encoding`.
        b"gzip,identity" => "gzip,identity",
        b"1" => "1",
        b"application/grpc-web" => "application/grpc-web",
        b"application/grpc-web+proto" => "application/grpc-web+proto",
        b"application/grpc-web-text" => "application/grpc-web-text",
        b"application/proto" => "application/proto",
        b"application/json" => "application/json",
        b"application/connect+proto" => "application/connect+proto",
        _ => return None,
    };
    Some(s.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn interned_bytes_are_equal() {
        for n in [&b":path"[..], b"www-authenticate", b"te", b"grpc-status"] {
            assert_eq!(super::name(n), Some(n));
        }
        assert_eq!(super::name(b"x-custom"), None);
        for v in [&b""[..], b"POST", b"application/grpc", b"trailers", b"1"] {
            assert_eq!(super::value(v), Some(v));
        }
        assert_eq!(super::value(b"1S"), None);
    }
}
