//! Counters and timings of token fetches, connects, retries, reconnects and realtime subscriptions.
//! `Metrics` is pure (unit-tested natively); the page's one instance lives in a thread-local, and
//! `snapshot_json` is what the diagnostics view and the e2e suite read. Nothing in it identifies anyone.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::Serialize;

/// Something worth counting. Kinds are short stable names (`TokenError::kind`, `ConnectError::kind`…).
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    TokenFetched { latency_ms: u32 },
    TokenFailed { kind: &'static str },
    ConnectAttempt,
    Connected { attempts: u8 },
    ConnectFailed { kind: &'static str },
    AuthRetry,
    JoinToConnected { ms: u32 },
    JoinToFirstFrame { ms: u32 },
    Reconnecting,
    Reconnected { ms: u32 },
    Disconnected { reason: String },
    MediaFailure { kind: &'static str },
    RealtimeSubscribed,
    RealtimeResubscribe,
    RealtimeGaveUp,
    RealtimeUnsubscribedFor { ms: u32 },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub token_fetches: u32,
    pub token_failures: BTreeMap<&'static str, u32>,
    pub token_latency_ms: Vec<u32>,
    pub connect_attempts: u32,
    pub connects: u32,
    pub connect_failures: BTreeMap<&'static str, u32>,
    pub auth_retries: u32,
    pub join_to_connected_ms: Option<u32>,
    pub join_to_first_frame_ms: Option<u32>,
    pub reconnects: u32,
    pub reconnect_durations_ms: Vec<u32>,
    pub disconnect_reasons: BTreeMap<String, u32>,
    pub media_failures: BTreeMap<&'static str, u32>,
    pub realtime_subscriptions: u32,
    pub realtime_resubscriptions: u32,
    pub realtime_give_ups: u32,
    pub realtime_unsubscribed_ms: u32,
}

impl Metrics {
    pub fn apply(&mut self, metric: Metric) {
        match metric {
            Metric::TokenFetched { latency_ms } => {
                self.token_fetches += 1;
                self.token_latency_ms.push(latency_ms);
            }
            Metric::TokenFailed { kind } => *self.token_failures.entry(kind).or_default() += 1,
            Metric::ConnectAttempt => self.connect_attempts += 1,
            Metric::Connected { .. } => self.connects += 1,
            Metric::ConnectFailed { kind } => *self.connect_failures.entry(kind).or_default() += 1,
            Metric::AuthRetry => self.auth_retries += 1,
            Metric::JoinToConnected { ms } => self.join_to_connected_ms = Some(ms),
            Metric::JoinToFirstFrame { ms } => {
                self.join_to_first_frame_ms.get_or_insert(ms);
            }
            Metric::Reconnecting => self.reconnects += 1,
            Metric::Reconnected { ms } => self.reconnect_durations_ms.push(ms),
            Metric::Disconnected { reason } => *self.disconnect_reasons.entry(reason).or_default() += 1,
            Metric::MediaFailure { kind } => *self.media_failures.entry(kind).or_default() += 1,
            Metric::RealtimeSubscribed => self.realtime_subscriptions += 1,
            Metric::RealtimeResubscribe => self.realtime_resubscriptions += 1,
            Metric::RealtimeGaveUp => self.realtime_give_ups += 1,
            Metric::RealtimeUnsubscribedFor { ms } => self.realtime_unsubscribed_ms += ms,
        }
    }
}

thread_local! {
    static METRICS: RefCell<Metrics> = RefCell::new(Metrics::default());
}

pub fn record(metric: Metric) {
    METRICS.with(|m| m.borrow_mut().apply(metric));
}

pub fn snapshot() -> Metrics {
    METRICS.with(|m| m.borrow().clone())
}

pub fn snapshot_json() -> String {
    serde_json::to_string(&snapshot()).unwrap_or_default()
}

/// Makes `window.videoDateMetrics()` return the snapshot as JSON, for the browser console and the e2e suite.
pub fn expose_on_window() {
    let Some(window) = web_sys::window() else { return };
    let snapshot = wasm_bindgen::closure::Closure::<dyn Fn() -> String>::new(snapshot_json);
    // The function lives as long as the page, so its closure is handed to JS for good.
    let _ = js_sys::Reflect::set(&window, &"videoDateMetrics".into(), &snapshot.into_js_value());
}

/// Milliseconds since `started` (a `js_sys::Date::now()` reading), as a whole number.
pub fn elapsed_ms(started: f64) -> u32 {
    (js_sys::Date::now() - started).max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_add_up() {
        let mut m = Metrics::default();
        for metric in [
            Metric::TokenFetched { latency_ms: 12 },
            Metric::TokenFailed { kind: "timeout" },
            Metric::TokenFailed { kind: "timeout" },
            Metric::ConnectAttempt,
            Metric::ConnectFailed { kind: "auth" },
            Metric::AuthRetry,
            Metric::ConnectAttempt,
            Metric::Connected { attempts: 2 },
            Metric::JoinToFirstFrame { ms: 900 },
            Metric::JoinToFirstFrame { ms: 5000 },
            Metric::RealtimeUnsubscribedFor { ms: 100 },
            Metric::RealtimeUnsubscribedFor { ms: 50 },
        ] {
            m.apply(metric);
        }
        assert_eq!(m.token_fetches, 1);
        assert_eq!(m.token_failures["timeout"], 2);
        assert_eq!((m.connect_attempts, m.connects, m.auth_retries), (2, 1, 1));
        assert_eq!(m.connect_failures["auth"], 1);
        assert_eq!(m.join_to_first_frame_ms, Some(900), "the first frame is counted once");
        assert_eq!(m.realtime_unsubscribed_ms, 150);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["connect_failures"]["auth"], 1);
    }
}
