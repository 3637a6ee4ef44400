//! The diagnostics panel, for whoever is working out why a date did not connect: an overlay (it never moves the
//! call) with a small table of the call's phase, the realtime status, both connection qualities and every metric
//! figure, refreshed every second, and a button that copies the same as JSON (which reads like
//! `window.videoDateMetrics()` with the four live values added).

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::dom::EventListener;
use crate::livekit::ConnectionQuality;
use crate::metrics::{self, Metrics};
use crate::realtime::RealtimeStatus;

/// Whether a location's query (`?a=b&debug=1`) asks for the panel.
pub(crate) fn debug_requested(search: &str) -> bool {
    search.trim_start_matches('?').split('&').any(|pair| pair == "debug=1")
}

/// Ctrl+Shift+D toggles `open` for as long as the calling component lives; the listener goes with it.
pub(crate) fn toggle_on_shortcut(open: RwSignal<bool>) {
    let window: web_sys::EventTarget = window().into();
    let listener = EventListener::new(&window, "keydown", move |event| {
        let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else { return };
        if event.ctrl_key() && event.shift_key() && !event.repeat() && event.key().eq_ignore_ascii_case("d") {
            // Chromium would otherwise open its "bookmark all tabs" dialog.
            event.prevent_default();
            open.try_update(|open| *open = !*open);
        }
    });
    let listener = StoredValue::new_local(Some(listener));
    on_cleanup(move || listener.set_value(None));
}

/// The panel. It reads its four live values and re-reads the page's metrics every second; it emits nothing
/// except the copied JSON on the clipboard.
#[component]
pub fn Diagnostics(
    /// The call's phase, by its `name()`.
    #[prop(into)]
    phase: Signal<String>,
    /// The realtime channel's status.
    #[prop(into)]
    realtime: Signal<RealtimeStatus>,
    /// This browser's connection quality to the video server.
    #[prop(into)]
    local_quality: Signal<ConnectionQuality>,
    /// The partner's connection quality, as the video server reports it.
    #[prop(into)]
    partner_quality: Signal<ConnectionQuality>,
) -> impl IntoView {
    // The metrics are not reactive, so a tick re-reads them; the interval is dropped with the panel.
    let tick = RwSignal::new(0_u32);
    let timer = StoredValue::new_local(Some(Interval::new(1000, move || {
        tick.try_update(|n| *n = n.wrapping_add(1));
    })));
    on_cleanup(move || {
        timer.try_set_value(None);
    });
    let shown = Memo::new(move |_| {
        tick.track();
        Shown {
            phase: phase.get(),
            realtime: realtime.get().to_string(),
            local_quality: local_quality.get().label(),
            partner_quality: partner_quality.get().label(),
            metrics: metrics::snapshot(),
        }
    });
    let copied = RwSignal::new("");
    let owner = crate::task::current_owner();
    let copy = move |_| {
        // Names and numbers only: serializing cannot fail.
        let json = serde_json::to_string_pretty(&shown.get_untracked()).unwrap_or_default();
        crate::task::spawn_in(&owner, async move {
            let written = JsFuture::from(window().navigator().clipboard().write_text(&json)).await;
            copied.try_set(if written.is_ok() { "Copied." } else { "The browser did not allow copying." });
        });
    };
    view! {
        <aside class="diagnostics" aria-label="Diagnostics">
            <table>
                <tbody>
                    {move || rows(&shown.get()).into_iter().map(|(name, value)| view! {
                        <tr><th scope="row">{name.replace('_', " ")}</th><td data-figure=name>{value}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <button type="button" on:click=copy>"Copy as JSON"</button>
            <span class="copied" role="status">{copied}</span>
        </aside>
    }
}

/// What the panel shows, and what it copies.
#[derive(Clone, PartialEq, Serialize)]
struct Shown {
    phase: String,
    realtime: String,
    local_quality: &'static str,
    partner_quality: &'static str,
    metrics: Metrics,
}

/// One row per figure: the four live values first, then the metrics by name, each as short text.
fn rows(shown: &Shown) -> Vec<(String, String)> {
    let live = [
        ("phase", shown.phase.clone()),
        ("realtime", shown.realtime.clone()),
        ("local_quality", shown.local_quality.to_owned()),
        ("partner_quality", shown.partner_quality.to_owned()),
    ];
    let figures = match serde_json::to_value(&shown.metrics) {
        Ok(Value::Object(figures)) => figures.into_iter().map(|(name, value)| (name, cell(&value))).collect(),
        _ => Vec::new(),
    };
    live.into_iter().map(|(name, value)| (name.to_owned(), value)).chain(figures).collect()
}

/// A figure as text: a number as it is, a list or a tally comma-separated, nothing yet as a dash.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "–".to_owned(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "–".to_owned(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Object(kinds) if kinds.is_empty() => "–".to_owned(),
        Value::Object(kinds) => kinds.iter().map(|(kind, n)| format!("{kind}: {}", cell(n))).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, debug_requested};
    use serde_json::json;

    #[test]
    fn figures_read_as_short_text() {
        assert_eq!(cell(&json!(3)), "3");
        assert_eq!(cell(&json!(null)), "–");
        assert_eq!(cell(&json!([])), "–");
        assert_eq!(cell(&json!([120, 80])), "120, 80");
        assert_eq!(cell(&json!({"auth": 1, "network": 2})), "auth: 1, network: 2");
    }

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
