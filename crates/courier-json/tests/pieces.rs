//! The fast paths of the JSON pieces against plain reference implementations, on random input:
//! string escaping and scanning (eight bytes at a time), integer conversion (the plain-digits
//! path), base64 (both directions), RFC 3339 / duration formatting, and the number map keys
//! are sorted by first.

use courier_json::rt::MapKey;
use courier_json::{Number, Reader, base64, escape_into, time};
use courier_wire::field::kind;
use proptest::prelude::*;

/// The JSON string of `s`, one character at a time.
fn escape_reference(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Strings rich in the bytes the fast paths look for, at every offset.
fn tricky() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('"'),
            Just('\\'),
            Just('\n'),
            Just('\u{1f}'),
            Just('\u{0}'),
            Just(' '),
            Just('!'),
            Just('\u{7f}'),
            Just('é'),
            Just('😀'),
            any::<char>(),
            proptest::char::range('a', 'z'),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn plain_base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &x)| n | u32::from(x) << (16 - 8 * i));
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn escaping_matches_the_reference_and_reads_back(s in tricky()) {
        let mut out = String::new();
        escape_into(&mut out, &s);
        prop_assert_eq!(&out, &escape_reference(&s));
        let mut r = Reader::new(&out);
        prop_assert_eq!(r.read_string().unwrap(), s);
        r.finish().unwrap();
    }

    #[test]
    fn raw_control_characters_are_refused_wherever_they_are(prefix in "[a-z]{0,20}", c in 0u8..0x20, suffix in "[a-z]{0,20}") {
        let json = format!("\"{prefix}{}{suffix}\"", c as char);
        let mut r = Reader::new(&json);
        prop_assert!(r.read_string().is_err());
    }

    #[test]
    fn plain_integers_convert_exactly(v in any::<i64>(), u in any::<u64>()) {
        let t = v.to_string();
        prop_assert_eq!(Number::parse(&t).unwrap().to_i64(), Some(v));
        prop_assert_eq!(Number::parse(&t).unwrap().to_i32(), i32::try_from(v).ok());
        let t = u.to_string();
        prop_assert_eq!(Number::parse(&t).unwrap().to_u64(), Some(u));
        prop_assert_eq!(Number::parse(&t).unwrap().to_i64(), i64::try_from(u).ok());
        prop_assert_eq!(Number::parse(&t).unwrap().to_u32(), u32::try_from(u).ok());
        // The general path agrees on the same values written with an exponent.
        let e = format!("{u}e0");
        prop_assert_eq!(Number::parse(&e).unwrap().to_u64(), Some(u));
    }

    #[test]
    fn base64_matches_the_reference(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let enc = base64::encode(&b);
        prop_assert_eq!(&enc, &plain_base64(&b));
        prop_assert_eq!(base64::decode(&enc).unwrap(), b.clone());
        let url = enc.replace('+', "-").replace('/', "_");
        prop_assert_eq!(base64::decode(url.trim_end_matches('=')).unwrap(), b);
    }

    #[test]
    fn bytes_values_read_with_or_without_escapes(b in proptest::collection::vec(any::<u8>(), 0..100), escape_at in any::<prop::sample::Index>()) {
        let enc = base64::encode(&b);
        let json = format!("\"{enc}\"");
        prop_assert_eq!(courier_json::scalar::read_bytes(&mut Reader::new(&json)).unwrap(), b.clone());
        // One character written as a \u escape: the same bytes.
        if !enc.is_empty() {
            let at = escape_at.index(enc.len());
            let c = enc.as_bytes()[at];
            let escaped = format!("\"{}\\u{:04x}{}\"", &enc[..at], c, &enc[at + 1..]);
            prop_assert_eq!(courier_json::scalar::read_bytes(&mut Reader::new(&escaped)).unwrap(), b);
        }
    }

    #[test]
    fn base64_accepts_only_whole_groups(s in "[A-Za-z0-9+/=_\\- !]{0,40}") {
        // What decodes has one byte per 8 bits of its characters (padding aside) and reads
        // back from its standard encoding; characters outside both alphabets never decode.
        if let Some(b) = base64::decode(&s) {
            let chars = s.trim_end_matches('=');
            prop_assert!(!chars.contains(['=', ' ', '!']));
            prop_assert_eq!(b.len(), chars.len() * 6 / 8);
            prop_assert_eq!(base64::decode(&base64::encode(&b)).unwrap(), b);
        }
    }

    #[test]
    fn timestamps_round_trip(secs in time::MIN_TIMESTAMP_SECONDS..=time::MAX_TIMESTAMP_SECONDS, nanos in 0i32..1_000_000_000) {
        let mut s = String::new();
        time::format_timestamp(&mut s, secs, nanos).unwrap();
        prop_assert_eq!(time::parse_timestamp(&s).unwrap(), (secs, nanos));
        let mut d = String::new();
        let (ds, dn) = (secs % time::MAX_DURATION_SECONDS, nanos);
        let dn = if ds < 0 { -dn } else { dn };
        time::format_duration(&mut d, ds, dn).unwrap();
        prop_assert_eq!(time::parse_duration(&d).unwrap(), (ds, dn));
    }

    #[test]
    fn map_key_order_prefixes_agree_with_ord(
        strings in proptest::collection::vec("[a-c\\x00\u{e9}]{0,10}", 0..30),
        ints in proptest::collection::vec(any::<i64>(), 0..30),
        small in proptest::collection::vec(any::<i32>(), 0..30),
        unsigned in proptest::collection::vec(any::<u64>(), 0..30),
    ) {
        fn check<K: MapKey>(mut keys: Vec<K::Value>) -> Result<(), TestCaseError>
        where
            K::Value: Clone + std::fmt::Debug,
        {
            let mut by_ord = keys.clone();
            by_ord.sort();
            keys.sort_by(|a, b| K::order_prefix(a).cmp(&K::order_prefix(b)).then_with(|| a.cmp(b)));
            prop_assert_eq!(keys, by_ord);
            Ok(())
        }
        check::<kind::String>(strings)?;
        check::<kind::Int64>(ints)?;
        check::<kind::Int32>(small)?;
        check::<kind::Uint64>(unsigned)?;
        check::<kind::Bool>(vec![true, false, true])?;
    }
}
