//! Counters and timings of token fetches, connects, retries, reconnects and realtime subscriptions.
//! `Metrics` is pure (unit-tested natively); the page's one instance lives in a thread-local, and
//! `snapshot_json` is what the diagnostics view and the e2e suite read. Nothing in it identifies anyone;
//! [`BeaconReport`] adds only the user id and date id when it sends a summary to the configured endpoint.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Serialize, Serializer};
use wasm_bindgen::JsCast;

use crate::dom::EventListener;

/// Something worth counting. Kinds are short stable names (`TokenError::kind`, `ConnectError::kind`…).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Metric {
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
    Disconnected { reason: &'static str },
    MediaFailure { kind: &'static str },
    RealtimeSubscribed,
    RealtimeResubscribe,
    RealtimeGaveUp,
    RealtimeUnsubscribedFor { ms: u32 },
}

/// Serialized as every field under its own name, in declaration order; an absent timing is `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub token_fetches: u32,
    pub token_failures: Tally,
    pub token_latency_ms: Vec<u32>,
    pub connect_attempts: u32,
    pub connects: u32,
    pub connect_failures: Tally,
    pub auth_retries: u32,
    pub join_to_connected_ms: Option<u32>,
    pub join_to_first_frame_ms: Option<u32>,
    pub reconnects: u32,
    pub reconnect_durations_ms: Vec<u32>,
    pub disconnect_reasons: Tally,
    pub media_failures: Tally,
    pub realtime_subscriptions: u32,
    pub realtime_resubscriptions: u32,
    pub realtime_give_ups: u32,
    pub realtime_unsubscribed_ms: u32,
}

impl Metrics {
    pub(crate) fn apply(&mut self, metric: Metric) {
        match metric {
            Metric::TokenFetched { latency_ms } => {
                self.token_fetches += 1;
                self.token_latency_ms.push(latency_ms);
            }
            Metric::TokenFailed { kind } => self.token_failures.add(kind),
            Metric::ConnectAttempt => self.connect_attempts += 1,
            Metric::Connected { .. } => self.connects += 1,
            Metric::ConnectFailed { kind } => self.connect_failures.add(kind),
            Metric::AuthRetry => self.auth_retries += 1,
            Metric::JoinToConnected { ms } => self.join_to_connected_ms = Some(ms),
            Metric::JoinToFirstFrame { ms } => {
                self.join_to_first_frame_ms.get_or_insert(ms);
            }
            Metric::Reconnecting => self.reconnects += 1,
            Metric::Reconnected { ms } => self.reconnect_durations_ms.push(ms),
            Metric::Disconnected { reason } => self.disconnect_reasons.add(reason),
            Metric::MediaFailure { kind } => self.media_failures.add(kind),
            Metric::RealtimeSubscribed => self.realtime_subscriptions += 1,
            Metric::RealtimeResubscribe => self.realtime_resubscriptions += 1,
            Metric::RealtimeGaveUp => self.realtime_give_ups += 1,
            Metric::RealtimeUnsubscribedFor { ms } => self.realtime_unsubscribed_ms += ms,
        }
    }
}

/// How many times each kind happened, in the order first seen. A page sees a handful of kinds, so a list does;
/// a `BTreeMap` was the only one in the app and its code cost about 1.5 KB gzip.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally(Vec<(String, u32)>);

impl Tally {
    pub(crate) fn add(&mut self, kind: &str) {
        match self.0.iter_mut().find(|(seen, _)| seen == kind) {
            Some((_, count)) => *count += 1,
            None => self.0.push((kind.to_owned(), 1)),
        }
    }

    /// 0 for a kind never seen.
    pub fn count(&self, kind: &str) -> u32 {
        self.0.iter().find(|(seen, _)| seen == kind).map_or(0, |&(_, count)| count)
    }
}

/// An object of counts by kind.
impl Serialize for Tally {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(kind, count)| (kind, count)))
    }
}

thread_local! {
    static METRICS: RefCell<Metrics> = RefCell::new(Metrics::default());
}

pub(crate) fn record(metric: Metric) {
    METRICS.with(|m| m.borrow_mut().apply(metric));
}

/// A copy of the page's metrics as they are now.
pub fn snapshot() -> Metrics {
    METRICS.with(|m| m.borrow().clone())
}

pub(crate) fn snapshot_json() -> String {
    // Names and numbers only: serializing cannot fail.
    serde_json::to_string(&snapshot()).unwrap_or_default()
}

/// Makes `window.videoDateMetrics()` return the snapshot as JSON, for the browser console and the e2e suite.
pub fn expose_on_window() {
    let Some(window) = web_sys::window() else { return };
    let snapshot = wasm_bindgen::closure::Closure::<dyn Fn() -> String>::new(snapshot_json);
    // The function lives as long as the page, so its closure is handed to JS for good.
    let _ = js_sys::Reflect::set(&window, &"videoDateMetrics".into(), &snapshot.into_js_value());
}

/// What the metrics endpoint receives: the two ids an operator needs to group reports, and the counters.
pub(crate) fn summary_json(user_id: &str, date_id: &str, metrics: &Metrics) -> String {
    let summary = BeaconSummary { user_id, date_id, metrics };
    serde_json::to_string(&summary).unwrap_or_default()
}

/// The beacon's body.
#[derive(Serialize)]
struct BeaconSummary<'a> {
    user_id: &'a str,
    date_id: &'a str,
    metrics: &'a Metrics,
}

/// While it lives, sends the summary to the endpoint with `navigator.sendBeacon` each time the page is hidden
/// or left: the last moments a page is sure to run, and a beacon outlives the page. Dropping it removes both
/// listeners.
#[must_use = "no summary is sent once this is dropped"]
pub(crate) struct BeaconReport {
    _listeners: Vec<EventListener>,
}

impl BeaconReport {
    pub(crate) fn start(endpoint: String, user_id: String, date_id: String) -> Self {
        let Some(window) = web_sys::window() else { return BeaconReport { _listeners: Vec::new() } };
        // Leaving fires both `visibilitychange` and `pagehide`; an unchanged summary is not sent twice.
        let last_sent = RefCell::new(String::new());
        let send = Rc::new(move || {
            let body = summary_json(&user_id, &date_id, &snapshot());
            if *last_sent.borrow() == body {
                return;
            }
            let Some(navigator) = web_sys::window().map(|window| window.navigator()) else { return };
            // `false` means the browser would not queue it (too large, or over its quota); the page is going away,
            // so there is no later moment to try again.
            if navigator.send_beacon_with_opt_str(&endpoint, Some(&body)).unwrap_or(false) {
                *last_sent.borrow_mut() = body;
            }
        });
        let mut listeners = Vec::new();
        let on_hide = send.clone();
        listeners.push(EventListener::new(&window, "pagehide", move |_| on_hide()));
        if let Some(document) = window.document() {
            let target: &web_sys::EventTarget = document.unchecked_ref();
            listeners.push(EventListener::new(target, "visibilitychange", move |_| {
                let hidden = web_sys::window()
                    .and_then(|window| window.document())
                    .is_some_and(|document| document.visibility_state() == web_sys::VisibilityState::Hidden);
                if hidden {
                    send();
                }
            }));
        }
        BeaconReport { _listeners: listeners }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

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
        assert_eq!((m.token_failures.count("timeout"), m.token_failures.count("abort")), (2, 0));
        assert_eq!((m.connect_attempts, m.connects, m.auth_retries), (2, 1, 1));
        assert_eq!(m.connect_failures.count("auth"), 1);
        assert_eq!(m.join_to_first_frame_ms, Some(900), "the first frame is counted once");
        assert_eq!(m.realtime_unsubscribed_ms, 150);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["connect_failures"]["auth"].as_u64(), Some(1));
        assert_eq!(json["token_latency_ms"], json!([12]));
        assert_eq!(
            (json["join_to_first_frame_ms"].as_u64(), json["join_to_connected_ms"].is_null()),
            (Some(900), true)
        );
        assert_eq!(json.as_object().map(serde_json::Map::len), Some(17), "every field");
    }

    #[test]
    fn the_summary_is_the_two_ids_and_the_metrics_only() {
        let mut m = Metrics::default();
        m.apply(Metric::AuthRetry);
        let json: Value = serde_json::from_str(&summary_json("user-1", "date-1", &m)).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["date_id", "metrics", "user_id"]);
        assert_eq!((json["user_id"].as_str(), json["date_id"].as_str()), (Some("user-1"), Some("date-1")));
        assert_eq!(json["metrics"]["auth_retries"].as_u64(), Some(1));
    }
}
