//! When to replace a credential that expires (the LiveKit token, the Supabase session), as a pure function.

/// Never refresh sooner than this after the last refresh, whatever the credential's lifetime.
pub const MIN_REFRESH_DELAY_SECS: i64 = 5;

/// Seconds from `now` until a credential expiring at `expires_at` should be replaced: `margin` before it
/// expires, or, when less than `margin` is left (a short-lived credential), halfway through what is left;
/// never sooner than [`MIN_REFRESH_DELAY_SECS`]. Without the second rule a credential living less than the
/// margin would be refetched back to back, each fresh one already due; without the floor so would one that
/// looks expired on arrival (a local clock running fast) or one just past the margin.
pub(crate) fn refresh_delay_secs(expires_at: i64, margin: i64, now: i64) -> i64 {
    // Saturating: both times come from peers (a stored session, a token) and may be absurd.
    let left = expires_at.saturating_sub(now);
    let delay = if left > margin { left - margin } else { left / 2 };
    delay.max(MIN_REFRESH_DELAY_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_lived_credential_is_refreshed_the_margin_before_it_expires() {
        assert_eq!(refresh_delay_secs(1_000 + 6 * 3600, 120, 1_000), 6 * 3600 - 120);
        assert_eq!(refresh_delay_secs(1_130, 120, 1_000), 10);
    }

    #[test]
    fn a_credential_shorter_than_the_margin_is_refreshed_halfway_not_at_once() {
        assert_eq!(refresh_delay_secs(1_060, 120, 1_000), 30);
        assert_eq!(refresh_delay_secs(1_120, 120, 1_000), 60);
    }

    #[test]
    fn an_absurdly_distant_expiry_does_not_overflow() {
        assert_eq!(refresh_delay_secs(i64::MAX, 120, -1_000), i64::MAX - 120);
    }

    #[test]
    fn nothing_is_refreshed_sooner_than_the_floor() {
        for expires_at in [1_121, 1_008, 1_003, 1_000, 900, -5_000, i64::MIN] {
            assert_eq!(refresh_delay_secs(expires_at, 120, 1_000), MIN_REFRESH_DELAY_SECS, "expires at {expires_at}");
        }
    }
}
