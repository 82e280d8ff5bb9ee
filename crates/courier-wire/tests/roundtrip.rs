//! Property tests: every scalar kind (singular, optional, packed, expanded, mixed), strings,
//! bytes, maps, unknown fields and whole random messages survive encode → decode.

use bytes::Bytes;
use courier_wire::testing::TestAll;
use courier_wire::{Encoder, Message, UnknownFields, WireType, field};
use proptest::prelude::*;

fn non_nan_f32() -> impl Strategy<Value = f32> {
    any::<u32>().prop_map(|b| {
        let v = f32::from_bits(b);
        if v.is_nan() { 0.5 } else { v }
    })
}

fn non_nan_f64() -> impl Strategy<Value = f64> {
    any::<u64>().prop_map(|b| {
        let v = f64::from_bits(b);
        if v.is_nan() { 0.5 } else { v }
    })
}

#[track_caller]
fn round_trip(m: &TestAll) -> Result<(), TestCaseError> {
    let bytes = m.encode_to_vec();
    prop_assert_eq!(bytes.len(), m.encoded_len());
    let back = TestAll::decode(&bytes[..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, m);
    let back = TestAll::decode_bytes(Bytes::from(bytes))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, m);
    Ok(())
}

macro_rules! scalar_props {
    ($($test:ident: $module:ident, $strategy:expr, $single:ident, $packed:ident, $packed_no:literal, $expanded:ident, $expanded_no:literal;)*) => {$(
        proptest! {
            #[test]
            fn $test(v in $strategy, vs in prop::collection::vec($strategy, 0..80), split in 0usize..80) {
                // Singular, packed and expanded through the message.
                round_trip(&TestAll { $single: v, ..Default::default() })?;
                round_trip(&TestAll { $packed: vs.clone(), $expanded: vs.clone(), ..Default::default() })?;

                // Decoders accept either form for either field, and mixes of both.
                let split = split.min(vs.len());
                let mut wire = Vec::new();
                let mut enc = Encoder::new(&mut wire);
                field::$module::encode_repeated($packed_no, &vs[..split], &mut enc);
                field::$module::encode_packed($packed_no, &vs[split..], &mut enc);
                field::$module::encode_packed($expanded_no, &vs[..split], &mut enc);
                field::$module::encode_repeated($expanded_no, &vs[split..], &mut enc);
                let m = TestAll::decode(&wire[..]).unwrap();
                prop_assert_eq!(&m.$packed, &vs);
                prop_assert_eq!(&m.$expanded, &vs);

                // Singular fields: the last record wins.
                let mut wire = Vec::new();
                let mut enc = Encoder::new(&mut wire);
                for x in &vs {
                    field::$module::encode(1000, x, &mut enc);
                }
                prop_assert_eq!(wire.len(), field::$module::encoded_len_repeated(1000, &vs));
            }
        }
    )*};
}

scalar_props! {
    int32: int32, any::<i32>(), f_int32, p_int32, 31, u_int32, 51;
    int64: int64, any::<i64>(), f_int64, p_int64, 32, u_int64, 52;
    uint32: uint32, any::<u32>(), f_uint32, p_uint32, 33, u_uint32, 53;
    uint64: uint64, any::<u64>(), f_uint64, p_uint64, 34, u_uint64, 54;
    sint32: sint32, any::<i32>(), f_sint32, p_sint32, 35, u_sint32, 55;
    sint64: sint64, any::<i64>(), f_sint64, p_sint64, 36, u_sint64, 56;
    fixed32: fixed32, any::<u32>(), f_fixed32, p_fixed32, 37, u_fixed32, 57;
    fixed64: fixed64, any::<u64>(), f_fixed64, p_fixed64, 38, u_fixed64, 58;
    sfixed32: sfixed32, any::<i32>(), f_sfixed32, p_sfixed32, 39, u_sfixed32, 59;
    sfixed64: sfixed64, any::<i64>(), f_sfixed64, p_sfixed64, 40, u_sfixed64, 60;
    float: float, non_nan_f32(), f_float, p_float, 41, u_float, 61;
    double: double, non_nan_f64(), f_double, p_double, 42, u_double, 62;
    boolean: bool, any::<bool>(), f_bool, p_bool, 43, u_bool, 63;
    enumeration: enumeration, any::<i32>(), f_enum, p_enum, 44, u_enum, 64;
}

/// Values of every varint length (a random value shifted right by 0–63 bits).
fn any_length_u64() -> impl Strategy<Value = u64> {
    (any::<u64>(), 0u32..64).prop_map(|(v, s)| v >> s)
}

proptest! {
    /// `Encoder::put_varints` writes what `put_varint` writes for each value, for runs of every
    /// length (short ones, whole blocks and remainders) and of single-byte values (its
    /// eight-at-once path), and packed `int32` built on it round-trips.
    #[test]
    fn varint_runs(any_len in prop::collection::vec(any_length_u64(), 0..150),
                   small in prop::collection::vec(0u64..0x80, 0..150),
                   mostly_small in prop::collection::vec(
                       prop_oneof![9 => 0u64..0x80, 1 => any_length_u64()], 0..150)) {
        for values in [&any_len, &small, &mostly_small] {
            let mut one_by_one = Vec::new();
            let mut enc = Encoder::new(&mut one_by_one);
            for v in values {
                enc.put_varint(*v);
            }
            let mut run = Vec::new();
            Encoder::new(&mut run).put_varints(values, |v| v);
            prop_assert_eq!(&run, &one_by_one);
            round_trip(&TestAll {
                p_int32: values.iter().map(|v| *v as i32).collect(),
                p_uint64: values.clone(),
                ..TestAll::default()
            })?;
        }
    }

    #[test]
    fn last_singular_record_wins(vs in prop::collection::vec(any::<i64>(), 1..10)) {
        let mut wire = Vec::new();
        let mut enc = Encoder::new(&mut wire);
        for v in &vs {
            field::sint64::encode(6, v, &mut enc);
        }
        prop_assert_eq!(TestAll::decode(&wire[..]).unwrap().f_sint64, *vs.last().unwrap());
    }

    #[test]
    fn strings_and_bytes(s in ".*", b in prop::collection::vec(any::<u8>(), 0..300),
                         ss in prop::collection::vec(".{0,5}", 0..5)) {
        round_trip(&TestAll {
            f_string: s.clone(),
            o_string: Some(s),
            f_bytes: Bytes::from(b.clone()),
            r_bytes: vec![Bytes::from(b), Bytes::new()],
            r_string: ss,
            ..Default::default()
        })?;
    }

    #[test]
    fn invalid_utf8_is_rejected(b in prop::collection::vec(any::<u8>(), 0..40)) {
        let mut wire = Vec::new();
        field::bytes_vec::encode(15, &b, &mut Encoder::new(&mut wire));
        let r = TestAll::decode(&wire[..]);
        prop_assert_eq!(r.is_ok(), std::str::from_utf8(&b).is_ok());
    }

    #[test]
    fn maps(a in prop::collection::hash_map(".{0,4}", any::<i32>(), 0..6),
            b in prop::collection::hash_map(any::<bool>(), prop::collection::vec(any::<u8>(), 0..5), 0..3),
            c in prop::collection::hash_map(any::<u32>(), non_nan_f64(), 0..5),
            d in prop::collection::hash_map(any::<u64>(), any::<i64>(), 0..5)) {
        let m = TestAll {
            m_string_int32: a,
            m_bool_bytes: b.into_iter().map(|(k, v)| (k, Bytes::from(v))).collect(),
            m_fixed32_double: c,
            m_uint64_sfixed64: d,
            ..Default::default()
        };
        round_trip(&m)?;
    }

    #[test]
    fn unknown_fields_interleaved(known in prop::collection::vec(any::<i32>(), 0..5),
                                  unknown in prop::collection::vec((1000u32..2000, any::<u64>(), 0u8..4), 0..8)) {
        // Known and unknown records alternate; unknown ones come back in order, byte-exact.
        let mut wire = Vec::new();
        let mut raw_unknown = Vec::new();
        let mut enc = Encoder::new(&mut wire);
        for (i, (n, v, wt)) in unknown.iter().enumerate() {
            if let Some(k) = known.get(i) {
                field::int32::encode(51, k, &mut enc);
            }
            let mut rec = Vec::new();
            let mut r = Encoder::new(&mut rec);
            match wt {
                0 => { r.put_tag(*n, WireType::Varint); r.put_varint(*v); }
                1 => { r.put_tag(*n, WireType::I64); r.put_fixed64(*v); }
                2 => { r.put_tag(*n, WireType::Len); r.put_len_prefixed(&v.to_le_bytes()[..(*v % 9) as usize]); }
                _ => { r.put_tag(*n, WireType::StartGroup); r.put_tag(1, WireType::I32); r.put_fixed32(*v as u32); r.put_tag(*n, WireType::EndGroup); }
            }
            enc.put_slice(&rec);
            raw_unknown.extend(rec);
        }
        for k in known.iter().skip(unknown.len()) {
            field::int32::encode(51, k, &mut enc);
        }
        let m = TestAll::decode(&wire[..]).unwrap();
        prop_assert_eq!(&m.u_int32, &known);
        prop_assert_eq!(m.unknown_fields.as_bytes(), &raw_unknown[..]);
        prop_assert_eq!(m.unknown_fields.iter().count(), unknown.len());
        let mut again = UnknownFields::new();
        again.push_raw(&raw_unknown).unwrap();
        prop_assert_eq!(&again, &m.unknown_fields);
        round_trip(&m)?;
    }

    #[test]
    fn random_messages(seed: u64, depth in 0u32..4) {
        let m = TestAll::random(seed, depth);
        round_trip(&m)?;
        // Merging two encodings equals decoding their concatenation.
        let other = TestAll::random(seed ^ 0x5555, depth);
        let mut joined = m.encode_to_vec();
        joined.extend(other.encode_to_vec());
        let mut merged = m.clone();
        merged.merge(&other.encode_to_vec()[..]).unwrap();
        prop_assert_eq!(TestAll::decode(&joined[..]).unwrap(), merged);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(m) = TestAll::decode(&b[..]) {
            // Compared by dump (float bits, sorted maps) and length: NaN != NaN.
            let again = TestAll::decode(&m.encode_to_vec()[..]).unwrap();
            prop_assert_eq!(again.dump(), m.dump());
            prop_assert_eq!(again.encoded_len(), m.encoded_len());
        }
    }
}
