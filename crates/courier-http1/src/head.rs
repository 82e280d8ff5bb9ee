//! Message heads: methods, versions, header fields, request and response heads.

use bytes::Bytes;

use crate::parse::{is_tchar, is_token};

/// The protocol version of a message (RFC 9112 §2.3). A received `HTTP/1.x` with `x` above 1
/// is handled as HTTP/1.1 (RFC 9110 §2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// HTTP/1.0: no persistence unless `keep-alive` is asked for, no chunked coding, no 1xx.
    Http10,
    /// HTTP/1.1.
    Http11,
}

impl Version {
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum MethodInner {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
    Other(Bytes),
}

/// A request method (RFC 9110 §9): a case-sensitive token.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Method(MethodInner);

impl Method {
    /// GET.
    pub const GET: Method = Method(MethodInner::Get);
    /// HEAD: its response has no content.
    pub const HEAD: Method = Method(MethodInner::Head);
    /// POST.
    pub const POST: Method = Method(MethodInner::Post);
    /// PUT.
    pub const PUT: Method = Method(MethodInner::Put);
    /// DELETE.
    pub const DELETE: Method = Method(MethodInner::Delete);
    /// CONNECT (authority-form target; tunnels are not supported by this crate's connections).
    pub const CONNECT: Method = Method(MethodInner::Connect);
    /// OPTIONS.
    pub const OPTIONS: Method = Method(MethodInner::Options);
    /// TRACE.
    pub const TRACE: Method = Method(MethodInner::Trace);
    /// PATCH.
    pub const PATCH: Method = Method(MethodInner::Patch);

    /// A method from its name; `None` if the name is not a token.
    pub fn from_bytes(name: &[u8]) -> Option<Method> {
        Some(Method(match name {
            b"GET" => MethodInner::Get,
            b"HEAD" => MethodInner::Head,
            b"POST" => MethodInner::Post,
            b"PUT" => MethodInner::Put,
            b"DELETE" => MethodInner::Delete,
            b"CONNECT" => MethodInner::Connect,
            b"OPTIONS" => MethodInner::Options,
            b"TRACE" => MethodInner::Trace,
            b"PATCH" => MethodInner::Patch,
            other if is_token(other) => MethodInner::Other(Bytes::copy_from_slice(other)),
            _ => return None,
        }))
    }

    /// The method's name.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            MethodInner::Get => b"GET",
            MethodInner::Head => b"HEAD",
            MethodInner::Post => b"POST",
            MethodInner::Put => b"PUT",
            MethodInner::Delete => b"DELETE",
            MethodInner::Connect => b"CONNECT",
            MethodInner::Options => b"OPTIONS",
            MethodInner::Trace => b"TRACE",
            MethodInner::Patch => b"PATCH",
            MethodInner::Other(b) => b,
        }
    }
}

impl core::fmt::Debug for Method {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

/// One field line: a name and a value (without surrounding whitespace).
///
/// Names of received fields are lowercased by the parser (field names are case-insensitive,
/// RFC 9110 §5.1), so they compare with `==` against lowercase literals and map onto HTTP/2
/// field names unchanged. Names given by the application are sent as given.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Field {
    name: Bytes,
    value: Bytes,
}

impl Field {
    /// A field; checked when it is sent.
    pub fn new(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The name.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The name, shared.
    pub fn name_bytes(&self) -> &Bytes {
        &self.name
    }

    /// The value, shared.
    pub fn value_bytes(&self) -> &Bytes {
        &self.value
    }

    /// Name and value.
    pub fn into_parts(self) -> (Bytes, Bytes) {
        (self.name, self.value)
    }
}

impl core::fmt::Debug for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}: {}",
            String::from_utf8_lossy(&self.name),
            String::from_utf8_lossy(&self.value)
        )
    }
}

/// A header or trailer section: field lines in order, repeated names kept as separate lines.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<Field>,
}

impl Headers {
    /// An empty section.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// An empty section with room for `n` fields.
    pub fn with_capacity(n: usize) -> Headers {
        Headers {
            fields: Vec::with_capacity(n),
        }
    }

    /// Appends a field line.
    pub fn append(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        self.fields.push(Field::new(name, value));
    }

    /// Appends a field line (builder style).
    #[must_use]
    pub fn with(mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) -> Headers {
        self.append(name, value);
        self
    }

    /// Replaces every line named `name` (case-insensitively) with one line.
    pub fn insert(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        let name = name.into();
        self.remove(&name);
        self.fields.push(Field {
            name,
            value: value.into(),
        });
    }

    /// Removes every line named `name` (case-insensitively); returns how many.
    pub fn remove(&mut self, name: impl AsRef<[u8]>) -> usize {
        let name = name.as_ref();
        let before = self.fields.len();
        self.fields.retain(|f| !f.name.eq_ignore_ascii_case(name));
        before - self.fields.len()
    }

    /// The value of the first line named `name` (case-insensitively).
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&[u8]> {
        let name = name.as_ref();
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| &f.value[..])
    }

    /// The values of every line named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
            .map(|f| &f.value[..])
    }

    /// Whether a line named `name` is present.
    pub fn contains(&self, name: impl AsRef<[u8]>) -> bool {
        self.get(name).is_some()
    }

    /// The field lines in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Field> {
        self.fields.iter()
    }

    /// How many field lines.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// No field lines.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub(crate) fn push(&mut self, field: Field) {
        self.fields.push(field);
    }

    /// Whether the comma-separated list in every line named `name` has a member equal to
    /// `token` (case-insensitively; RFC 9110 §5.6.1).
    pub fn has_token(&self, name: &[u8], token: &[u8]) -> bool {
        self.get_all(name)
            .flat_map(|v| v.split(|&b| b == b','))
            .any(|m| trim_ows(m).eq_ignore_ascii_case(token))
    }
}

impl core::fmt::Debug for Headers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.fields.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Field;
    type IntoIter = core::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

impl IntoIterator for Headers {
    type Item = Field;
    type IntoIter = std::vec::IntoIter<Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

impl FromIterator<Field> for Headers {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Self {
        Headers {
            fields: iter.into_iter().collect(),
        }
    }
}

/// Removes optional whitespace (SP, HTAB) at both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A request's start-line and header section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    /// The method.
    pub method: Method,
    /// The request-target as sent (origin-form `/path?query`, absolute-form, authority-form
    /// for CONNECT, or `*`).
    pub target: Bytes,
    /// The version.
    pub version: Version,
    /// The header section.
    pub headers: Headers,
}

impl RequestHead {
    /// An HTTP/1.1 request with no header fields yet (a client must add Host).
    pub fn new(method: Method, target: impl Into<Bytes>) -> RequestHead {
        RequestHead {
            method,
            target: target.into(),
            version: Version::Http11,
            headers: Headers::new(),
        }
    }

    /// The path of the target: everything before `?` of an origin-form target, the path
    /// component of an absolute-form one (`http://host/p?q` → `/p`; empty when it has none),
    /// and the whole target otherwise (`*`, or CONNECT's authority-form).
    pub fn path(&self) -> &[u8] {
        let t = match self.absolute_parts() {
            Some((_, rest)) => rest,
            None => &self.target[..],
        };
        match t.iter().position(|&b| b == b'?') {
            Some(i) => &t[..i],
            None => t,
        }
    }

    /// The query of the target (after the first `?`), if any.
    pub fn query(&self) -> Option<&[u8]> {
        let t = &self.target[..];
        t.iter().position(|&b| b == b'?').map(|i| &t[i + 1..])
    }

    /// The authority the request is for: the target's own for an absolute-form target,
    /// CONNECT's authority-form target, and the Host field otherwise (RFC 9112 §3.3).
    pub fn authority(&self) -> Option<&[u8]> {
        // RFC 9112 §3.2.2: "When an origin server receives a request with an absolute-form of
        // request-target, the origin server MUST ignore the received Host header field (if
        // any) and instead use the host information of the request-target."
        // <https://www.rfc-editor.org/rfc/rfc9112#section-3.2.2>
        if let Some((authority, _)) = self.absolute_parts() {
            return Some(authority);
        }
        if self.method == Method::CONNECT {
            return Some(&self.target);
        }
        self.headers.get("host")
    }

    /// An absolute-form target's authority and what follows it (path and query).
    fn absolute_parts(&self) -> Option<(&[u8], &[u8])> {
        let t = &self.target[..];
        if t.first() == Some(&b'/') {
            return None;
        }
        let start = t.windows(3).position(|w| w == b"://")? + 3;
        let rest = &t[start..];
        let end = rest
            .iter()
            .position(|&b| b == b'/' || b == b'?')
            .unwrap_or(rest.len());
        // Without userinfo (RFC 9110 §4.2.4: it is not part of the authority sent).
        let authority = &rest[..end];
        let authority = match authority.iter().rposition(|&b| b == b'@') {
            Some(at) => &authority[at + 1..],
            None => authority,
        };
        Some((authority, &rest[end..]))
    }
}

/// A response's status-line and header section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code (100–999).
    pub status: u16,
    /// The reason phrase (received as sent; when sending, empty means the standard phrase).
    pub reason: Bytes,
    /// The version (sent responses are always `HTTP/1.1`).
    pub version: Version,
    /// The header section.
    pub headers: Headers,
}

impl ResponseHead {
    /// A response with `status` and no header fields yet.
    pub fn new(status: u16) -> ResponseHead {
        ResponseHead {
            status,
            reason: Bytes::new(),
            version: Version::Http11,
            headers: Headers::new(),
        }
    }

    /// A response with `status` and `headers`.
    pub fn with_headers(status: u16, headers: Headers) -> ResponseHead {
        ResponseHead {
            headers,
            ..ResponseHead::new(status)
        }
    }
}

/// How a received message's body is delimited (RFC 9112 §6.3), as the connection determined
/// it from the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: the message is complete with its head.
    Empty,
    /// Exactly this many octets (Content-Length).
    Length(u64),
    /// The chunked transfer coding; may end with a trailer section.
    Chunked,
    /// A response whose body ends when the server closes the connection.
    UntilClose,
}

/// Whether a field name may be sent: a token.
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| is_tchar(b))
}

/// Whether a field value may be sent: no CR, LF, NUL or other control octet except HTAB
/// (response splitting, RFC 9112 §11.1), and no leading or trailing whitespace.
pub(crate) fn valid_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
        && !matches!(value.first(), Some(b' ' | b'\t'))
        && !matches!(value.last(), Some(b' ' | b'\t'))
}

/// The standard reason phrase of a status code (RFC 9110 §15), or "" for unknown codes.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}
