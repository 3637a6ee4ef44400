//! The one clock the app reads (the device's wall clock, `Date.now()`), and the one conversion of a
//! [`Duration`] to the whole milliseconds that browser timers take.

use std::time::Duration;

/// The device's clock, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The device's clock in whole seconds since the Unix epoch, as JWT `exp` claims count.
pub(crate) fn now_secs() -> i64 {
    (now_ms() / 1000.0).floor() as i64
}

/// Milliseconds since `started` (a [`now_ms`] reading), as a whole number; never negative.
pub(crate) fn elapsed_ms(started: f64) -> u32 {
    (now_ms() - started).max(0.0) as u32
}

/// `duration` in whole milliseconds for a browser timer, saturating at `u32::MAX` (about 49 days).
pub(crate) fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_saturates_instead_of_wrapping() {
        assert_eq!(millis(Duration::from_millis(1500)), 1500);
        assert_eq!(millis(Duration::from_secs(u64::from(u32::MAX))), u32::MAX);
    }
}
