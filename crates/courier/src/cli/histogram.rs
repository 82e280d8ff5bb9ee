//! A latency histogram shared by the load generator's workers: log-linear buckets (exact below
//! 256 ns, then 128 buckets per power of two, so a bucket is at most 0.8% wide), atomic
//! counters (no lock on the hot path), exact count, sum, min and max.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Values at or above 2^MAX_BITS ns (about 18 minutes) go in the last bucket.
const MAX_BITS: u32 = 40;
/// Number of buckets: `2 * SUB` exact values, then `SUB` per power of two up to MAX_BITS.
const BUCKETS: usize = (2 * SUB + (MAX_BITS as u64 - SUB_BITS as u64 - 1) * SUB) as usize;

/// The bucket of `v` (nanoseconds).
fn index(v: u64) -> usize {
    if v < 2 * SUB {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros();
    if msb >= MAX_BITS {
        return BUCKETS - 1;
    }
    let shift = msb - SUB_BITS;
    (2 * SUB + u64::from(msb - SUB_BITS - 1) * SUB + ((v >> shift) - SUB)) as usize
}

/// The lowest value of bucket `i`, and its width.
fn bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < 2 * SUB {
        return (i, 1);
    }
    let k = i - 2 * SUB;
    let msb = k / SUB + u64::from(SUB_BITS) + 1;
    let shift = msb - u64::from(SUB_BITS);
    ((SUB + k % SUB) << shift, 1 << shift)
}

/// The histogram.
#[derive(Debug)]
pub(crate) struct Histogram {
    counts: Box<[AtomicU64]>,
    count: AtomicU64,
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
        }
    }
}

/// What a histogram holds, read out once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    counts: Vec<u64>,
    pub(crate) count: u64,
    sum: u64,
    pub(crate) min: Duration,
    pub(crate) max: Duration,
}

impl Histogram {
    /// Records one latency.
    pub(crate) fn record(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.counts[index(ns)].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(ns, Ordering::Relaxed);
        // A load first: the extremes rarely change, and a plain load is cheaper than the
        // read-modify-write.
        if ns < self.min.load(Ordering::Relaxed) {
            self.min.fetch_min(ns, Ordering::Relaxed);
        }
        if ns > self.max.load(Ordering::Relaxed) {
            self.max.fetch_max(ns, Ordering::Relaxed);
        }
    }

    /// The values recorded so far.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let count = self.count.load(Ordering::Relaxed);
        Snapshot {
            counts: self
                .counts
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
            count,
            sum: self.sum.load(Ordering::Relaxed),
            min: Duration::from_nanos(if count == 0 {
                0
            } else {
                self.min.load(Ordering::Relaxed)
            }),
            max: Duration::from_nanos(self.max.load(Ordering::Relaxed)),
        }
    }
}

impl Snapshot {
    /// The mean.
    pub(crate) fn mean(&self) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.sum / self.count)
    }

    /// The `q` quantile (0 < q ≤ 1): the middle of the bucket holding it, kept within the
    /// exact min and max.
    pub(crate) fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        // The rank of the quantile: at least 1, at most count.
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank == self.count {
            return self.max;
        }
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, width) = bounds(i);
                let mid = lo + width / 2;
                let ns = mid.clamp(self.min.as_nanos() as u64, self.max.as_nanos() as u64);
                return Duration::from_nanos(ns);
            }
        }
        self.max
    }

    /// `rows` log-spaced ranges from min to max, each with its upper bound and count.
    pub(crate) fn rows(&self, rows: usize) -> Vec<(Duration, u64)> {
        if self.count == 0 || rows == 0 {
            return Vec::new();
        }
        let lo = (self.min.as_nanos() as f64).max(1.0);
        let hi = (self.max.as_nanos() as f64).max(lo + 1.0);
        let ratio = (hi / lo).powf(1.0 / rows as f64);
        let edges: Vec<f64> = (1..=rows).map(|r| lo * ratio.powi(r as i32)).collect();
        let mut out: Vec<(Duration, u64)> = edges
            .iter()
            .map(|&e| (Duration::from_nanos(e.round() as u64), 0))
            .collect();
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let (b, w) = bounds(i);
            let mid = (b + w / 2) as f64;
            let row = edges.iter().position(|&e| mid <= e).unwrap_or(rows - 1);
            out[row].1 += c;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_range() {
        // Every bucket starts where the previous one ends, and index() agrees with bounds().
        let mut next = 0u64;
        for i in 0..BUCKETS {
            let (lo, w) = bounds(i);
            assert_eq!(lo, next, "bucket {i}");
            assert_eq!(index(lo), i);
            assert_eq!(index(lo + w - 1), i);
            // At most 1/128 of the value wide.
            assert!(lo < 256 || w * 128 <= lo, "bucket {i}: {lo}+{w}");
            next = lo + w;
        }
        assert_eq!(next, 1 << MAX_BITS);
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles_are_within_a_bucket() {
        let h = Histogram::default();
        for us in 1..=10_000u64 {
            h.record(Duration::from_micros(us));
        }
        let s = h.snapshot();
        assert_eq!(s.count, 10_000);
        assert_eq!(s.min, Duration::from_micros(1));
        assert_eq!(s.max, Duration::from_micros(10_000));
        assert_eq!(s.mean(), Duration::from_nanos(5_000_500));
        for (q, want) in [
            (0.5, 5_000.0),
            (0.9, 9_000.0),
            (0.99, 9_900.0),
            (0.999, 9_990.0),
        ] {
            let got = s.quantile(q).as_nanos() as f64 / 1000.0;
            assert!((got - want).abs() / want < 0.01, "p{q}: {got} vs {want}");
        }
        assert_eq!(s.quantile(1.0), s.max);
        let rows = s.rows(10);
        assert_eq!(rows.len(), 10);
        assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), 10_000);
        assert_eq!(rows.last().unwrap().0, s.max);
        // Log-spaced: the last row (the top decade's upper part) holds the most.
        assert!(rows[9].1 > rows[0].1);
        assert_eq!(
            Histogram::default().snapshot().quantile(0.5),
            Duration::ZERO
        );
    }
}
