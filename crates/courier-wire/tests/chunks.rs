//! Chunked (vectored) encode: `encode_to_chunks` yields exactly the bytes of `encode_to_vec`,
//! with large `bytes` values carried as their own pieces (not copied) wherever they occur —
//! singular, repeated, map values, oneof members, nested messages.

use std::io::IoSlice;

use bytes::{Buf, Bytes};
use courier_wire::testing::{Choice, Nested, TestAll};
use courier_wire::{ChunkOptions, DEFAULT_SPLICE_MIN_LEN, EncodedChunks, Message};
use proptest::prelude::*;

/// Every piece, through `chunks_vectored` with room for all of them.
fn vectored(c: &EncodedChunks) -> Vec<Vec<u8>> {
    let mut slots = vec![IoSlice::new(&[]); c.piece_count() + 1];
    let n = c.chunks_vectored(&mut slots);
    assert_eq!(n, c.piece_count());
    slots[..n].iter().map(|s| s.to_vec()).collect()
}

/// Every piece, through `chunk` and `advance`.
fn walked(mut c: EncodedChunks) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while c.has_remaining() {
        let piece = c.chunk().to_vec();
        assert!(!piece.is_empty());
        c.advance(piece.len());
        out.push(piece);
    }
    out
}

/// Checks a chunked encode of `m` with `options` against `encode_to_vec` every way it can be
/// read, and returns the pieces.
fn check(m: &TestAll, options: &ChunkOptions) -> Vec<Vec<u8>> {
    let expected = m.encode_to_vec();
    let c = m.encode_to_chunks_with(options);
    assert_eq!(c.remaining(), expected.len());
    let pieces = vectored(&c);
    assert_eq!(pieces.concat(), expected);
    assert_eq!(walked(c.clone()), pieces);
    assert!(pieces.iter().all(|p| !p.is_empty()));
    assert_eq!(c.clone().into_bytes(), expected);
    assert_eq!(TestAll::decode(c).unwrap(), *m);
    pieces
}

fn bytes_of(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn known_answer_one_large_field() {
    let value = bytes_of(DEFAULT_SPLICE_MIN_LEN, 1);
    let m = TestAll {
        f_int32: 150,
        f_bytes: value.clone(),
        f_bool: true,
        ..Default::default()
    };
    let c = m.encode_to_chunks();
    // f_int32 = 1 (08 96 01), f_bool = 13 (68 01), then f_bytes = 16: key 82 01, length
    // 4096 = 80 20 — then the value as its own piece.
    assert_eq!(c.piece_count(), 2);
    assert_eq!(
        c.chunk(),
        [0x08, 0x96, 0x01, 0x68, 0x01, 0x82, 0x01, 0x80, 0x20]
    );
    let mut slots = [IoSlice::new(&[]); 2];
    assert_eq!(c.chunks_vectored(&mut slots), 2);
    // The second piece is the caller's value itself, not a copy.
    assert_eq!(slots[1].as_ptr(), value.as_ptr());
    assert_eq!(slots[1].len(), value.len());
    check(&m, &ChunkOptions::new());
}

#[test]
fn threshold_is_inclusive() {
    for (len, pieces) in [
        (DEFAULT_SPLICE_MIN_LEN - 1, 1),
        (DEFAULT_SPLICE_MIN_LEN, 2),
        (DEFAULT_SPLICE_MIN_LEN + 1, 2),
    ] {
        let m = TestAll {
            f_bytes: bytes_of(len, 2),
            f_string: "after".into(),
            ..Default::default()
        };
        // f_string (15) comes before f_bytes (16): nothing follows the value.
        assert_eq!(check(&m, &ChunkOptions::new()).len(), pieces, "len {len}");
        let m = TestAll {
            f_bytes: bytes_of(len, 2),
            o_int32: Some(7),
            ..Default::default()
        };
        // o_int32 (18) follows: a third piece after the value.
        let expect = if pieces == 1 { 1 } else { 3 };
        assert_eq!(check(&m, &ChunkOptions::new()).len(), expect, "len {len}");
    }
}

#[test]
fn every_place_a_bytes_value_can_be() {
    let big = |seed| bytes_of(5000, seed);
    let inner = TestAll {
        f_bytes: big(3),
        r_bytes: vec![big(4), Bytes::from_static(b"small"), big(5)],
        ..Default::default()
    };
    let m = TestAll {
        f_bytes: big(6),
        r_bytes: vec![big(7)],
        m_bool_bytes: [(true, big(8))].into_iter().collect(),
        f_nested: Some(Nested {
            a: 1,
            child: Some(Box::new(inner.clone())),
            ..Default::default()
        }),
        r_nested: vec![Nested {
            a: 2,
            child: Some(Box::new(inner)),
            ..Default::default()
        }],
        g_nested: Some(Nested {
            a: 3,
            child: Some(Box::new(TestAll {
                f_bytes: big(9),
                ..Default::default()
            })),
            ..Default::default()
        }),
        choice: Some(Choice::CBytes(big(10))),
        ..Default::default()
    };
    let pieces = check(&m, &ChunkOptions::new());
    // 4 top-level values + 3 in each of the two nested copies of `inner` + 1 in the group.
    let spliced = pieces.iter().filter(|p| p.len() == 5000).count();
    assert_eq!(spliced, 11);
    // Splicing nothing gives one piece; splicing everything non-empty gives more.
    let none = ChunkOptions::new().with_splice_min_len(usize::MAX);
    assert_eq!(check(&m, &none).len(), 1);
    let all = ChunkOptions::new().with_splice_min_len(1);
    assert!(check(&m, &all).len() > pieces.len());
}

#[test]
fn small_messages_are_one_piece_without_splicing() {
    let m = TestAll {
        f_bytes: Bytes::from_static(b"abc"),
        ..Default::default()
    };
    let c = m.encode_to_chunks();
    assert_eq!(c.piece_count(), 1);
    assert_eq!(c.chunk(), m.encode_to_vec());
    let empty = TestAll::default().encode_to_chunks();
    assert_eq!((empty.remaining(), empty.piece_count()), (0, 0));
    assert_eq!(empty.chunk(), b"");
}

#[test]
fn copy_to_bytes_returns_the_spliced_value_itself() {
    let value = bytes_of(10_000, 4);
    let m = TestAll {
        f_bytes: value.clone(),
        o_int32: Some(1),
        ..Default::default()
    };
    let mut c = m.encode_to_chunks();
    // f_bytes = 16: key 82 01, length 10000 = 90 4e.
    assert_eq!(c.chunk(), [0x82, 0x01, 0x90, 0x4e]);
    assert_eq!(c.copy_to_bytes(4), [0x82, 0x01, 0x90, 0x4e][..]);
    let got = c.copy_to_bytes(value.len());
    assert_eq!(got.as_ptr(), value.as_ptr());
    assert_eq!(got, value);
    // o_int32 = 18: key 90 01, value 01.
    assert_eq!(c.copy_to_bytes(c.remaining()), [0x90, 0x01, 0x01][..]);
}

proptest! {
    /// Random messages (small `bytes` values, 0–8 bytes) with thresholds around their sizes,
    /// read back as a `Buf` in random steps that cross piece boundaries.
    #[test]
    fn chunks_concatenate_to_encode_to_vec(
        seed in any::<u64>(),
        min in 1usize..10,
        steps in prop::collection::vec(1usize..40, 1..20),
    ) {
        let m = TestAll::random(seed, 3);
        let expected = m.encode_to_vec();
        let options = ChunkOptions::new().with_splice_min_len(min);
        let c = m.encode_to_chunks_with(&options);
        prop_assert_eq!(&vectored(&c).concat(), &expected);
        // Stepwise: copy_to_slice / copy_to_bytes / advance in turn.
        let mut c = c;
        let mut out = Vec::new();
        for (i, step) in steps.iter().cycle().enumerate() {
            if !c.has_remaining() {
                break;
            }
            let n = (*step).min(c.remaining());
            match i % 3 {
                0 => {
                    let mut buf = vec![0; n];
                    c.copy_to_slice(&mut buf);
                    out.extend_from_slice(&buf);
                }
                1 => out.extend_from_slice(&c.copy_to_bytes(n)),
                _ => {
                    let piece = c.chunk();
                    let k = n.min(piece.len());
                    out.extend_from_slice(&piece[..k]);
                    c.advance(k);
                }
            }
            prop_assert_eq!(c.remaining(), expected.len() - out.len());
        }
        prop_assert_eq!(out, expected);
    }

    /// Large values at and around the default threshold in every bytes position.
    #[test]
    fn large_values_around_the_default_threshold(
        lens in prop::collection::vec(DEFAULT_SPLICE_MIN_LEN - 2..DEFAULT_SPLICE_MIN_LEN + 3, 1..6),
        seed in any::<u64>(),
    ) {
        let mut m = TestAll::random(seed, 1);
        let mut lens = lens.into_iter().map(|l| bytes_of(l, seed as u8));
        m.f_bytes = lens.next().unwrap_or_default();
        m.r_bytes.extend(lens.by_ref().take(2));
        if let Some(v) = lens.next() {
            m.m_bool_bytes.insert(false, v);
        }
        if let Some(v) = lens.next() {
            m.choice = Some(Choice::CBytes(v));
        }
        let spliced = [&m.f_bytes]
            .into_iter()
            .chain(&m.r_bytes)
            .chain(m.m_bool_bytes.values())
            .chain(match &m.choice { Some(Choice::CBytes(v)) => Some(v), _ => None })
            .filter(|v| v.len() >= DEFAULT_SPLICE_MIN_LEN)
            .count();
        let pieces = check(&m, &ChunkOptions::new());
        prop_assert!(pieces.len() > spliced || spliced == 0);
        prop_assert!(pieces.len() <= 2 * spliced + 1);
    }
}
