//! The diagnostics panel: the metrics snapshot, refreshed every second, with the call's phase, the realtime
//! status and both connection qualities, for whoever is working out why a date did not connect. Plain
//! pretty-printed JSON, which reads the same as `window.videoDateMetrics()`.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use serde::Serialize;

use crate::livekit::ConnectionQuality;
use crate::metrics::{self, Metrics};
use crate::realtime::RealtimeStatus;

/// Whether a location's query (`?a=b&debug=1`) asks for the panel.
pub fn debug_requested(search: &str) -> bool {
    search.trim_start_matches('?').split('&').any(|pair| pair == "debug=1")
}

/// Ctrl+Shift+D toggles `open` for as long as the calling component lives; the listener goes with it.
pub fn toggle_on_shortcut(open: RwSignal<bool>) {
    let handle = window_event_listener(leptos::ev::keydown, move |event| {
        if event.ctrl_key() && event.shift_key() && !event.repeat() && event.key().eq_ignore_ascii_case("d") {
            // Chromium would otherwise open its "bookmark all tabs" dialog.
            event.prevent_default();
            open.try_update(|open| *open = !*open);
        }
    });
    on_cleanup(move || handle.remove());
}

#[component]
pub fn Diagnostics(
    #[prop(into)] phase: Signal<String>,
    realtime: RwSignal<RealtimeStatus>,
    local_quality: RwSignal<ConnectionQuality>,
    partner_quality: RwSignal<ConnectionQuality>,
) -> impl IntoView {
    // The metrics are not reactive, so a tick re-reads them; the interval is dropped with the panel.
    let tick = RwSignal::new(0_u32);
    let timer = StoredValue::new_local(Some(Interval::new(1000, move || {
        tick.try_update(|n| *n = n.wrapping_add(1));
    })));
    on_cleanup(move || {
        timer.try_set_value(None);
    });
    let text = move || {
        tick.track();
        let shown = Shown {
            phase: phase.get(),
            realtime: realtime.get().to_string(),
            local_quality: local_quality.get().label(),
            partner_quality: partner_quality.get().label(),
            metrics: metrics::snapshot(),
        };
        // Names and numbers only: serializing cannot fail.
        serde_json::to_string_pretty(&shown).unwrap_or_default()
    };
    view! {
        <section class="diagnostics" aria-label="Diagnostics">
            <pre>{text}</pre>
        </section>
    }
}

/// What the panel shows.
#[derive(Serialize)]
struct Shown {
    phase: String,
    realtime: String,
    local_quality: &'static str,
    partner_quality: &'static str,
    metrics: Metrics,
}

#[cfg(test)]
mod tests {
    use super::debug_requested;

    #[test]
    fn only_debug_1_in_the_query_asks_for_the_panel() {
        for yes in ["?debug=1", "?a=b&debug=1", "debug=1&x"] {
            assert!(debug_requested(yes), "{yes}");
        }
        for no in ["", "?", "?debug=0", "?debug=10", "?nodebug=1", "?debug"] {
            assert!(!debug_requested(no), "{no}");
        }
    }
}
