//! Exponential backoff with full jitter and a maximum number of attempts. Pure: the random source is passed
//! in, so tests are seeded and exact and the browser uses `Math.random`.

use std::time::Duration;

/// Attempt `k` (counted from 0) waits a uniformly random time in `[0, min(cap, base * 2^k)]`
/// ("full jitter": clients that failed together do not come back together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub base: Duration,
    pub cap: Duration,
    /// Attempts after which the caller gives up (until something resets it).
    pub max_attempts: u32,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy { base: Duration::from_secs(1), cap: Duration::from_secs(30), max_attempts: 8 }
    }
}

impl BackoffPolicy {
    /// The longest wait before attempt `attempt`: `min(cap, base * 2^attempt)`, without overflow.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before attempt `attempt`, in whole milliseconds, for a `random` value in `[0, 1]`
    /// (anything outside is clamped, NaN counts as 0).
    pub(crate) fn delay(&self, attempt: u32, random: f64) -> Duration {
        let ceiling_ms = self.ceiling(attempt).as_millis() as f64;
        // `as u64` saturates and maps NaN to 0, so no random value can panic here.
        Duration::from_millis((ceiling_ms * random.clamp(0.0, 1.0)).round() as u64)
    }
}

/// The attempts made since the last success, against a policy.
pub(crate) struct Backoff {
    policy: BackoffPolicy,
    attempts: u32,
    random: Box<dyn FnMut() -> f64>,
}

impl Backoff {
    /// `random` yields values in `[0, 1]`: `js_sys::Math::random` in the browser, a seeded sequence in tests.
    pub(crate) fn new(policy: BackoffPolicy, random: impl FnMut() -> f64 + 'static) -> Self {
        Backoff { policy, attempts: 0, random: Box::new(random) }
    }

    pub(crate) fn policy(&self) -> BackoffPolicy {
        self.policy
    }

    /// Attempts made since the last [`Backoff::reset`].
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Counts one more attempt and returns its delay, or `None` once `max_attempts` have been made.
    pub(crate) fn next_delay(&mut self) -> Option<Duration> {
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let delay = self.policy.delay(self.attempts, (self.random)());
        self.attempts += 1;
        Some(delay)
    }

    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*) standing in for `Math.random` in tests.
    pub(crate) fn seeded(mut state: u64) -> impl FnMut() -> f64 {
        move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn the_defaults_are_one_second_thirty_seconds_eight_attempts() {
        assert_eq!(BackoffPolicy::default(), BackoffPolicy { base: ms(1000), cap: ms(30_000), max_attempts: 8 });
    }

    #[test]
    fn the_ceiling_doubles_up_to_the_cap_without_overflow() {
        let policy = BackoffPolicy::default();
        let ceilings: Vec<u128> = (0..7).map(|k| policy.ceiling(k).as_millis()).collect();
        assert_eq!(ceilings, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
        assert_eq!(policy.ceiling(40), ms(30_000));
        assert_eq!(policy.ceiling(u32::MAX), ms(30_000));
        let huge = BackoffPolicy { base: Duration::MAX, cap: Duration::MAX, max_attempts: 1 };
        assert_eq!(huge.ceiling(5), Duration::MAX);
    }

    #[test]
    fn full_jitter_spans_zero_to_the_ceiling() {
        let policy = BackoffPolicy::default();
        assert_eq!(policy.delay(0, 0.0), ms(0));
        assert_eq!(policy.delay(0, 1.0), ms(1000));
        assert_eq!(policy.delay(2, 0.5), ms(2000));
        assert_eq!(policy.delay(9, 0.25), ms(7500));
        assert_eq!(policy.delay(1, -3.0), ms(0));
        assert_eq!(policy.delay(1, 7.0), ms(2000));
        assert_eq!(policy.delay(1, f64::NAN), ms(0));
    }

    #[test]
    fn seeded_attempts_are_exact_bounded_and_stop_at_the_maximum() {
        let policy = BackoffPolicy { base: ms(100), cap: ms(1000), max_attempts: 5 };
        let mut backoff = Backoff::new(policy, seeded(42));
        let mut reference = seeded(42);
        for attempt in 0..5 {
            let expected = policy.delay(attempt, reference());
            let delay = backoff.next_delay().expect("within the maximum");
            assert_eq!(delay, expected);
            assert!(delay <= policy.ceiling(attempt));
        }
        assert_eq!(backoff.attempts(), 5);
        assert_eq!(backoff.next_delay(), None, "the maximum is reached");
        assert_eq!(backoff.attempts(), 5, "a refused attempt is not counted");
        backoff.reset();
        assert_eq!(backoff.attempts(), 0);
        assert!(backoff.next_delay().unwrap() <= ms(100), "after a reset the first ceiling applies again");
    }

    #[test]
    fn the_seeded_source_stays_in_the_unit_interval() {
        let mut random = seeded(7);
        let values: Vec<f64> = (0..1000).map(|_| random()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.iter().any(|v| *v < 0.1) && values.iter().any(|v| *v > 0.9), "spread over the interval");
    }
}
