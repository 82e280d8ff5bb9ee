//! [`Metadata`]: the custom headers (or trailers) of a call.

use std::fmt;

use bytes::Bytes;

/// Call metadata: an ordered list of (key, value) entries; keys may repeat.
///
/// Keys are checked when added. gRPC PROTOCOL-HTTP2, Requests: "Custom-Metadata → Binary-Header /
/// ASCII-Header", "Header-Name → 1*( %x30-39 / %x61-7A / "_" / "-" / ".") ; 0-9 a-z _ - .",
/// and binary values go in keys ending `-bin`.
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
#[derive(Clone, Default)]
pub struct Metadata {
    entries: Vec<(String, Bytes)>,
    /// What travels with the metadata through generated code (which only passes metadata and
    /// messages along): a response's trailers, a server call's context, whether a client's
    /// response message arrived compressed, whether a server sends the response headers
    /// early. Not part of equality.
    attached: Option<Box<Attached>>,
}

#[derive(Clone, Default)]
pub(crate) struct Attached {
    pub(crate) trailers: Option<Metadata>,
    pub(crate) context: Option<std::sync::Arc<crate::context::CallContext>>,
    /// Client: the Compressed-Flag of the response message read last.
    pub(crate) compressed: Option<crate::call::LastCompressed>,
    /// Server: send the response headers as soon as the handler returns
    /// ([`Response::send_headers_early`](crate::Response::send_headers_early)).
    pub(crate) early_headers: bool,
}

impl PartialEq for Metadata {
    fn eq(&self, other: &Metadata) -> bool {
        self.entries == other.entries
    }
}

impl Eq for Metadata {}

/// A metadata key or value that gRPC does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidMetadata {
    key: String,
}

impl InvalidMetadata {
    /// The key that was refused.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for InvalidMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid metadata entry `{}`", self.key)
    }
}

impl std::error::Error for InvalidMetadata {}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'z' | b'_' | b'-' | b'.'))
}

fn valid_ascii_value(v: &[u8]) -> bool {
    // PROTOCOL-HTTP2: "ASCII-Value → 1*( %x20-%x7E ) ; space and printable ASCII".
    // RFC 9113 §8.2.1: "A field value MUST NOT start or end with an ASCII whitespace
    // character". <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.1>
    v.iter().all(|b| (0x20..=0x7e).contains(b))
        && v.first() != Some(&b' ')
        && v.last() != Some(&b' ')
}

impl Metadata {
    /// No entries.
    pub const fn new() -> Metadata {
        Metadata {
            entries: Vec::new(),
            attached: None,
        }
    }

    /// What travels with this metadata, taken out (to carry it across a boundary that keeps
    /// only the entries: an `http::HeaderMap`, in `crate::tower`).
    #[cfg(feature = "tower")]
    pub(crate) fn take_attached(&mut self) -> Option<Box<Attached>> {
        self.attached.take()
    }

    /// Puts back what [`take_attached`](Self::take_attached) took.
    #[cfg(feature = "tower")]
    pub(crate) fn set_attached(&mut self, attached: Option<Box<Attached>>) {
        self.attached = attached;
    }

    pub(crate) fn attached_mut(&mut self) -> &mut Attached {
        self.attached.get_or_insert_with(Default::default)
    }

    /// Server: whether these response headers go out as soon as the handler returns.
    pub(crate) fn early_headers(&self) -> bool {
        self.attached.as_ref().is_some_and(|a| a.early_headers)
    }

    pub(crate) fn take_trailers(&mut self) -> Option<Metadata> {
        self.attached.as_mut().and_then(|a| a.trailers.take())
    }

    /// Client: takes where the response's Compressed-Flag is kept.
    pub(crate) fn take_compressed(&mut self) -> Option<crate::call::LastCompressed> {
        self.attached.as_mut()?.compressed.take()
    }

    /// Client: whether the response message read last arrived compressed (see
    /// [`Response::last_message_compressed`](crate::Response::last_message_compressed)).
    pub(crate) fn last_compressed(&self) -> Option<bool> {
        self.attached.as_ref()?.compressed.as_ref()?.get()
    }

    /// The server call this metadata arrived with (deadline, cancellation, peer), when it is a
    /// request's metadata on a server.
    pub fn context(&self) -> Option<&crate::context::CallContext> {
        self.attached.as_ref()?.context.as_deref()
    }

    /// Adds an entry without checking it (the key and value come from a checked source).
    pub(crate) fn push_unchecked(&mut self, key: String, value: Bytes) {
        self.entries.push((key, value));
    }

    /// Removes every entry of `key`; returns how many there were.
    pub fn remove(&mut self, key: &str) -> usize {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| k != key);
        before - self.entries.len()
    }

    /// Replaces every entry of `key` with one entry (checked like [`append`](Self::append)).
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Into<Bytes>,
    ) -> Result<(), InvalidMetadata> {
        let key = key.into();
        self.remove(&key);
        self.append(key, value)
    }

    /// Adds an entry. Keys are lowercase `0-9 a-z _ - .`; values of keys not ending `-bin`
    /// must be printable ASCII.
    pub fn append(
        &mut self,
        key: impl Into<String>,
        value: impl Into<Bytes>,
    ) -> Result<(), InvalidMetadata> {
        let key = key.into();
        let value = value.into();
        if !valid_key(&key) || (!key.ends_with("-bin") && !valid_ascii_value(&value)) {
            return Err(InvalidMetadata { key });
        }
        self.entries.push((key, value));
        Ok(())
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&Bytes> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every value of `key`, in order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.entries
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Every entry, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_checked() {
        let mut m = Metadata::new();
        m.append("x-user", "alice").unwrap();
        m.append("x-user", "bob").unwrap();
        m.append("trace-bin", Bytes::from_static(&[0, 255]))
            .unwrap();
        assert_eq!(m.append("X-Upper", "v").unwrap_err().key(), "X-Upper");
        assert!(m.append("x-ctl", "a\nb").is_err());
        assert!(m.append("x-sp", " a").is_err());
        assert!(m.append("x-sp", "a ").is_err());
        m.append("x-sp", "a b").unwrap();
        assert!(m.append("", "v").is_err());
        assert_eq!(m.get("x-user").unwrap(), "alice");
        assert_eq!(m.get_all("x-user").count(), 2);
        assert_eq!(m.len(), 4);
    }
}
