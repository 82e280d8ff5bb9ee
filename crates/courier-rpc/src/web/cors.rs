//! CORS (the Fetch standard's CORS protocol) for browser clients on another origin: which
//! origins may call, which request headers they may send, which response headers their
//! scripts may read, and the answers to preflight requests.
//!
//! Fetch, CORS protocol: <https://fetch.spec.whatwg.org/#http-cors-protocol>

use std::time::Duration;

use bytes::Bytes;
use courier_hpack::HeaderField;

/// Request headers the web protocols use, always allowed in a preflight's answer.
const PROTOCOL_REQUEST_HEADERS: &[&str] = &[
    "content-type",
    "connect-protocol-version",
    "connect-timeout-ms",
    "connect-accept-encoding",
    "connect-content-encoding",
    "grpc-timeout",
    "grpc-accept-encoding",
    "grpc-encoding",
    "x-grpc-web",
    "x-user-agent",
];

/// Response headers the web protocols use, always exposed to scripts.
const PROTOCOL_RESPONSE_HEADERS: &[&str] = &[
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "grpc-encoding",
    "grpc-accept-encoding",
    "connect-content-encoding",
    "connect-accept-encoding",
    "content-encoding",
];

/// Which origins may call.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origins {
    Any,
    List(Vec<String>),
}

/// CORS settings of a server ([`ServerBuilder::cors`](crate::ServerBuilder::cors)).
///
/// Requests from the server's own origin need none of this. Without a `Cors` (the default), a
/// page on another origin cannot call the server: its preflights are refused (403) and its
/// responses carry no `Access-Control-Allow-Origin`, so the browser withholds them.
///
/// ```
/// use std::time::Duration;
/// use courier_rpc::web::Cors;
///
/// let cors = Cors::new()
///     .allow_origin("https://app.example.com")
///     .allow_header("x-tenant")
///     .expose_header("x-request-cost")
///     .max_age(Some(Duration::from_secs(7200)));
/// # drop(cors);
/// ```
#[derive(Clone, Debug)]
pub struct Cors {
    origins: Origins,
    allowed_headers: Vec<String>,
    exposed_headers: Vec<String>,
    max_age: Option<Duration>,
    credentials: bool,
}

impl Default for Cors {
    fn default() -> Self {
        Cors::new()
    }
}

impl Cors {
    /// No origin allowed yet; the protocols' own headers allowed and exposed; preflights cached
    /// for 2 hours; no credentials.
    pub fn new() -> Cors {
        Cors {
            origins: Origins::List(Vec::new()),
            allowed_headers: Vec::new(),
            exposed_headers: Vec::new(),
            max_age: Some(Duration::from_secs(7200)),
            credentials: false,
        }
    }

    /// Allows pages from `origin` (`scheme://host[:port]`, as browsers send it in `Origin`).
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Cors {
        let origin = origin.into();
        if let Origins::List(l) = &mut self.origins {
            l.push(origin.trim_end_matches('/').to_ascii_lowercase());
        }
        self
    }

    /// Allows every origin.
    pub fn allow_any_origin(mut self) -> Cors {
        self.origins = Origins::Any;
        self
    }

    /// Allows pages to send request header `name` (metadata of their own), besides the
    /// protocols' headers.
    pub fn allow_header(mut self, name: impl Into<String>) -> Cors {
        self.allowed_headers.push(name.into().to_ascii_lowercase());
        self
    }

    /// Lets pages read response header `name` (header or trailer metadata of a unary Connect
    /// call: `trailer-` and the name), besides the protocols' headers.
    pub fn expose_header(mut self, name: impl Into<String>) -> Cors {
        self.exposed_headers.push(name.into().to_ascii_lowercase());
        self
    }

    /// How long browsers may cache a preflight's answer (`None`: no `Access-Control-Max-Age`).
    pub fn max_age(mut self, age: Option<Duration>) -> Cors {
        self.max_age = age;
        self
    }

    /// Whether requests may carry credentials (cookies, HTTP authentication): sends
    /// `Access-Control-Allow-Credentials: true`. Default `false`.
    pub fn allow_credentials(mut self, yes: bool) -> Cors {
        self.credentials = yes;
        self
    }

    /// Whether `origin` may call.
    pub(crate) fn allows(&self, origin: &[u8]) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(l) => l.iter().any(|o| o.as_bytes().eq_ignore_ascii_case(origin)),
        }
    }

    /// The headers that let a page from `origin` read an actual response.
    ///
    /// Fetch, HTTP responses: "`Access-Control-Allow-Origin` Indicates whether the response can
    /// be shared, via returning the literal value of the `Origin` request header (which can be
    /// `null`) or `*` in a response." <https://fetch.spec.whatwg.org/#http-responses>
    pub(crate) fn response_headers(&self, origin: &Bytes, out: &mut Vec<HeaderField>) {
        out.push(HeaderField::new(
            "access-control-allow-origin",
            origin.clone(),
        ));
        out.push(HeaderField::new("vary", "origin"));
        if self.credentials {
            out.push(HeaderField::new("access-control-allow-credentials", "true"));
        }
        let exposed: Vec<&str> = PROTOCOL_RESPONSE_HEADERS
            .iter()
            .copied()
            .chain(self.exposed_headers.iter().map(String::as_str))
            .collect();
        out.push(HeaderField::new(
            "access-control-expose-headers",
            exposed.join(", "),
        ));
    }

    /// The answer to a preflight from an allowed `origin`: `204` and these headers.
    ///
    /// Fetch, CORS-preflight request: "A CORS-preflight request is a CORS request that checks
    /// to see if the CORS protocol is understood. It uses `OPTIONS` as method and includes the
    /// following header: `Access-Control-Request-Method`".
    /// <https://fetch.spec.whatwg.org/#cors-preflight-request>
    pub(crate) fn preflight_headers(&self, origin: &Bytes, out: &mut Vec<HeaderField>) {
        out.push(HeaderField::new(
            "access-control-allow-origin",
            origin.clone(),
        ));
        out.push(HeaderField::new("vary", "origin"));
        out.push(HeaderField::new(
            "access-control-allow-methods",
            "POST, GET",
        ));
        let allowed: Vec<&str> = PROTOCOL_REQUEST_HEADERS
            .iter()
            .copied()
            .chain(self.allowed_headers.iter().map(String::as_str))
            .collect();
        out.push(HeaderField::new(
            "access-control-allow-headers",
            allowed.join(", "),
        ));
        if self.credentials {
            out.push(HeaderField::new("access-control-allow-credentials", "true"));
        }
        if let Some(age) = self.max_age {
            out.push(HeaderField::new(
                "access-control-max-age",
                age.as_secs().to_string(),
            ));
        }
    }

    /// Whether a preflight asking for `method` and the comma-separated `headers` is within
    /// what this configuration allows.
    pub(crate) fn preflight_allows(&self, method: &[u8], headers: Option<&[u8]>) -> bool {
        if !matches!(method, b"POST" | b"GET") {
            return false;
        }
        let Some(headers) = headers else {
            return true;
        };
        headers
            .split(|&b| b == b',')
            .map(<[u8]>::trim_ascii)
            .filter(|h| !h.is_empty())
            .all(|h| {
                PROTOCOL_REQUEST_HEADERS
                    .iter()
                    .map(|s| s.as_bytes())
                    .chain(self.allowed_headers.iter().map(String::as_bytes))
                    .any(|a| a.eq_ignore_ascii_case(h))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_preflights() {
        let c = Cors::new().allow_origin("https://A.example/");
        assert!(c.allows(b"https://a.example"));
        assert!(!c.allows(b"https://b.example"));
        assert!(Cors::new().allow_any_origin().allows(b"null"));
        assert!(!Cors::new().allows(b"https://a.example"));
        assert!(c.preflight_allows(b"POST", Some(b"content-type, Connect-Protocol-Version")));
        assert!(!c.preflight_allows(b"POST", Some(b"x-tenant")));
        assert!(!c.preflight_allows(b"DELETE", None));
        let c = c.allow_header("X-Tenant");
        assert!(c.preflight_allows(b"GET", Some(b"x-tenant,")));
        let mut h = Vec::new();
        c.preflight_headers(&Bytes::from_static(b"https://a.example"), &mut h);
        let get = |n: &str| h.iter().find(|f| f.name() == n).map(|f| f.value().clone());
        assert_eq!(get("access-control-allow-methods").unwrap(), "POST, GET");
        assert!(
            get("access-control-allow-headers")
                .unwrap()
                .ends_with(b", x-tenant")
        );
        assert_eq!(get("access-control-max-age").unwrap(), "7200");
        assert!(get("access-control-allow-credentials").is_none());
    }
}
