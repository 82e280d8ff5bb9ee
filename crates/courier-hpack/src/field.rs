//! Header fields: the owned [`HeaderField`] the decoder yields, and the borrowed [`FieldRef`] the
//! encoder takes.

use bytes::Bytes;

/// RFC 7541 §4.1: "The size of an entry is the sum of its name's length in octets ..., its
/// value's length in octets, and 32." <https://www.rfc-editor.org/rfc/rfc7541#section-4.1>
/// The same sum is the field's contribution to the header list size (RFC 9113 §6.5.2).
pub const ENTRY_OVERHEAD: usize = 32;

/// A decoded header field: name, value, and whether it was sent as never-indexed.
///
/// Names and values are [`Bytes`]. The fields [`Decoder::decode`](crate::Decoder::decode)
/// yields share one buffer per block (so a decoded block costs no allocation per field), and
/// they keep that buffer alive while any of them is; callers that only read the fields can use
/// [`Decoder::decode_borrowed`](crate::Decoder::decode_borrowed) instead.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HeaderField {
    name: Bytes,
    value: Bytes,
    never_indexed: bool,
}

impl HeaderField {
    /// A field that may be indexed.
    pub fn new(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            never_indexed: false,
        }
    }

    /// A sensitive field: encoded and forwarded as never-indexed (RFC 7541 §7.1.3).
    pub fn sensitive(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self {
            never_indexed: true,
            ..Self::new(name, value)
        }
    }

    /// Sets the never-indexed flag.
    #[must_use]
    pub fn with_never_indexed(mut self, never_indexed: bool) -> Self {
        self.never_indexed = never_indexed;
        self
    }

    /// The name.
    pub fn name(&self) -> &Bytes {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &Bytes {
        &self.value
    }

    /// Whether the field was (or is to be) sent with the never-indexed representation. An
    /// intermediary that forwards the field must keep this flag (RFC 7541 §6.2.3).
    pub fn is_never_indexed(&self) -> bool {
        self.never_indexed
    }

    /// Name + value + 32: the field's size in the dynamic table and in the header list size.
    pub fn size(&self) -> usize {
        self.name.len() + self.value.len() + ENTRY_OVERHEAD
    }

    /// The name, the value and the never-indexed flag.
    pub fn into_parts(self) -> (Bytes, Bytes, bool) {
        (self.name, self.value, self.never_indexed)
    }

    /// This field as the encoder's input.
    pub fn as_ref(&self) -> FieldRef<'_> {
        FieldRef {
            name: &self.name,
            value: &self.value,
            sensitive: self.never_indexed,
        }
    }
}

impl std::fmt::Debug for HeaderField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("HeaderField");
        d.field("name", &self.name).field("value", &self.value);
        if self.never_indexed {
            d.field("never_indexed", &true);
        }
        d.finish()
    }
}

/// A header field to encode, borrowed: name, value and the caller's sensitive flag.
///
/// A sensitive field is always sent never-indexed. Fields the caller does not mark are still
/// sent never-indexed when the encoder's default policy says so (`authorization`, `cookie`,
/// short `set-cookie` values; see [`Encoder`](crate::Encoder)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldRef<'a> {
    /// The name (lowercase for HTTP/2; HPACK itself does not check).
    pub name: &'a [u8],
    /// The value.
    pub value: &'a [u8],
    /// Send as never-indexed, whatever the encoder's policy.
    pub sensitive: bool,
}

impl<'a> FieldRef<'a> {
    /// A field the encoder may index.
    pub fn new(name: &'a [u8], value: &'a [u8]) -> Self {
        Self {
            name,
            value,
            sensitive: false,
        }
    }

    /// A field the encoder must send never-indexed.
    pub fn sensitive(name: &'a [u8], value: &'a [u8]) -> Self {
        Self {
            name,
            value,
            sensitive: true,
        }
    }
}

impl<'a> From<&'a HeaderField> for FieldRef<'a> {
    fn from(f: &'a HeaderField) -> Self {
        f.as_ref()
    }
}

impl<'a> From<(&'a [u8], &'a [u8])> for FieldRef<'a> {
    fn from((name, value): (&'a [u8], &'a [u8])) -> Self {
        Self::new(name, value)
    }
}

impl<'a> From<(&'a str, &'a str)> for FieldRef<'a> {
    fn from((name, value): (&'a str, &'a str)) -> Self {
        Self::new(name.as_bytes(), value.as_bytes())
    }
}

impl<'a> From<&'a (&'a str, &'a str)> for FieldRef<'a> {
    fn from(&(name, value): &'a (&'a str, &'a str)) -> Self {
        Self::new(name.as_bytes(), value.as_bytes())
    }
}
