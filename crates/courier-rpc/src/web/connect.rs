//! The Connect protocol's pieces that are not framing: error codes and their HTTP statuses,
//! the JSON `Error` and `EndStreamResponse`, `connect-timeout-ms`, and the query of a unary
//! GET request.
//!
//! Spec: <https://connectrpc.com/docs/protocol/> (a copy is in the project's shared specs).

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use crate::code::Code;
use crate::metadata::Metadata;
use crate::protocol::{base64_decode, base64_encode};
use crate::status::Status;

/// Every Connect error code with its gRPC code and HTTP status, from the spec's table.
///
/// Connect, Error Codes: "Connect represents categories of errors as codes, and each code maps
/// to a specific HTTP status code. [...] Only the codes below are valid — there are no
/// user-defined codes." <https://connectrpc.com/docs/protocol/#error-codes>
const CODES: [(&str, Code, u16); 16] = [
    ("canceled", Code::CANCELLED, 499),
    ("unknown", Code::UNKNOWN, 500),
    ("invalid_argument", Code::INVALID_ARGUMENT, 400),
    ("deadline_exceeded", Code::DEADLINE_EXCEEDED, 504),
    ("not_found", Code::NOT_FOUND, 404),
    ("already_exists", Code::ALREADY_EXISTS, 409),
    ("permission_denied", Code::PERMISSION_DENIED, 403),
    ("resource_exhausted", Code::RESOURCE_EXHAUSTED, 429),
    ("failed_precondition", Code::FAILED_PRECONDITION, 400),
    ("aborted", Code::ABORTED, 409),
    ("out_of_range", Code::OUT_OF_RANGE, 400),
    ("unimplemented", Code::UNIMPLEMENTED, 501),
    ("internal", Code::INTERNAL, 500),
    ("unavailable", Code::UNAVAILABLE, 503),
    ("data_loss", Code::DATA_LOSS, 500),
    ("unauthenticated", Code::UNAUTHENTICATED, 401),
];

/// The Connect name of `code` (`unknown` for a code outside the table, OK included).
pub fn code_name(code: Code) -> &'static str {
    CODES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or("unknown", |(n, _, _)| n)
}

/// The code a Connect name stands for; `None` for a name outside the table.
pub fn code_from_name(name: &str) -> Option<Code> {
    CODES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, c, _)| *c)
}

/// The HTTP status of a unary error with `code`.
///
/// Connect, Unary-Response: "If Bare-Message is an Error, HTTP-Status should match Error.code
/// as specified in the table below." <https://connectrpc.com/docs/protocol/#unary-response>
pub fn http_status(code: Code) -> u16 {
    CODES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or(500, |(_, _, s)| *s)
}

/// The code a client infers from an HTTP status when the body holds no Connect error.
///
/// Connect, HTTP to Error Code: "If clients receive a response with non-200 HTTP status codes
/// and no explicit Connect error code, they should infer a Connect code using the following
/// table." <https://connectrpc.com/docs/protocol/#http-to-error-code>
pub fn code_from_http_status(status: u16) -> Code {
    match status {
        400 => Code::INTERNAL,
        401 => Code::UNAUTHENTICATED,
        403 => Code::PERMISSION_DENIED,
        404 => Code::UNIMPLEMENTED,
        429 | 502 | 503 | 504 => Code::UNAVAILABLE,
        _ => Code::UNKNOWN,
    }
}

/// Parses `connect-timeout-ms`; `None` when malformed.
///
/// Connect, Unary-Request: "Timeout-Milliseconds → {positive integer as ASCII string of at most
/// 10 digits}". <https://connectrpc.com/docs/protocol/#unary-request>
pub fn parse_timeout(value: &[u8]) -> Option<Duration> {
    if value.is_empty() || value.len() > 10 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let ms = value
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    Some(Duration::from_millis(ms))
}

/// Formats a timeout as `connect-timeout-ms` (rounded up to a millisecond, at most 10 digits).
pub fn encode_timeout(timeout: Duration) -> String {
    let ms = timeout.as_nanos().div_ceil(1_000_000).min(9_999_999_999);
    ms.to_string()
}

/// `s` as a JSON string (quoted, escaped).
fn json_string(s: &str, out: &mut String) {
    out.push_str(&Value::String(s.to_owned()).to_string());
}

/// Writes the JSON `Error` object of `status`: `code`, then `message` and `details` when
/// present (in that order, for people reading it).
///
/// Connect, Error: "Each detail is an object with "type" and "value" properties [...]. The
/// "type" field contains the fully-qualified Protobuf message name as a UTF-8 string, and the
/// "value" field contains unpadded, base64-encoded binary Protobuf data."
/// <https://connectrpc.com/docs/protocol/#error-end-stream>
fn write_error(status: &Status, out: &mut String) {
    out.push_str("{\"code\":");
    json_string(code_name(status.code()), out);
    if !status.message().is_empty() {
        out.push_str(",\"message\":");
        json_string(status.message(), out);
    }
    if let Some(rpc) = status.rpc_status().filter(|r| !r.details.is_empty()) {
        out.push_str(",\"details\":[");
        for (i, any) in rpc.details.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let name = any.type_url.rsplit('/').next().unwrap_or(&any.type_url);
            out.push_str("{\"type\":");
            json_string(name, out);
            out.push_str(",\"value\":");
            json_string(&base64_encode(&any.value), out);
            out.push('}');
        }
        out.push(']');
    }
    out.push('}');
}

/// The body of a unary error response: the JSON `Error`.
pub fn error_json(status: &Status) -> Bytes {
    let mut out = String::with_capacity(64 + status.message().len());
    write_error(status, &mut out);
    Bytes::from(out)
}

/// The EndStreamResponse of a stream that ended with `status` (OK: no `error`) and trailing
/// `metadata` (the status's own metadata after it): keys with arrays of strings, `-bin` values
/// base64-encoded.
///
/// Connect, EndStreamResponse: "Failed RPCs must provide an Error in the "error" property, and
/// successful RPCs must omit the property. [...] The "metadata" property is optional."
/// <https://connectrpc.com/docs/protocol/#error-end-stream>
pub fn end_stream_json(status: &Status, metadata: &Metadata) -> Bytes {
    let mut out = String::with_capacity(64);
    out.push('{');
    if status.code() != Code::OK {
        out.push_str("\"error\":");
        write_error(status, &mut out);
    }
    // Keys in first-seen order, each with all its values.
    let mut keys: Vec<&str> = Vec::new();
    for (k, _) in metadata.iter().chain(status.metadata().iter()) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    if !keys.is_empty() {
        if status.code() != Code::OK {
            out.push(',');
        }
        out.push_str("\"metadata\":{");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(k, &mut out);
            out.push_str(":[");
            let values = metadata.get_all(k).chain(status.metadata().get_all(k));
            for (j, v) in values.enumerate() {
                if j > 0 {
                    out.push(',');
                }
                if k.ends_with("-bin") {
                    json_string(&base64_encode(v), &mut out);
                } else {
                    json_string(&String::from_utf8_lossy(v), &mut out);
                }
            }
            out.push(']');
        }
        out.push('}');
    }
    out.push('}');
    Bytes::from(out)
}

/// A Connect `Error` read back into a [`Status`]; `None` when `v` is not a valid one (no
/// string `code`).
fn status_from_error(v: &Value) -> Option<Status> {
    let o = v.as_object()?;
    let name = o.get("code")?.as_str()?;
    // An unknown code name is a valid error of code unknown.
    let code = code_from_name(name).unwrap_or(Code::UNKNOWN);
    let message = o.get("message").and_then(Value::as_str).unwrap_or("");
    let mut status = Status::new(code, message);
    if let Some(details) = o.get("details").and_then(Value::as_array) {
        let anys: Vec<courier_types::Any> = details
            .iter()
            .filter_map(|d| {
                let ty = d.get("type")?.as_str()?;
                let value = d.get("value")?.as_str()?;
                let value = base64_decode(value.as_bytes())
                    .or_else(|| super::base64::decode_url_safe(value.as_bytes()).ok())?;
                Some(courier_types::Any {
                    type_url: format!("type.googleapis.com/{ty}"),
                    value: Bytes::from(value),
                    ..Default::default()
                })
            })
            .collect();
        if !anys.is_empty() {
            status = status.with_rpc_details(anys);
        }
    }
    Some(status)
}

/// Reads the body of a unary error response. A body that is not a Connect error gives a status
/// inferred from the HTTP status.
pub fn parse_error(http_status: u16, body: &[u8]) -> Status {
    serde_json::from_slice::<Value>(body)
        .ok()
        .as_ref()
        .and_then(status_from_error)
        .unwrap_or_else(|| {
            Status::new(
                code_from_http_status(http_status),
                format!("HTTP status {http_status}"),
            )
        })
}

/// Reads an EndStreamResponse: the call's status (OK when it has no `error`) carrying the
/// trailing metadata.
pub fn parse_end_stream(body: &[u8]) -> Result<Status, Status> {
    let bad = || Status::internal("invalid Connect EndStreamResponse");
    let v: Value = serde_json::from_slice(body).map_err(|_| bad())?;
    let o = v.as_object().ok_or_else(bad)?;
    let mut status = match o.get("error") {
        None => Status::ok_with_trailers(Metadata::new()),
        // "{"error": null}, {"error": {}}, and {"error": {"code": null}} are invalid."
        Some(e) => status_from_error(e).ok_or_else(bad)?,
    };
    if let Some(md) = o.get("metadata") {
        let md = md.as_object().ok_or_else(bad)?;
        let mut m = Metadata::new();
        for (k, vals) in md {
            let key = k.to_ascii_lowercase();
            for v in vals.as_array().ok_or_else(bad)? {
                let s = v.as_str().ok_or_else(bad)?;
                if key.ends_with("-bin") {
                    if let Some(b) = base64_decode(s.as_bytes()) {
                        m.push_unchecked(key.clone(), Bytes::from(b));
                    }
                } else if m.append(key.clone(), Bytes::from(s.to_owned())).is_err() {
                    continue;
                }
            }
        }
        *status.metadata_mut() = m;
    }
    Ok(status)
}

/// The parameters of a unary GET request's query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetQuery {
    /// `message`, percent-decoded (still base64 when `base64` is set).
    pub message: Vec<u8>,
    /// `base64=1`.
    pub base64: bool,
    /// `encoding` (the codec).
    pub encoding: Option<String>,
    /// `compression`.
    pub compression: Option<String>,
    /// `connect` (`v1`).
    pub connect: Option<String>,
}

/// Decodes one query component: `+` is a space, `%XX` an octet (HTML form encoding, which
/// Connect clients use for the query). `None` for a malformed escape.
pub(crate) fn form_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let hi = hex(*s.get(i + 1)?)?;
                let lo = hex(*s.get(i + 2)?)?;
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

/// Parses the query of a unary GET request.
///
/// Connect, Unary-Get-Request: "Servers must accept query parameters in any order and allow
/// unknown query parameters alongside the Connect query parameters."
/// <https://connectrpc.com/docs/protocol/#unary-get-request>
///
/// A parameter given twice takes its first value. Fails (INVALID_ARGUMENT) on a malformed
/// percent escape.
pub fn parse_get_query(query: &[u8]) -> Result<GetQuery, Status> {
    let mut q = GetQuery::default();
    let mut seen = [false; 5];
    for pair in query.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let bad = || Status::new(Code::INVALID_ARGUMENT, "malformed query string");
        let key = form_decode(k).ok_or_else(bad)?;
        let slot = match &key[..] {
            b"message" => 0,
            b"base64" => 1,
            b"encoding" => 2,
            b"compression" => 3,
            b"connect" => 4,
            _ => continue,
        };
        if std::mem::replace(&mut seen[slot], true) {
            continue;
        }
        let value = form_decode(v).ok_or_else(bad)?;
        let text = || String::from_utf8_lossy(&value).into_owned();
        match slot {
            0 => q.message = value,
            // "If Base64-Query is present, the value of the parameter should be one. Other
            // values for the "base64" parameter will simply be ignored."
            1 => q.base64 = value == b"1",
            2 => q.encoding = Some(text()),
            3 => q.compression = Some(text()),
            _ => q.connect = Some(text()),
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_table() {
        assert_eq!(code_name(Code::CANCELLED), "canceled");
        assert_eq!(code_name(Code::OK), "unknown");
        assert_eq!(code_name(Code(99)), "unknown");
        assert_eq!(http_status(Code::RESOURCE_EXHAUSTED), 429);
        assert_eq!(http_status(Code::UNIMPLEMENTED), 501);
        assert_eq!(http_status(Code(99)), 500);
        for (name, code, _) in CODES {
            assert_eq!(code_from_name(name), Some(code));
        }
        assert_eq!(code_from_name("cancelled"), None);
        assert_eq!(code_from_http_status(404), Code::UNIMPLEMENTED);
        assert_eq!(code_from_http_status(418), Code::UNKNOWN);
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(b"5000"), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_timeout(b"9999999999"),
            Some(Duration::from_millis(9_999_999_999))
        );
        assert_eq!(parse_timeout(b"12345678901"), None);
        assert_eq!(parse_timeout(b""), None);
        assert_eq!(parse_timeout(b"-1"), None);
        assert_eq!(parse_timeout(b"1.5"), None);
        assert_eq!(encode_timeout(Duration::from_micros(1500)), "2");
        assert_eq!(encode_timeout(Duration::from_secs(u64::MAX)), "9999999999");
    }

    #[test]
    fn error_json_known_answer_and_back() {
        let s = Status::new(Code::UNAVAILABLE, "overloaded: back off and retry");
        assert_eq!(
            &error_json(&s)[..],
            br#"{"code":"unavailable","message":"overloaded: back off and retry"}"#
        );
        // The spec's example detail: google.rpc.RetryInfo{retry_delay: 60s}.
        let any = courier_types::Any {
            type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
            value: Bytes::from_static(b"\x0a\x02\x08\x3c"),
            ..Default::default()
        };
        let s = s.with_rpc_details(vec![any.clone()]);
        let json = error_json(&s);
        assert_eq!(
            &json[..],
            br#"{"code":"unavailable","message":"overloaded: back off and retry","details":[{"type":"google.rpc.RetryInfo","value":"CgIIPA"}]}"#
        );
        let back = parse_error(503, &json);
        assert_eq!(back.code(), Code::UNAVAILABLE);
        assert_eq!(back.message(), "overloaded: back off and retry");
        assert_eq!(back.rpc_status().unwrap().details, vec![any]);
        // No Connect error in the body: inferred from the HTTP status.
        assert_eq!(parse_error(429, b"busy").code(), Code::UNAVAILABLE);
        assert_eq!(parse_error(500, b"{}").code(), Code::UNKNOWN);
        assert_eq!(
            parse_error(500, br#"{"code":"nope"}"#).code(),
            Code::UNKNOWN
        );
    }

    #[test]
    fn end_stream_round_trip() {
        let mut md = Metadata::new();
        md.append("acme-operation-cost", "237").unwrap();
        md.append("x-b-bin", Bytes::from_static(&[0, 255])).unwrap();
        let ok = end_stream_json(&Status::ok_with_trailers(Metadata::new()), &md);
        assert_eq!(
            &ok[..],
            br#"{"metadata":{"acme-operation-cost":["237"],"x-b-bin":["AP8"]}}"#
        );
        let back = parse_end_stream(&ok).unwrap();
        assert_eq!(back.code(), Code::OK);
        assert_eq!(back.metadata(), &md);
        assert_eq!(
            &end_stream_json(&Status::ok_with_trailers(Metadata::new()), &Metadata::new())[..],
            b"{}"
        );
        let err = end_stream_json(&Status::new(Code::UNAVAILABLE, ""), &Metadata::new());
        assert_eq!(&err[..], br#"{"error":{"code":"unavailable"}}"#);
        assert_eq!(parse_end_stream(&err).unwrap().code(), Code::UNAVAILABLE);
        for bad in [
            &br#"{"error":null}"#[..],
            br#"{"error":{}}"#,
            br#"{"error":{"code":null}}"#,
            b"[]",
            b"{",
            br#"{"metadata":{"a":"b"}}"#,
        ] {
            assert!(
                parse_end_stream(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn get_queries() {
        let q = parse_get_query(
            b"message=%7B%22name%22%3A%22Buf%22%7D&encoding=json&connect=v1&x=1&encoding=proto",
        )
        .unwrap();
        assert_eq!(q.message, br#"{"name":"Buf"}"#);
        assert_eq!(q.encoding.as_deref(), Some("json"));
        assert_eq!(q.connect.as_deref(), Some("v1"));
        assert!(!q.base64);
        let q =
            parse_get_query(b"base64=1&compression=gzip&message=AAA-_w&encoding=proto").unwrap();
        assert!(q.base64);
        assert_eq!(q.message, b"AAA-_w");
        assert_eq!(q.compression.as_deref(), Some("gzip"));
        let q = parse_get_query(b"message=a+b%20c&base64=true").unwrap();
        assert_eq!(q.message, b"a b c");
        assert!(!q.base64);
        assert_eq!(parse_get_query(b"").unwrap(), GetQuery::default());
        assert_eq!(
            parse_get_query(b"message=%G1").unwrap_err().code(),
            Code::INVALID_ARGUMENT
        );
        assert_eq!(
            parse_get_query(b"message=%4").unwrap_err().code(),
            Code::INVALID_ARGUMENT
        );
    }
}
