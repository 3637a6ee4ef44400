//! Server time from the device clock and an estimated offset, so both people count down to the same instant
//! even when one device's clock is minutes off.

/// The offset between the server's clock and this device's, from request/response pairs whose answer carries
/// the server's time. Keeps the sample with the shortest round trip: its midpoint is the tightest bound.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ServerClock {
    best: Option<Sample>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    round_trip_ms: f64,
    offset_ms: f64,
}

impl ServerClock {
    /// Records one exchange: sent and received on the device clock, `server_ms` read from the answer.
    pub(crate) fn observe(&mut self, sent_ms: f64, received_ms: f64, server_ms: f64) {
        let round_trip_ms = (received_ms - sent_ms).max(0.0);
        let offset_ms = server_ms - (sent_ms + received_ms) / 2.0;
        if self.best.is_none_or(|best| round_trip_ms < best.round_trip_ms) {
            self.best = Some(Sample { round_trip_ms, offset_ms });
        }
    }

    /// The server's time now, given the device's; the device's own until a sample arrives.
    pub(crate) fn server_now(&self, device_ms: f64) -> f64 {
        device_ms + self.best.map_or(0.0, |best| best.offset_ms)
    }

    /// The earliest the server's time can be now: the estimate less half the round trip it came from. A page
    /// that calls `end_date` at zero by this clock never ends a date early as its own ending (the database
    /// records a time-up only once its `now()` has passed `ends_at`).
    pub(crate) fn earliest_server_now(&self, device_ms: f64) -> f64 {
        self.server_now(device_ms) - self.best.map_or(0.0, |best| best.round_trip_ms / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_samples_the_device_clock_is_used() {
        assert_eq!(ServerClock::default().server_now(1_000.0), 1_000.0);
    }

    #[test]
    fn the_offset_comes_from_the_midpoint_of_the_fastest_exchange() {
        let mut clock = ServerClock::default();
        // Device is 120 s behind: server says 130_050 at the midpoint of 10_000..10_100.
        clock.observe(10_000.0, 10_100.0, 130_050.0);
        assert_eq!(clock.server_now(20_000.0), 140_000.0);
        // A slower exchange with a different answer does not replace the tighter one.
        clock.observe(30_000.0, 32_000.0, 155_000.0);
        assert_eq!(clock.server_now(20_000.0), 140_000.0);
        // A faster one does.
        clock.observe(40_000.0, 40_010.0, 160_000.0);
        assert_eq!(clock.server_now(50_000.0), 169_995.0);
        assert_eq!(clock.earliest_server_now(50_000.0), 169_990.0, "less half of that exchange's round trip");
    }
}
