//! The soak's messages: raw bytes (no protobuf), each naming its call and position and carrying
//! a checksum, so that both ends can tell a message that belongs to another call, comes out of
//! order, or was altered on the way.
//!
//! Layout: `magic u32 | call u64 | seq u32 | filler length u32 | filler | checksum u64`, all
//! little-endian; the filler is a pseudo-random pattern of the call and position; the
//! checksum covers everything before it.

use bytes::{BufMut, Bytes, BytesMut};

use crate::rng::Rng;

const MAGIC: u32 = 0x4B41_4F53; // "SOAK"

/// Bytes of a message besides its filler.
pub const OVERHEAD: u64 = 4 + 8 + 4 + 4 + 8;

/// A 64-bit checksum, eight bytes at a time (FNV-1a's constants on words, finished by
/// SplitMix's mixer): it only has to catch accidents, fast.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(0x0100_0000_01B3).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^ (h >> 33)
}

/// Message `seq` of call `call` with `len` bytes of filler.
pub fn encode(call: u64, seq: u32, len: u32) -> Bytes {
    let mut b = BytesMut::with_capacity(OVERHEAD as usize + len as usize);
    b.put_u32_le(MAGIC);
    b.put_u64_le(call);
    b.put_u32_le(seq);
    b.put_u32_le(len);
    let start = b.len();
    b.resize(start + len as usize, 0);
    Rng::derive(call, &[u64::from(seq)]).fill(&mut b[start..]);
    let sum = checksum(&b);
    b.put_u64_le(sum);
    b.freeze()
}

/// Why a message is not the one expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Too short, wrong magic, or its length field disagrees with its size.
    Malformed,
    /// The checksum does not match: altered on the way.
    Checksum,
    /// A well-formed message of another call or at another position.
    Misplaced {
        /// The call it names.
        call: u64,
        /// The position it names.
        seq: u32,
    },
    /// The right message with the wrong filler length.
    Length(u32),
}

/// Checks that `msg` is message `seq` of call `call` with `len` bytes of filler.
pub fn check(msg: &[u8], call: u64, seq: u32, len: u32) -> Result<(), Invalid> {
    if msg.len() < OVERHEAD as usize {
        return Err(Invalid::Malformed);
    }
    let (body, sum) = msg.split_at(msg.len() - 8);
    let u32_at = |i: usize| u32::from_le_bytes(body[i..i + 4].try_into().expect("4 bytes"));
    if u32_at(0) != MAGIC || u64::from(u32_at(16)) + OVERHEAD != msg.len() as u64 {
        return Err(Invalid::Malformed);
    }
    if checksum(body) != u64::from_le_bytes(sum.try_into().expect("8 bytes")) {
        return Err(Invalid::Checksum);
    }
    let got_call = u64::from_le_bytes(body[4..12].try_into().expect("8 bytes"));
    let got_seq = u32_at(12);
    if (got_call, got_seq) != (call, seq) {
        return Err(Invalid::Misplaced {
            call: got_call,
            seq: got_seq,
        });
    }
    if u32_at(16) != len {
        return Err(Invalid::Length(u32_at(16)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_alteration_is_caught() {
        let m = encode(77, 3, 100);
        assert_eq!(m.len() as u64, OVERHEAD + 100);
        assert_eq!(check(&m, 77, 3, 100), Ok(()));
        assert_eq!(
            check(&m, 78, 3, 100),
            Err(Invalid::Misplaced { call: 77, seq: 3 })
        );
        assert_eq!(
            check(&m, 77, 2, 100),
            Err(Invalid::Misplaced { call: 77, seq: 3 })
        );
        assert_eq!(check(&m, 77, 3, 99), Err(Invalid::Length(100)));
        assert_eq!(check(&m[..20], 77, 3, 100), Err(Invalid::Malformed));
        for i in 0..m.len() {
            for mask in [1u8, 0x80, 0xFF] {
                let mut b = m.to_vec();
                b[i] ^= mask;
                assert!(
                    check(&b, 77, 3, 100).is_err(),
                    "byte {i} ^ {mask:#x} not caught"
                );
            }
        }
    }

    #[test]
    fn fillers_differ_between_calls() {
        assert_ne!(encode(1, 0, 64)[20..84], encode(2, 0, 64)[20..84]);
        assert_eq!(encode(1, 0, 64), encode(1, 0, 64));
    }
}
