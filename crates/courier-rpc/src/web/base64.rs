//! Base64 for the web protocols: the `grpc-web-text` streams (RFC 4648 §4, padded, the padding
//! allowed wherever a sender flushed) and Connect GET's `message` parameter (RFC 4648 §5,
//! URL-safe, padding optional).

use bytes::{BufMut, Bytes, BytesMut};

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The 6-bit value of a base64 character of either alphabet (standard `+/`, URL-safe `-_`).
fn value(c: u8, url_safe: bool) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' if !url_safe => 62,
        b'/' if !url_safe => 63,
        b'-' if url_safe => 62,
        b'_' if url_safe => 63,
        _ => return None,
    })
}

/// Appends the padded standard base64 of `data` to `out`.
///
/// gRPC PROTOCOL-WEB, Text-encoded (response) streams: "The default text encoding is base64";
/// "the server runtime will always base64-encode and flush gRPC messages atomically".
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md#text-encoded-response-streams>
pub(crate) fn encode_padded(data: &[u8], out: &mut BytesMut) {
    out.reserve(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.put_u8(STD[(n >> (18 - 6 * k) & 63) as usize]);
            } else {
                out.put_u8(b'=');
            }
        }
    }
}

/// Why base64 input was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// Decodes a `grpc-web-text` stream chunk by chunk: groups of four characters, each group
/// either complete or padded (`xx==`, `xxx=`); after a padded group a new base64 text may
/// begin, since senders pad whenever they flush.
///
/// gRPC PROTOCOL-WEB: "the client library should not assume base64 padding always happens at
/// the boundary of message frames. That is, the implementation may send base64-encoded
/// "chunks" with potential padding whenever the runtime needs to flush a byte buffer."
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md#text-encoded-response-streams>
#[derive(Debug, Default)]
pub struct TextDecoder {
    /// Characters of an incomplete group.
    carry: [u8; 4],
    carried: usize,
}

impl TextDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> TextDecoder {
        TextDecoder::default()
    }

    /// Decodes the next chunk of text; the octets of every group it completes.
    pub fn push(&mut self, text: &[u8]) -> Result<Bytes, InvalidBase64Error> {
        let mut out = BytesMut::with_capacity((self.carried + text.len()) / 4 * 3);
        for &c in text {
            self.carry[self.carried] = c;
            self.carried += 1;
            if self.carried == 4 {
                self.carried = 0;
                decode_group(&self.carry, &mut out).map_err(|_| InvalidBase64Error)?;
            }
        }
        Ok(out.freeze())
    }

    /// Ends the stream: the octets of an unpadded last group of two or three characters.
    /// Fails for a single character left over.
    pub fn finish(&mut self) -> Result<Bytes, InvalidBase64Error> {
        let n = std::mem::take(&mut self.carried);
        match n {
            0 => Ok(Bytes::new()),
            1 => Err(InvalidBase64Error),
            _ => {
                let mut group = [b'='; 4];
                group[..n].copy_from_slice(&self.carry[..n]);
                let mut out = BytesMut::with_capacity(2);
                decode_group(&group, &mut out).map_err(|_| InvalidBase64Error)?;
                Ok(out.freeze())
            }
        }
    }
}

/// A `grpc-web-text` body that is not base64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidBase64Error;

impl std::fmt::Display for InvalidBase64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid base64")
    }
}

/// Decodes one group of four standard characters, padding allowed in its last two places.
fn decode_group(g: &[u8; 4], out: &mut BytesMut) -> Result<(), InvalidBase64> {
    let pad = match (g[2], g[3]) {
        (b'=', b'=') => 2,
        (_, b'=') => 1,
        (b'=', _) => return Err(InvalidBase64),
        _ => 0,
    };
    let mut n = 0u32;
    for (k, &c) in g[..4 - pad].iter().enumerate() {
        n |= u32::from(value(c, false).ok_or(InvalidBase64)?) << (18 - 6 * k);
    }
    let bytes = n.to_be_bytes();
    out.put_slice(&bytes[1..4 - pad]);
    Ok(())
}

/// Decodes URL-safe base64, padded or not (RFC 4648 §5): Connect GET's `message` with
/// `base64=1`.
///
/// Connect, Unary-Get-Request: "If Base64-Query is specified, the raw binary octets will be
/// encoded with the RFC 4648 §5 "URL-safe" base64 data encoding"; "Optionally, the
/// base64-encoded message may contain padding characters".
/// <https://connectrpc.com/docs/protocol/#unary-get-request>
pub(crate) fn decode_url_safe(text: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    let mut t = text;
    while let Some(rest) = t.strip_suffix(b"=") {
        t = rest;
    }
    if text.len() - t.len() > 2 || t.len() % 4 == 1 {
        return Err(InvalidBase64);
    }
    let mut out = Vec::with_capacity(t.len() / 4 * 3 + 2);
    for chunk in t.chunks(4) {
        let mut n = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            n |= u32::from(value(c, true).ok_or(InvalidBase64)?) << (18 - 6 * k);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Ok(out)
}

/// Encodes URL-safe base64 without padding (a Connect GET's `message`).
pub(crate) fn encode_url_safe(data: &[u8]) -> String {
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(char::from(URL[(n >> (18 - 6 * k) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn padded(data: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode_padded(data, &mut out);
        out.to_vec()
    }

    #[test]
    fn known_answers() {
        // RFC 4648 §10.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(padded(plain.as_bytes()), enc.as_bytes());
            let mut d = TextDecoder::new();
            let mut got = d.push(enc.as_bytes()).unwrap().to_vec();
            got.extend_from_slice(&d.finish().unwrap());
            assert_eq!(got, plain.as_bytes());
        }
        assert_eq!(decode_url_safe(b"-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_url_safe(b"-_8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(encode_url_safe(&[0xfb, 0xff]), "-_8");
        assert!(decode_url_safe(b"+/8").is_err());
        assert!(decode_url_safe(b"A").is_err());
        assert!(decode_url_safe(b"AA===").is_err());
    }

    #[test]
    fn padding_mid_stream_restarts() {
        // Two flushes: "f" then "oo".
        let mut d = TextDecoder::new();
        assert_eq!(&d.push(b"Zg==Zm8=").unwrap()[..], b"ffo");
        assert_eq!(&d.finish().unwrap()[..], b"");
    }

    #[test]
    fn bad_text_refused() {
        assert!(TextDecoder::new().push(b"Z=g=").is_err());
        assert!(TextDecoder::new().push(b"Zg\r\n").is_err());
        assert!(TextDecoder::new().push(b"====").is_err());
        let mut d = TextDecoder::new();
        d.push(b"Zm9vY").unwrap();
        assert!(d.finish().is_err());
        let mut d = TextDecoder::new();
        assert_eq!(&d.push(b"Zm9vYg").unwrap()[..], b"foo");
        assert_eq!(&d.finish().unwrap()[..], b"b");
    }

    proptest! {
        #[test]
        fn round_trip_split_anywhere(pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..5),
                                     cut in 1usize..9) {
            let mut text = Vec::new();
            let mut plain = Vec::new();
            for p in &pieces {
                text.extend_from_slice(&padded(p));
                plain.extend_from_slice(p);
            }
            let mut d = TextDecoder::new();
            let mut got = Vec::new();
            for c in text.chunks(cut) {
                got.extend_from_slice(&d.push(c).unwrap());
            }
            got.extend_from_slice(&d.finish().unwrap());
            prop_assert_eq!(got, plain);
        }

        #[test]
        fn url_safe_round_trip(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(decode_url_safe(encode_url_safe(&data).as_bytes()).unwrap(), data);
        }
    }
}
