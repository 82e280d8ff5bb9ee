//! Limits and timeouts. Every limit has a safe default and a field to change it.

use std::time::Duration;

use crate::parse::Limits;

/// Limits and timeouts of a connection (either role).
///
/// ```
/// let mut config = courier_http1::Config::default();
/// config.max_body_size = 4 << 20;
/// config.header_read_timeout = Some(std::time::Duration::from_secs(5));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Longest request-line, CRLF excluded (RFC 9112 §3 recommends supporting at least 8,000
    /// octets). Above it a server answers 414 URI Too Long and closes. Default 16 KiB.
    pub max_request_line: usize,
    /// Largest header section after the start-line (and largest trailer section), CRLFs
    /// included. Above it: 431 Request Header Fields Too Large, and the connection closes.
    /// Default 64 KiB.
    pub max_header_size: usize,
    /// Most field lines in a header (or trailer) section. Above it: 431. Default 100.
    pub max_headers: usize,
    /// Largest message content received, whatever its framing: a larger Content-Length is
    /// answered 413 Content Too Large before any content is read; a chunked body that grows
    /// past it is cut off with 413 (or, once the response has begun, by closing). Default
    /// 16 MiB.
    pub max_body_size: u64,
    /// Longest chunk-size line, chunk extensions included (RFC 9112 §7.1.1: "A server ought to
    /// limit the total length of chunk extensions"). Above it: 400. Default 4 KiB.
    pub max_chunk_line: usize,
    /// Server: how long a connection may wait for the first octet of the next request
    /// (measured from the end of the previous response, or from the start). Then it closes
    /// quietly. `None`: no limit. Default 60 s.
    pub idle_timeout: Option<Duration>,
    /// Server: how long a request head may take to arrive once its first octet has (slowloris).
    /// Then the server answers 408 Request Timeout and closes. `None`: no limit. Default 20 s.
    pub header_read_timeout: Option<Duration>,
    /// Server: request content left unread when the response is complete (the application
    /// answered without reading it all) is read and discarded, up to this many octets, so that
    /// the connection can carry the next request; beyond it the connection closes. Default
    /// 256 KiB.
    pub max_discard: u64,
    /// Client: how long a request with `Expect: 100-continue` waits for the 100 (Continue) or
    /// a final response before its content is sent anyway (RFC 9110 §10.1.1: such a client
    /// "SHOULD NOT wait for an indefinite period"). Default 1 s.
    pub continue_timeout: Duration,
    /// Driver: received content octets buffered for the application before the driver stops
    /// reading the transport (backpressure). Default 256 KiB.
    pub max_buffered_body: usize,
    /// Driver: add a `date` field to responses that have none (RFC 9110 §6.6.1: "An origin
    /// server with a clock (as defined in Section 5.6.7) MUST generate a Date header field in
    /// all 2xx (Successful), 3xx (Redirection), and 4xx (Client Error) responses"). Default
    /// `true`.
    pub date_header: bool,
}

impl Default for Config {
    fn default() -> Self {
        let limits = Limits::default();
        Config {
            max_request_line: limits.max_request_line,
            max_header_size: limits.max_header_size,
            max_headers: limits.max_headers,
            max_body_size: 16 << 20,
            max_chunk_line: 4 << 10,
            idle_timeout: Some(Duration::from_secs(60)),
            header_read_timeout: Some(Duration::from_secs(20)),
            max_discard: 256 << 10,
            continue_timeout: Duration::from_secs(1),
            max_buffered_body: 256 << 10,
            date_header: true,
        }
    }
}

impl Config {
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_request_line: self.max_request_line,
            max_header_size: self.max_header_size,
            max_headers: self.max_headers,
        }
    }
}
