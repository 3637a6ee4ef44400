//! The metrics against the real stack: what a connect, an auth retry and a realtime resubscription count; the
//! diagnostics panel showing them live (opened by `?debug=1` or Ctrl+Shift+D); and the summary beacon sent when
//! the page is hidden or left. The metrics are one instance per page, shared by every test in this binary, so
//! each test compares snapshots taken before and after what it does.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::devserver::{self, ALICE, ANON_KEY, DEVSERVER, LIVEKIT};
use common::leak_probe::{active_intervals, install_leak_probe};
use common::livekit::{fetch_and_connect, new_room};
use common::page::{config, mount_page, mount_page_with, sign_in_as, DATE_ID};
use common::patch::Patched;
use common::wait_until;
use leptos::prelude::*;
use video_date::components::diagnostics::Diagnostics;
use serde_json::{json, Value as Json};
use video_date::livekit::{Connected, ConnectionQuality};
use video_date::metrics::{self, Metrics};
use video_date::realtime::{BackoffPolicy, RealtimeOptions, RealtimeStatus, ResilientChannel};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// A `sendBeacon` that records every beacon (and still sends it, so the devserver logs it too).
#[wasm_bindgen(inline_js = "
export function beacon_recorder() {
  globalThis.__beacons = [];
  const send = navigator.sendBeacon.bind(navigator);
  return (url, body) => { globalThis.__beacons.push([url, String(body)]); return send(url, body); };
}
export function beacon_count() { return globalThis.__beacons.length; }
export function beacon_url(i) { return globalThis.__beacons[i][0]; }
export function beacon_body(i) { return globalThis.__beacons[i][1]; }
export function fire(target, name) {
  (target === 'window' ? window : document).dispatchEvent(new Event(name));
}
export function hide_page() {
  Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
  delete document.visibilityState;
}
export function press_ctrl_shift_d() {
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'D', code: 'KeyD', ctrlKey: true, shiftKey: true }));
}
export function set_query(query) {
  history.replaceState(history.state, '', location.pathname + query);
}
export function query() { return location.search; }
")]
extern "C" {
    fn beacon_recorder() -> JsValue;
    fn beacon_count() -> u32;
    fn beacon_url(index: u32) -> String;
    fn beacon_body(index: u32) -> String;
    fn fire(target: &str, name: &str);
    fn hide_page();
    fn press_ctrl_shift_d();
    fn set_query(query: &str);
    fn query() -> String;
}

const SHORT: Duration = Duration::from_secs(5);
const CALL: Duration = Duration::from_secs(20);

/// The text of the diagnostics panel's `name` row inside `host`.
fn figure(host: &web_sys::Element, name: &str) -> String {
    let cell = host.query_selector(&format!("td[data-figure={name}]")).unwrap();
    cell.and_then(|cell| cell.text_content()).unwrap_or_default()
}

fn auth_failures(m: &Metrics) -> u32 {
    m.connect_failures.count("auth")
}

/// Records the page's beacons until the guard is dropped.
fn record_beacons() -> Patched {
    Patched::replace(&js_sys::eval("navigator").unwrap().unchecked_into(), "sendBeacon", &beacon_recorder())
}

#[wasm_bindgen_test]
async fn a_connect_counts_one_attempt_one_connect_and_one_token_fetch() {
    devserver::clear_faults().await;
    let source = devserver::token_source(&devserver::sign_in(ALICE).await);
    let before = metrics::snapshot();
    let room = new_room().await;
    assert_eq!(fetch_and_connect(&room, &source, LIVEKIT).await, Ok(Connected { attempts: 1 }));
    let after = metrics::snapshot();
    assert_eq!(after.connect_attempts - before.connect_attempts, 1);
    assert_eq!(after.connects - before.connects, 1);
    assert_eq!(after.token_fetches - before.token_fetches, 1);
    assert_eq!(after.token_latency_ms.len() - before.token_latency_ms.len(), 1, "one latency per fetch");
    assert_eq!((after.auth_retries, auth_failures(&after)), (before.auth_retries, auth_failures(&before)));
    room.disconnect().await;
}

#[wasm_bindgen_test]
async fn an_auth_retry_counts_two_attempts_two_fetches_and_one_retry() {
    devserver::clear_faults().await;
    let source = devserver::token_source(&devserver::sign_in(ALICE).await);
    devserver::add_token_fault(json!({"kind": "wrong_secret"}), 1).await;
    let before = metrics::snapshot();
    let room = new_room().await;
    assert_eq!(fetch_and_connect(&room, &source, LIVEKIT).await, Ok(Connected { attempts: 2 }));
    let after = metrics::snapshot();
    assert_eq!(after.auth_retries - before.auth_retries, 1);
    assert_eq!(after.connect_attempts - before.connect_attempts, 2);
    assert_eq!(auth_failures(&after) - auth_failures(&before), 1, "the first attempt failed as auth");
    assert_eq!(after.connects - before.connects, 1);
    assert_eq!(after.token_fetches - before.token_fetches, 2, "the retry fetched a fresh token");
    room.disconnect().await;
}

#[wasm_bindgen_test]
async fn a_realtime_resubscription_counts_and_times_the_gap() {
    devserver::clear_faults().await;
    let session = devserver::sign_in(ALICE).await;
    let mut options = RealtimeOptions::new(
        DEVSERVER,
        ANON_KEY,
        session.access_token.clone(),
        format!("video-date:{DATE_ID}"),
        "video_dates",
        format!("id=eq.{DATE_ID}"),
    );
    // Short delays so the test takes a moment, as in tests/realtime.rs.
    options.backoff =
        BackoffPolicy { base: Duration::from_millis(50), cap: Duration::from_millis(200), max_attempts: 3 };
    options.join_timeout = Duration::from_millis(500);
    options.heartbeat_interval = Duration::from_millis(300);
    let status = RwSignal::new(RealtimeStatus::Connecting);
    let before_subscribing = metrics::snapshot();
    let channel = ResilientChannel::start(options, |_| {}, move |new| status.set(new));
    wait_until("SUBSCRIBED", SHORT, || status.get_untracked() == RealtimeStatus::Subscribed).await;
    let before = metrics::snapshot();
    assert_eq!(before.realtime_subscriptions - before_subscribing.realtime_subscriptions, 1);
    assert_eq!(
        before.realtime_resubscriptions, before_subscribing.realtime_resubscriptions,
        "the first is no resubscription"
    );

    // The first rejoin is refused too, so the gap spans two round trips: a clock reading in whole milliseconds
    // could otherwise see a loopback resubscription take none.
    devserver::add_realtime_fault(json!({"kind": "refuse_joins", "reason": "test: refused once"}), 1).await;
    devserver::add_realtime_fault(json!({"kind": "close_sockets", "code": 1012}), 1).await;
    wait_until("losing SUBSCRIBED", SHORT, || status.get_untracked() != RealtimeStatus::Subscribed).await;
    wait_until("SUBSCRIBED again", SHORT, || status.get_untracked() == RealtimeStatus::Subscribed).await;
    let after = metrics::snapshot();
    assert!(after.realtime_resubscriptions - before.realtime_resubscriptions >= 1, "{after:?}");
    assert!(
        after.realtime_unsubscribed_ms > before.realtime_unsubscribed_ms,
        "time unsubscribed is counted: {after:?}"
    );
    assert_eq!(after.realtime_subscriptions - before.realtime_subscriptions, 1);
    assert_eq!(after.realtime_give_ups, before.realtime_give_ups);
    drop(channel);
}

#[wasm_bindgen_test]
async fn the_panel_shows_the_counters_live_and_its_timer_goes_with_it() {
    install_leak_probe();
    devserver::clear_faults().await;
    let source = devserver::token_source(&devserver::sign_in(ALICE).await);
    let host = common::host();
    let phase = RwSignal::new(String::from("connecting"));
    let realtime = RwSignal::new(RealtimeStatus::Subscribed);
    let local_quality = RwSignal::new(ConnectionQuality::Excellent);
    let partner_quality = RwSignal::new(ConnectionQuality::Unknown);
    let intervals_before = active_intervals();
    let owner = Owner::new();
    let handle = owner
        .with(|| mount_to(host.clone(), move || view! { <Diagnostics phase realtime local_quality partner_quality/> }));
    assert_eq!(active_intervals(), intervals_before + 1, "one refresh timer");
    common::wait_for(&host, "aside.diagnostics[aria-label=Diagnostics] table", SHORT).await;
    let attempts = metrics::snapshot().connect_attempts;
    assert_eq!(figure(&host, "connect_attempts"), attempts.to_string());
    for (name, shown) in
        [("phase", "connecting"), ("realtime", "subscribed"), ("local_quality", "excellent"), ("partner_quality", "unknown")]
    {
        assert_eq!(figure(&host, name), shown, "{name}");
    }

    // A connect elsewhere shows up within the one-second refresh; a signal change at once.
    let room = new_room().await;
    fetch_and_connect(&room, &source, LIVEKIT).await.expect("connects");
    let expected = (attempts + 1).to_string();
    wait_until("the new count in the panel", Duration::from_millis(2500), || figure(&host, "connect_attempts") == expected)
        .await;
    phase.set("connected".into());
    wait_until("the new phase in the panel", SHORT, || figure(&host, "phase") == "connected").await;
    room.disconnect().await;

    // The copy button puts the same figures on the clipboard as JSON.
    let clipboard = js_sys::eval("navigator.clipboard").unwrap().unchecked_into();
    let record = js_sys::Function::new_with_args("text", "globalThis.__copied = text; return Promise.resolve();");
    let recording = Patched::replace(&clipboard, "writeText", &record);
    host.query_selector(".diagnostics button").unwrap().unwrap().unchecked_into::<web_sys::HtmlElement>().click();
    wait_until("the copy to be confirmed", SHORT, || host.text_content().unwrap_or_default().contains("Copied.")).await;
    drop(recording);
    let copied: Json = serde_json::from_str(&js_sys::eval("globalThis.__copied").unwrap().as_string().unwrap()).unwrap();
    assert_eq!((copied["phase"].as_str(), copied["local_quality"].as_str()), (Some("connected"), Some("excellent")));
    assert_eq!(copied["metrics"]["connect_attempts"], json!(attempts + 1), "{copied}");

    let intervals_mounted = active_intervals();
    owner.cleanup();
    drop(handle);
    assert_eq!(active_intervals(), intervals_mounted - 1, "unmounting clears the refresh timer");
    host.remove();
}

#[wasm_bindgen_test]
async fn ctrl_shift_d_toggles_the_panel_on_the_page_and_debug_1_opens_it() {
    devserver::clear_faults().await;
    sign_in_as(ALICE).await;
    let page = mount_page(DATE_ID);
    page.wait_for_text("Ready to meet?", CALL).await;
    assert!(page.host.query_selector(".diagnostics").unwrap().is_none(), "closed by default");
    // The app's stylesheet, which places the panel; the test page has none of its own.
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../styles/app.css")));
    document().head().unwrap().append_child(&style).unwrap();
    let preview_top = || js_sys::eval("document.querySelector('.pre-join').getBoundingClientRect().top").unwrap().as_f64();
    let top_before = preview_top();
    press_ctrl_shift_d();
    common::wait_for(&page.host, ".diagnostics table", SHORT).await;
    wait_until("realtime subscribed in the panel", SHORT, || figure(&page.host, "realtime") == "subscribed").await;
    assert_eq!(preview_top(), top_before, "the panel lies over the page and does not move it");
    style.remove();
    press_ctrl_shift_d();
    wait_until("the panel to close", SHORT, || page.host.query_selector(".diagnostics").unwrap().is_none()).await;
    page.unmount();

    let original = query();
    set_query("?debug=1");
    let page = mount_page(DATE_ID);
    set_query(&original);
    common::wait_for(&page.host, ".diagnostics table", SHORT).await;
    page.unmount();
}

#[wasm_bindgen_test]
async fn a_summary_is_beaconed_when_the_page_is_hidden_or_left_and_never_after_unmount() {
    let _recording = record_beacons();
    devserver::clear_faults().await;
    let session = sign_in_as(ALICE).await;
    let endpoint = format!("{DEVSERVER}/api/metrics");
    let with_endpoint = || {
        let mut config = config();
        config.metrics_endpoint = Some(endpoint.clone());
        config
    };
    let page = mount_page_with(DATE_ID, with_endpoint());
    page.wait_for_text("Ready to meet?", CALL).await;
    let sent = beacon_count();
    hide_page();
    assert_eq!(beacon_count(), sent + 1, "hidden: one beacon");
    // Leaving fires pagehide too; nothing changed since, so nothing more is sent.
    fire("window", "pagehide");
    assert_eq!(beacon_count(), sent + 1, "an unchanged summary is not sent twice");

    assert_eq!(beacon_url(sent), endpoint);
    let body = beacon_body(sent);
    assert!(!body.contains(session.access_token.expose()), "never a token: {body}");
    let summary: Json = serde_json::from_str(&body).unwrap();
    let mut keys: Vec<&str> = summary.as_object().unwrap().iter().map(|(key, _)| key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["date_id", "metrics", "user_id"], "nothing else: {body}");
    assert_eq!(
        (summary["user_id"].as_str(), summary["date_id"].as_str()),
        (Some(session.user_id.as_str()), Some(DATE_ID))
    );
    assert!(summary["metrics"]["connect_attempts"].as_u64().is_some(), "{body}");

    page.unmount();
    fire("window", "pagehide");
    hide_page();
    assert_eq!(beacon_count(), sent + 1, "the listeners went with the page");

    // A page without an endpoint sends nothing; a fresh one with it sends on pagehide alone.
    let page = mount_page(DATE_ID);
    page.wait_for_text("Ready to meet?", CALL).await;
    fire("window", "pagehide");
    assert_eq!(beacon_count(), sent + 1, "no endpoint, no beacon");
    page.unmount();
    let page = mount_page_with(DATE_ID, with_endpoint());
    page.wait_for_text("Ready to meet?", CALL).await;
    fire("window", "pagehide");
    assert_eq!(beacon_count(), sent + 2, "pagehide: one beacon");
    page.unmount();
}
