//! Hash maps keyed by stream identifier, with a multiplicative hash instead of SipHash: the
//! keys come from the peer but are bounded in number by the connection's limits, and a stream
//! lookup happens on every frame.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::frame::StreamId;

/// Fibonacci hashing of a 31-bit stream identifier: spreads consecutive ids over the high bits
/// the table uses.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by stream identifier.
pub(crate) type IdMap<V> = HashMap<StreamId, V, BuildHasherDefault<IdHasher>>;
/// A set of stream identifiers.
pub(crate) type IdSet = HashSet<StreamId, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_work_and_hash_spreads() {
        let mut m: IdMap<u32> = IdMap::default();
        for i in 0..1000 {
            m.insert(StreamId::new(2 * i + 1), i);
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m[&StreamId::new(1999)], 999);
        let h = |n: u32| {
            let mut x = IdHasher::default();
            x.write_u32(n);
            x.finish() >> 57
        };
        // Consecutive odd ids land in different top-7-bit groups.
        let distinct: std::collections::HashSet<u64> = (0..64).map(|i| h(2 * i + 1)).collect();
        assert!(distinct.len() > 32);
    }
}
