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

/// The twelve bits of each pair of input characters (both alphabets), indexed by the pair
/// read as a little-endian `u16`, with bit 15 set when either character is outside both
/// alphabets: two lookups (and two loads of the input) decode three bytes, where one lookup
/// per character took about a fifth more time. 128 KiB of table, of which the pairs of
/// base64 characters touch about 12 KiB (64 rows of about 160 bytes).
const PAIR_INVALID: u16 = 1 << 15;
static PAIRS: [u16; 1 << 16] = {
    let mut t = [PAIR_INVALID; 1 << 16];
    let mut lo = 0;
    while lo < 256 {
        let mut hi = 0;
        while hi < 256 {
            let (a, b) = (DECODE[lo], DECODE[hi]);
            if a != INVALID && b != INVALID {
                t[lo | (hi << 8)] = ((a as u16) << 6) | b as u16;
            }
            hi += 1;
        }
        lo += 1;
    }
    t
};

/// The twelve bits of the two characters of `c`.
#[inline(always)]
fn pair(c: &[u8]) -> u16 {
    let mut a = [0u8; 2];
    a.copy_from_slice(c);
    PAIRS[usize::from(u16::from_le_bytes(a))]
}

/// The two characters of each twelve bits, as a little-endian `u16` (the first character in
/// the low byte): one lookup writes two characters, so six input bytes (one eight-byte load)
/// become eight characters (one eight-byte store) by four lookups. 8 KiB of table.
static ENCODE_PAIRS: [u16; 1 << 12] = {
    let mut t = [0u16; 1 << 12];
    let mut i = 0;
    while i < 1 << 12 {
        t[i] = (ALPHABET[i >> 6] as u16) | ((ALPHABET[i & 63] as u16) << 8);
        i += 1;
    }
    t
};

/// The eight characters of the six bytes in bits 16..64 of `v` (big-endian order), as a
/// little-endian `u64` (the first character in the low byte).
#[inline(always)]
fn eight(v: u64) -> u64 {
    let p = |shift: u32| u64::from(ENCODE_PAIRS[(v >> shift) as usize & 0xfff]);
    p(52) | (p(40) << 16) | (p(28) << 32) | (p(16) << 48)
}

/// Appends the standard base64 encoding of `b`, with `=` padding.
pub fn encode_into(out: &mut String, b: &[u8]) {
    out.reserve(b.len().div_ceil(3) * 4);
    // Whole groups through a stack buffer, then one append (ASCII, so the UTF-8 check of the
    // append is a word-at-a-time scan). Twelve bytes per step, as two eight-byte loads (the
    // second at offset four, its first two bytes shifted out), sixteen characters as two
    // eight-byte stores.
    const STEPS: usize = 128;
    let mut buf = [0u8; STEPS * 16];
    let mut steps = b.chunks_exact(12);
    loop {
        let mut n = 0;
        for (c, o) in (&mut steps).take(STEPS).zip(buf.chunks_exact_mut(16)) {
            let lo = u64::from_be_bytes(c[..8].try_into().unwrap_or_default());
            let hi = u64::from_be_bytes(c[4..].try_into().unwrap_or_default());
            o[..8].copy_from_slice(&eight(lo).to_le_bytes());
            o[8..].copy_from_slice(&eight(hi << 16).to_le_bytes());
            n += 16;
        }
        if n == 0 {
            break;
        }
        out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
        if n < STEPS * 16 {
            break;
        }
    }
    // The last 0-11 bytes: whole groups of three, then the padded rest.
    let mut chunks = steps.remainder().chunks_exact(3);
    for c in &mut chunks {
        let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            out.push(ALPHABET[(v >> shift) as usize & 63] as char);
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
    // Whole groups: each pair of characters is one lookup of twelve bits; an invalid
    // character sets bit 15 of `bad`, checked once at the end (the output is thrown away
    // then). Eight characters to 48 bits:
    let mut bad = 0u16;
    let mut six = |c: &[u8]| {
        let (p, q, r, s) = (
            pair(&c[..2]),
            pair(&c[2..4]),
            pair(&c[4..6]),
            pair(&c[6..8]),
        );
        bad |= p | q | r | s;
        (u64::from(p) << 36) | (u64::from(q) << 24) | (u64::from(r) << 12) | u64::from(s)
    };
    // Four groups per step (sixteen characters to twelve bytes, two stores), then two, then
    // one.
    let quads = whole / 4;
    for (c, o) in b[..quads * 16]
        .chunks_exact(16)
        .zip(out[..quads * 12].chunks_exact_mut(12))
    {
        let (v, u) = (six(&c[..8]), six(&c[8..]));
        o[..8].copy_from_slice(&((v << 16) | (u >> 32)).to_be_bytes());
        o[8..].copy_from_slice(&(u as u32).to_be_bytes());
    }
    let mut at = quads * 12;
    let mut i = quads * 16;
    if whole % 4 >= 2 {
        let v = six(&b[i..i + 8]);
        out[at..at + 6].copy_from_slice(&v.to_be_bytes()[2..]);
        at += 6;
        i += 8;
    }
    if whole % 2 == 1 {
        let (p, q) = (pair(&b[i..i + 2]), pair(&b[i + 2..i + 4]));
        bad |= p | q;
        let n = (u32::from(p) << 12) | u32::from(q);
        out[at..at + 3].copy_from_slice(&n.to_be_bytes()[1..]);
    }
    if bad & PAIR_INVALID != 0 {
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
    fn bytes_outside_ascii() {
        // A byte from 0x80 up whose low seven bits are a base64 character, in every position
        // of a two-group step, of a lone group and of the tail.
        let good = b"QUJDREVGR0hJSktM";
        assert_eq!(decode_bytes(good).unwrap(), b"ABCDEFGHIJKL");
        for n in [4, 8, 12, 14, 15] {
            for i in 0..n {
                let mut b = good[..n].to_vec();
                b[i] |= 0x80;
                assert!(decode_bytes(&b).is_none(), "{n} {i}");
            }
        }
        // Every pair of bytes as the first two characters of a group.
        for x in 0..=255u8 {
            for y in 0..=255u8 {
                let b = [x, y, b'A', b'A', b'A', b'A', b'A', b'A'];
                let ok = DECODE[usize::from(x)] != INVALID && DECODE[usize::from(y)] != INVALID;
                assert_eq!(decode_bytes(&b).is_some(), ok, "{x} {y}");
            }
        }
    }

    #[test]
    fn encode_matches_one_group_at_a_time() {
        // Past a whole stack buffer (2048 bytes in), with every tail length.
        let data: Vec<u8> = (0..4000u32).map(|i| ((i * 7919) >> 3) as u8).collect();
        for n in (0..64).chain(1530..1560).chain(3060..3080) {
            let mut want = String::new();
            for c in data[..n].chunks(3) {
                let v = c
                    .iter()
                    .enumerate()
                    .fold(0u32, |v, (i, &x)| v | u32::from(x) << (16 - 8 * i));
                for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
                    want.push(if i <= c.len() {
                        ALPHABET[(v >> shift) as usize & 63] as char
                    } else {
                        '='
                    });
                }
            }
            assert_eq!(encode(&data[..n]), want, "{n}");
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
