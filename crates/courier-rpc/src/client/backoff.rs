//! Connection backoff (connection-backoff.md): the parameters and the state of one
//! subchannel's `ConnectWithBackoff` loop.

use std::time::Duration;

/// Connection backoff parameters (connection-backoff.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// INITIAL_BACKOFF: 1 s.
    pub initial: Duration,
    /// MULTIPLIER: 1.6.
    pub multiplier: f64,
    /// JITTER: 0.2.
    pub jitter: f64,
    /// MAX_BACKOFF: 120 s.
    pub max: Duration,
    /// MIN_CONNECT_TIMEOUT: 20 s.
    pub min_connect_timeout: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        // connection-backoff.md: "INITIAL_BACKOFF (how long to wait after the first failure
        // before retrying) = 1 second; MULTIPLIER = 1.6; JITTER = 0.2; MAX_BACKOFF = 120
        // seconds; MIN_CONNECT_TIMEOUT = 20 seconds".
        // <https://github.com/grpc/grpc/blob/master/doc/connection-backoff.md>
        Backoff {
            initial: Duration::from_secs(1),
            multiplier: 1.6,
            jitter: 0.2,
            max: Duration::from_secs(120),
            min_connect_timeout: Duration::from_secs(20),
        }
    }
}

/// A small xorshift64 generator: jitter needs no cryptographic randomness.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded from the clock and `salt`.
    pub(crate) fn new(salt: u64) -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Rng((t.as_nanos() as u64 ^ salt.rotate_left(29)) | 1)
    }

    /// A generator with a fixed seed (tests).
    #[cfg(test)]
    pub(crate) fn seeded(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The state of connection-backoff.md's `ConnectWithBackoff` loop.
#[derive(Debug)]
pub(crate) struct BackoffState {
    params: Backoff,
    current: Duration,
    rng: Rng,
}

impl BackoffState {
    pub(crate) fn new(params: Backoff, rng: Rng) -> BackoffState {
        BackoffState {
            params,
            current: params.initial,
            rng,
        }
    }

    /// Back to the start (after a successful connection).
    pub(crate) fn reset(&mut self) {
        self.current = self.params.initial;
    }

    /// The first deadline: `now + INITIAL_BACKOFF`.
    pub(crate) fn first_delay(&self) -> Duration {
        self.params.initial
    }

    /// "current_backoff = Min(current_backoff * MULTIPLIER, MAX_BACKOFF); current_deadline =
    /// now() + current_backoff + UniformRandom(-JITTER * current_backoff, JITTER *
    /// current_backoff)".
    pub(crate) fn next_delay(&mut self) -> Duration {
        self.current = self
            .current
            .mul_f64(self.params.multiplier)
            .min(self.params.max);
        let factor = 1.0 + self.params.jitter * (2.0 * self.rng.unit() - 1.0);
        self.current.mul_f64(factor.max(0.0))
    }

    /// "TryConnect(Max(current_deadline, now() + MIN_CONNECT_TIMEOUT))": the connect timeout
    /// for an attempt whose backoff delay is `delay`.
    pub(crate) fn connect_timeout(&self, delay: Duration) -> Duration {
        delay.max(self.params.min_connect_timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_spec() {
        let mut b = BackoffState::new(Backoff::default(), Rng::seeded(42));
        assert_eq!(b.first_delay(), Duration::from_secs(1));
        assert_eq!(
            b.connect_timeout(Duration::from_secs(1)),
            Duration::from_secs(20)
        );
        let mut expected = 1.0f64;
        for _ in 0..30 {
            expected = (expected * 1.6).min(120.0);
            let d = b.next_delay().as_secs_f64();
            assert!(
                d >= expected * 0.8 - 1e-9 && d <= expected * 1.2 + 1e-9,
                "{d} vs {expected}"
            );
        }
        assert_eq!(
            b.connect_timeout(Duration::from_secs(130)),
            Duration::from_secs(130)
        );
        b.reset();
        let d = b.next_delay().as_secs_f64();
        assert!((1.6 * 0.8..=1.6 * 1.2).contains(&d), "{d}");
    }
}
