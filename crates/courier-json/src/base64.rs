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

/// The sextet of each input byte shifted into place for position `p` of a group (18, 12, 6,
/// 0 bits), with bit 31 set for bytes outside both alphabets: a group decodes to the OR of
/// four lookups, invalid when bit 31 is set.
const fn shifted(shift: u32) -> [u32; 256] {
    let mut t = [1 << 31; 256];
    let mut i = 0;
    while i < 256 {
        if DECODE[i] != INVALID {
            t[i] = (DECODE[i] as u32) << shift;
        }
        i += 1;
    }
    t
}
const D0: [u32; 256] = shifted(18);
const D1: [u32; 256] = shifted(12);
const D2: [u32; 256] = shifted(6);
const D3: [u32; 256] = shifted(0);

/// Appends the standard base64 encoding of `b`, with `=` padding.
pub fn encode_into(out: &mut String, b: &[u8]) {
    out.reserve(b.len().div_ceil(3) * 4);
    // Whole groups through a stack buffer: four characters per three bytes, then one append
    // (ASCII, so the UTF-8 check of the append is a word-at-a-time scan).
    const GROUPS: usize = 256;
    let mut buf = [0u8; GROUPS * 4];
    let mut chunks = b.chunks_exact(3);
    loop {
        let mut n = 0;
        for (c, o) in (&mut chunks).take(GROUPS).zip(buf.chunks_exact_mut(4)) {
            let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
            o[0] = ALPHABET[(v >> 18) as usize & 63];
            o[1] = ALPHABET[(v >> 12) as usize & 63];
            o[2] = ALPHABET[(v >> 6) as usize & 63];
            o[3] = ALPHABET[v as usize & 63];
            n += 4;
        }
        if n == 0 {
            break;
        }
        out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
        if n < GROUPS * 4 {
            break;
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
    decode_bytes(s.as_bytes())
}

/// [`decode`] over bytes.
pub(crate) fn decode_bytes(mut b: &[u8]) -> Option<Vec<u8>> {
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
    let whole = b.len() / 4;
    let tail = match b.len() % 4 {
        2 => 1,
        3 => 2,
        _ => 0,
    };
    let mut out = vec![0u8; whole * 3 + tail];
    // Whole groups: four sextets to three bytes; an invalid character sets bit 31, checked
    // once at the end (the output is thrown away then).
    let group = |c: &[u8]| {
        D0[usize::from(c[0])]
            | D1[usize::from(c[1])]
            | D2[usize::from(c[2])]
            | D3[usize::from(c[3])]
    };
    let mut bad = 0;
    // Two groups per step, then the odd one.
    let pairs = whole / 2;
    for (c, o) in b[..pairs * 8]
        .chunks_exact(8)
        .zip(out[..pairs * 6].chunks_exact_mut(6))
    {
        let (n, m) = (group(&c[..4]), group(&c[4..]));
        bad |= n | m;
        o[0] = (n >> 16) as u8;
        o[1] = (n >> 8) as u8;
        o[2] = n as u8;
        o[3] = (m >> 16) as u8;
        o[4] = (m >> 8) as u8;
        o[5] = m as u8;
    }
    if whole % 2 == 1 {
        let n = group(&b[pairs * 8..pairs * 8 + 4]);
        bad |= n;
        let at = pairs * 6;
        out[at] = (n >> 16) as u8;
        out[at + 1] = (n >> 8) as u8;
        out[at + 2] = n as u8;
    }
    if bad & (1 << 31) != 0 {
        return None;
    }
    let rest = &b[whole * 4..];
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
        let at = whole * 3;
        out[at] = (n >> 16) as u8;
        if rest.len() == 3 {
            out[at + 1] = (n >> 8) as u8;
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
