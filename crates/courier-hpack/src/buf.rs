//! The output buffers the encoder writes into.

use bytes::{BufMut, BytesMut};

mod sealed {
    pub trait Sealed {}
    impl Sealed for Vec<u8> {}
    impl Sealed for bytes::BytesMut {}
}

/// A growable buffer the [`Encoder`](crate::Encoder) appends header blocks to: `Vec<u8>` or
/// `BytesMut`. Sealed: the encoder relies on these two types' exact behaviour.
pub trait EncodeBuf: sealed::Sealed + std::ops::DerefMut<Target = [u8]> {
    /// Appends one octet.
    #[doc(hidden)]
    fn push_u8(&mut self, b: u8);
    /// Appends a slice.
    #[doc(hidden)]
    fn push_slice(&mut self, s: &[u8]);
    /// Shortens the buffer to `len` octets.
    #[doc(hidden)]
    fn truncate_to(&mut self, len: usize);
}

impl EncodeBuf for Vec<u8> {
    #[inline]
    fn push_u8(&mut self, b: u8) {
        self.push(b);
    }
    #[inline]
    fn push_slice(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
    #[inline]
    fn truncate_to(&mut self, len: usize) {
        self.truncate(len);
    }
}

impl EncodeBuf for BytesMut {
    #[inline]
    fn push_u8(&mut self, b: u8) {
        self.put_u8(b);
    }
    #[inline]
    fn push_slice(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
    #[inline]
    fn truncate_to(&mut self, len: usize) {
        self.truncate(len);
    }
}
