//! Base64 as ProtoJSON uses it for `bytes`: standard alphabet with padding on output;
//! standard or URL-safe, padded or not, on input (json.md, "bytes": "standard base64 encoding
//! with paddings. Either standard or URL-safe base64 encoding with/without paddings are
//! accepted"). <https://protobuf.dev/programming-guides/json/#field-representation>
//!
//! Written here rather than taken from the `base64` crate: reading both alphabets, with or
//! without padding, in one pass is one table; the crate's engines read one alphabet each (a
//! second attempt for URL-safe input would scan it twice).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Sextet of each input byte (both alphabets), or `INVALID`.
const INVALID: u8 = 0xff;
const DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};

/// Appends the standard base64 encoding of `b`, with `=` padding.
pub fn encode_into(out: &mut String, b: &[u8]) {
    out.reserve(b.len().div_ceil(3) * 4);
    let mut chunks = b.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
        }
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.push(ALPHABET[((n >> 18) & 63) as usize] as char);
            out.push(ALPHABET[((n >> 12) & 63) as usize] as char);
            out.push_str("==");
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(ALPHABET[((n >> 18) & 63) as usize] as char);
            out.push(ALPHABET[((n >> 12) & 63) as usize] as char);
            out.push(ALPHABET[((n >> 6) & 63) as usize] as char);
            out.push('=');
        }
        _ => {}
    }
}

/// The standard base64 encoding of `b`.
pub fn encode(b: &[u8]) -> String {
    let mut s = String::new();
    encode_into(&mut s, b);
    s
}

/// Decodes standard or URL-safe base64, with or without `=` padding; `None` for anything
/// else (other characters, whitespace, misplaced padding, an impossible length).
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let mut b = s.as_bytes();
    // Padding: none, or enough to make a multiple of four (one or two `=`).
    if b.len() % 4 == 0 {
        if let Some(rest) = b.strip_suffix(b"==") {
            b = rest;
        } else if let Some(rest) = b.strip_suffix(b"=") {
            b = rest;
        }
    }
    if b.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3 + 2);
    let mut chunks = b.chunks_exact(4);
    for c in &mut chunks {
        let mut n = 0u32;
        for &x in c {
            let v = DECODE[usize::from(x)];
            if v == INVALID {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut n = 0u32;
        for &x in rest {
            let v = DECODE[usize::from(x)];
            if v == INVALID {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        n <<= 6 * (4 - rest.len());
        out.push((n >> 16) as u8);
        if rest.len() == 3 {
            out.push((n >> 8) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
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
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
            assert_eq!(decode(enc.trim_end_matches('=')).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_safe_and_errors() {
        assert_eq!(decode("-_8=").unwrap(), decode("+/8=").unwrap());
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
        for bad in [
            "Z", "Zg=", "Zg===", "Z g=", "Zg==Zg==", "Zm9v!", "=", "Zm9=v",
        ] {
            assert!(decode(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn round_trip_all_lengths() {
        let data: Vec<u8> = (0..=255).collect();
        for n in 0..data.len() {
            assert_eq!(decode(&encode(&data[..n])).unwrap(), &data[..n]);
        }
    }
}
