//! The HPACK Huffman code (RFC 7541 §5.2 and Appendix B).
//!
//! Encoding packs codes into a 64-bit accumulator and writes whole words. Decoding reads the
//! input 64 bits at a time and resolves each symbol of up to [`FAST_BITS`] bits (every code of
//! the common printable characters) with one lookup in a table; longer codes fall back to the
//! canonical-code search by length. Both tables are computed at compile time (`const fn`) from
//! the Appendix B code list in [`crate::tables::CODES`], so there is no generated file to keep in
//! sync: the tests below check the code itself (complete, canonical, prefix-free) and compare
//! the fast decoder with a plain bit-by-bit tree walk.

use crate::buf::EncodeBuf;
use crate::tables::CODES;

/// Why a Huffman-coded string is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HuffmanError {
    /// The EOS symbol appears in the string.
    Eos,
    /// More than 7 bits of padding, or padding that is not a prefix of EOS (all ones).
    Padding,
}

/// The number of leading bits the fast decoding table resolves at once.
const FAST_BITS: u32 = 11;

/// The longest code (EOS and a few control octets).
const MAX_LEN: usize = 30;

/// The EOS symbol.
const EOS: u16 = 256;

/// Decoding tables, built at compile time from [`CODES`].
struct Tables {
    /// Indexed by the next [`FAST_BITS`] bits: `symbol << 5 | length` for codes of at most
    /// `FAST_BITS` bits, 0 when the code is longer.
    fast: [u16; 1 << FAST_BITS],
    /// For each length, the first (smallest) code of that length (canonical code).
    first: [u32; MAX_LEN + 1],
    /// For each length, how many codes have it.
    count: [u32; MAX_LEN + 1],
    /// For each length, where its symbols start in `sorted`.
    offset: [u32; MAX_LEN + 1],
    /// Symbols sorted by (length, code).
    sorted: [u16; 257],
}

const fn build_tables() -> Tables {
    let mut t = Tables {
        fast: [0; 1 << FAST_BITS],
        first: [0; MAX_LEN + 1],
        count: [0; MAX_LEN + 1],
        offset: [0; MAX_LEN + 1],
        sorted: [0; 257],
    };
    // Fast table: every code of at most FAST_BITS bits fills the entries it is a prefix of.
    let mut sym = 0;
    while sym < 257 {
        let (code, len) = CODES[sym];
        let len = len as u32;
        if len <= FAST_BITS {
            let base = (code << (FAST_BITS - len)) as usize;
            let n = 1usize << (FAST_BITS - len);
            let mut i = 0;
            while i < n {
                t.fast[base + i] = ((sym as u16) << 5) | len as u16;
                i += 1;
            }
        }
        t.count[len as usize] += 1;
        sym += 1;
    }
    // Canonical code: symbols sorted by length (and, within a length, by code, which for this
    // code is also symbol order), and the first code of each length.
    let mut len = 1;
    let mut next_offset = 0;
    let mut code: u32 = 0;
    while len <= MAX_LEN {
        t.offset[len] = next_offset;
        t.first[len] = code;
        let mut sym = 0;
        while sym < 257 {
            if CODES[sym].1 as usize == len {
                t.sorted[next_offset as usize] = sym as u16;
                next_offset += 1;
            }
            sym += 1;
        }
        code = (code + t.count[len]) << 1;
        len += 1;
    }
    t
}

static TABLES: Tables = build_tables();

/// The number of bytes `src` takes Huffman-coded.
#[inline]
pub(crate) fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src.iter().map(|&b| CODES[b as usize].1 as usize).sum();
    bits.div_ceil(8)
}

/// Appends the Huffman coding of `src` to `dst` in one pass; the last byte is padded with the
/// most significant bits of EOS (ones).
///
/// Codes collect in a 64-bit accumulator and leave it four octets at a time. (A branch-free
/// variant that stores a whole word after every code measured slower on header strings.)
#[inline]
pub(crate) fn encode(src: &[u8], dst: &mut impl EncodeBuf) {
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    for &b in src {
        let (code, len) = CODES[b as usize];
        acc = (acc << len) | u64::from(code);
        bits += u32::from(len);
        // Codes have at most 30 bits and at most 31 bits wait in `acc`: it never overflows.
        if bits >= 32 {
            bits -= 32;
            dst.push_slice(&((acc >> bits) as u32).to_be_bytes());
        }
    }
    // RFC 7541 §5.2: "As the Huffman-encoded data doesn't always end at an octet boundary,
    // some padding is inserted after it, up to the next octet boundary. ... this padding is
    // constructed from the most significant bits of the code corresponding to the EOS
    // (end-of-string) symbol." <https://www.rfc-editor.org/rfc/rfc7541#section-5.2>
    // The pending `bits` (< 32) left-aligned in a word whose rest is ones; its first
    // ceil(bits / 8) octets are the end of the coding.
    // (Storing the whole word and truncating beats a variable-length copy.)
    let tail = ((acc << (32 - bits)) as u32) | (((1u64 << (32 - bits)) - 1) as u32);
    let end = dst.len() + bits.div_ceil(8) as usize;
    dst.push_slice(&tail.to_be_bytes());
    dst.truncate_to(end);
}

/// [`encoded_len`] at compile time.
pub(crate) const fn encoded_len_const(src: &[u8]) -> usize {
    let mut bits = 0;
    let mut i = 0;
    while i < src.len() {
        bits += CODES[src[i] as usize].1 as usize;
        i += 1;
    }
    bits.div_ceil(8)
}

/// [`encode`] at compile time, for strings whose coding is precomputed; `N` must be
/// [`encoded_len_const`] of `src`.
pub(crate) const fn encode_const<const N: usize>(src: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    let mut o = 0;
    let mut i = 0;
    while i < src.len() {
        let (code, len) = CODES[src[i] as usize];
        acc = (acc << len) | code as u64;
        bits += len as u32;
        while bits >= 8 {
            bits -= 8;
            out[o] = (acc >> bits) as u8;
            o += 1;
        }
        i += 1;
    }
    if bits > 0 {
        out[o] = ((acc << (8 - bits)) as u8) | (0xff >> bits);
    }
    out
}

/// An upper bound of the decoded length of `encoded_len` Huffman-coded bytes (the shortest code
/// has 5 bits).
#[inline]
pub(crate) fn max_decoded_len(encoded_len: usize) -> usize {
    encoded_len / 5 * 8 + (encoded_len % 5) * 8 / 5
}

/// Decodes `src` into `out`, which must be at least [`max_decoded_len`] long, and returns the
/// decoded length.
pub(crate) fn decode_into(src: &[u8], out: &mut [u8]) -> Result<usize, HuffmanError> {
    let mut n = 0;
    decode_with(src, |b| {
        out[n] = b;
        n += 1;
    })?;
    Ok(n)
}

/// Appends the decoding of `src` to `dst`.
pub(crate) fn decode(src: &[u8], dst: &mut Vec<u8>) -> Result<(), HuffmanError> {
    let start = dst.len();
    dst.resize(start + max_decoded_len(src.len()), 0);
    match decode_into(src, &mut dst[start..]) {
        Ok(n) => {
            dst.truncate(start + n);
            Ok(())
        }
        Err(e) => {
            dst.truncate(start);
            Err(e)
        }
    }
}

/// Decodes `src`, passing each decoded octet to `emit`.
#[inline]
pub(crate) fn decode_with(src: &[u8], mut emit: impl FnMut(u8)) -> Result<(), HuffmanError> {
    let t = &TABLES;
    // `buf` holds the next `n` bits of input, most significant first. Bits below those `n` are
    // either zero or the true following input bits (the 8-byte refill loads a little ahead),
    // so OR-ing input into them again is harmless.
    let mut buf: u64 = 0;
    let mut n: u32 = 0;
    let mut pos = 0;
    loop {
        if n < 32 {
            if let Some(chunk) = src.get(pos..pos + 8) {
                let word = u64::from_be_bytes(chunk.try_into().unwrap_or([0; 8]));
                buf |= word >> n;
                let take = (63 - n) / 8;
                pos += take as usize;
                n += take * 8;
            } else {
                while n <= 56 && pos < src.len() {
                    buf |= u64::from(src[pos]) << (56 - n);
                    n += 8;
                    pos += 1;
                }
            }
        }
        if n == 0 {
            return Ok(());
        }
        let e = t.fast[(buf >> (64 - FAST_BITS)) as usize];
        let len = u32::from(e & 0x1f);
        if len != 0 && len <= n {
            emit((e >> 5) as u8);
            buf <<= len;
            n -= len;
            continue;
        }
        // A code longer than FAST_BITS, or the end of the input.
        let mut found = None;
        if len == 0 {
            let mut l = FAST_BITS as usize + 1;
            while l <= MAX_LEN && l as u32 <= n {
                let code = (buf >> (64 - l)) as u32;
                if code.wrapping_sub(t.first[l]) < t.count[l] {
                    let sym = t.sorted[(t.offset[l] + code - t.first[l]) as usize];
                    found = Some((sym, l as u32));
                    break;
                }
                l += 1;
            }
        }
        match found {
            Some((sym, l)) => {
                // RFC 7541 §5.2: "A Huffman-encoded string literal containing the EOS symbol
                // MUST be treated as a decoding error."
                // <https://www.rfc-editor.org/rfc/rfc7541#section-5.2>
                if sym == EOS {
                    return cold_err(HuffmanError::Eos);
                }
                emit(sym as u8);
                buf <<= l;
                n -= l;
            }
            None => {
                // Only the end of the input leaves an incomplete code (the refill keeps more
                // than 30 bits while input remains): what is left must be padding.
                // RFC 7541 §5.2: "A padding strictly longer than 7 bits MUST be treated as a
                // decoding error. A padding not corresponding to the most significant bits of
                // the code for the EOS symbol MUST be treated as a decoding error."
                // <https://www.rfc-editor.org/rfc/rfc7541#section-5.2>
                if n > 7 || (buf >> (64 - n)) != (1u64 << n) - 1 || pos < src.len() {
                    return cold_err(HuffmanError::Padding);
                }
                return Ok(());
            }
        }
    }
}

#[cold]
#[inline(never)]
fn cold_err<T>(e: HuffmanError) -> Result<T, HuffmanError> {
    Err(e)
}

/// Appendix B as a map from (length, code) to symbol, for the reference decoder.
#[cfg(any(test, fuzzing))]
fn reference_codes() -> &'static std::collections::HashMap<(u8, u32), usize> {
    static MAP: std::sync::OnceLock<std::collections::HashMap<(u8, u32), usize>> =
        std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        CODES
            .iter()
            .enumerate()
            .map(|(sym, &(code, len))| ((len, code), sym))
            .collect()
    })
}

/// A plain bit-by-bit decoder, the reference the fast one is checked against.
#[cfg(any(test, fuzzing))]
pub(crate) fn decode_reference(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
    let mut out = Vec::new();
    let (mut code, mut len) = (0u32, 0u8);
    for &byte in src {
        for bit in (0..8).rev() {
            code = (code << 1) | u32::from((byte >> bit) & 1);
            len += 1;
            if let Some(&sym) = reference_codes().get(&(len, code)) {
                if sym == 256 {
                    return Err(HuffmanError::Eos);
                }
                out.push(sym as u8);
                code = 0;
                len = 0;
            } else if len >= 30 {
                return Err(HuffmanError::Eos);
            }
        }
    }
    if len > 7 || code != (1 << len) - 1 {
        return Err(HuffmanError::Padding);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn code_is_complete_and_canonical() {
        // Kraft: a complete prefix code has sum 2^-len == 1.
        let sum: u64 = CODES.iter().map(|&(_, l)| 1u64 << (30 - l)).sum();
        assert_eq!(sum, 1 << 30);
        // Canonical: sorted by (length, code), each code is the previous one plus one, shifted.
        let mut order: Vec<usize> = (0..257).collect();
        order.sort_by_key(|&s| (CODES[s].1, CODES[s].0));
        for w in order.windows(2) {
            let ((ca, la), (cb, lb)) = (CODES[w[0]], CODES[w[1]]);
            assert_eq!(cb, (ca + 1) << (lb - la), "symbols {} {}", w[0], w[1]);
        }
        // Every code fits its length, and EOS is 30 ones.
        assert!(CODES.iter().all(|&(c, l)| c < (1 << l)));
        assert_eq!(CODES[256], ((1 << 30) - 1, 30));
    }

    #[test]
    fn rfc_examples() {
        // RFC 7541 C.4.1-C.4.3 and C.6.1.
        for (text, coded) in [
            ("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"),
            ("no-cache", "a8eb10649cbf"),
            ("custom-key", "25a849e95ba97d7f"),
            ("custom-value", "25a849e95bb8e8b4bf"),
            ("302", "6402"),
            ("private", "aec3771a4b"),
            (
                "Mon, 21 Oct 2013 20:13:21 GMT",
                "d07abe941054d444a8200595040b8166e082a62d1bff",
            ),
            (
                "https://www.example.com",
                "9d29ad171863c78f0b97c8e9ae82ae43d3",
            ),
        ] {
            let coded = hex(coded);
            assert_eq!(encoded_len(text.as_bytes()), coded.len());
            let mut out = Vec::new();
            encode(text.as_bytes(), &mut out);
            assert_eq!(out, coded, "{text}");
            let mut back = Vec::new();
            decode(&coded, &mut back).unwrap();
            assert_eq!(back, text.as_bytes());
        }
    }

    #[test]
    fn every_symbol_alone() {
        for b in 0..=255u8 {
            let mut out = Vec::new();
            encode(&[b], &mut out);
            let mut back = Vec::new();
            decode(&out, &mut back).unwrap();
            assert_eq!(back, [b]);
            assert_eq!(decode_reference(&out).unwrap(), [b]);
        }
    }

    #[test]
    fn errors() {
        // EOS itself (30 ones) padded with two ones.
        assert_eq!(decode(&[0xff; 4], &mut Vec::new()), Err(HuffmanError::Eos));
        // 'a' (00011) then 8+3 ones of padding: too long.
        assert_eq!(
            decode(&[0b0001_1111, 0xff], &mut Vec::new()),
            Err(HuffmanError::Padding)
        );
        // 'a' then padding 000: not ones.
        assert_eq!(
            decode(&[0b0001_1000], &mut Vec::new()),
            Err(HuffmanError::Padding)
        );
        // A full byte of ones is padding longer than 7 bits.
        assert_eq!(decode(&[0xff], &mut Vec::new()), Err(HuffmanError::Padding));
        // Empty is fine.
        assert_eq!(decode(&[], &mut Vec::new()), Ok(()));
        // 'a' followed by 3 ones of padding is fine.
        let mut v = Vec::new();
        decode(&[0b0001_1111], &mut v).unwrap();
        assert_eq!(v, b"a");
    }

    #[test]
    fn max_decoded_len_is_an_upper_bound() {
        for n in 0..40 {
            // The densest input: all 5-bit codes ('0' is 00000).
            let src = vec![b'0'; n];
            let len = encoded_len(&src);
            assert!(max_decoded_len(len) >= n, "{n}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut coded = Vec::new();
            encode(&data, &mut coded);
            prop_assert_eq!(coded.len(), encoded_len(&data));
            let mut back = Vec::new();
            decode(&coded, &mut back).unwrap();
            prop_assert_eq!(back, data);
        }

        #[test]
        fn fast_decoder_agrees_with_reference(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut fast = Vec::new();
            let fast = decode(&data, &mut fast).map(|()| fast);
            prop_assert_eq!(fast, decode_reference(&data));
        }
    }
}
