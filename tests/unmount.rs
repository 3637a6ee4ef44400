//! Leaving the page in any state leaves nothing running: 100 mounts and unmounts from six states (one of them with
//! livekit-client still on its way); after 1, 10 and 100 of them no live camera/microphone track, no open WebSocket
//! or RTCPeerConnection, no interval and no pending timeout.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::devserver::{self, ALICE, DEVSERVER};
use common::leak_probe::{
    active_intervals, install_leak_probe, live_tracks, open_peer_connections, open_sockets, pending_timeouts,
};
use common::page::{mount_page, mount_page_loading_sdk_from, sign_in_as, DATE_ID};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Where in the page's life each cycle unmounts it.
#[derive(Debug, Clone, Copy)]
enum LeaveAt {
    Loading,
    /// The pre-join screen, with the SDK still loading (from an address that answers only after a second).
    SdkLoading,
    AskingForDevices,
    PreJoin,
    Connecting,
    Connected,
}

const STATES: [LeaveAt; 6] = [
    LeaveAt::Loading,
    LeaveAt::SdkLoading,
    LeaveAt::AskingForDevices,
    LeaveAt::PreJoin,
    LeaveAt::Connecting,
    LeaveAt::Connected,
];

/// The SDK's address in [`LeaveAt::SdkLoading`] cycles: the devserver answers 404 after this long.
const SLOW_SDK_MS: u32 = 1000;

/// After these many cycles the counts are checked (they must be zero) and the memory figures printed.
const CHECKPOINTS: [usize; 3] = [1, 10, 100];

#[wasm_bindgen_test]
async fn a_hundred_mounts_and_unmounts_leave_nothing_running() {
    install_leak_probe();
    devserver::clear_faults().await;
    sign_in_as(ALICE).await;
    let step = Duration::from_secs(20);
    let mut held_after_first_round = None;
    for cycle in 1..=CHECKPOINTS[CHECKPOINTS.len() - 1] {
        let leave_at = STATES[(cycle - 1) % STATES.len()];
        let slow_sdk = format!("{DEVSERVER}/__slow/{SLOW_SDK_MS}");
        common::forget_fetches();
        let page = match leave_at {
            LeaveAt::SdkLoading => mount_page_loading_sdk_from(DATE_ID, &slow_sdk),
            _ => mount_page(DATE_ID),
        };
        match leave_at {
            LeaveAt::Loading => {}
            LeaveAt::SdkLoading => {
                page.wait_for_text("Ready to meet?", step).await;
                let text = page.text();
                assert!(!text.contains("could not be loaded"), "the SDK was to be still loading: {text}");
            }
            LeaveAt::AskingForDevices => page.wait_for_text("Ready to meet?", step).await,
            LeaveAt::PreJoin => page.wait_for_text("Your camera is on", step).await,
            LeaveAt::Connecting => page.click("button.primary:not([disabled])", step).await,
            LeaveAt::Connected => {
                page.click("button.primary:not([disabled])", step).await;
                page.wait_for_text("hasn't joined yet", step).await;
                // Once only: the later cycles leave while the camera may still be being published.
                if cycle == STATES.len() {
                    probe_sees_the_call().await;
                }
            }
        }
        page.unmount();
        if let LeaveAt::SdkLoading = leave_at {
            // The load outlives the page (a fetch cannot be taken back); the check must see what it leaves.
            common::wait_until("the abandoned SDK load to end", step, || common::fetches_of(&slow_sdk) > 0).await;
        }
        if CHECKPOINTS.contains(&cycle) {
            let held = check_nothing_left(cycle).await;
            // Once every state has been visited, lazily created statics exist; from then on the JS objects the
            // wasm holds must not grow with the number of cycles (between checkpoints 10 and 100).
            if cycle >= STATES.len() {
                let baseline = *held_after_first_round.get_or_insert(held);
                assert!(held <= baseline, "JS objects held by the wasm grew to {held} after {cycle} cycles");
            }
        }
    }
}

/// The zeros [`check_nothing_left`] asserts mean something only if the probe counts a call's resources in this
/// engine. The camera may still be opening when the call shows as connected, so this waits for it.
async fn probe_sees_the_call() {
    common::poll("the leak probe to see a call's tracks, sockets and peer connections", Duration::from_secs(10), || {
        let open = [live_tracks(), open_sockets(), open_peer_connections()];
        std::future::ready(if open.contains(&0) { Err(format!("it counts {open:?}")) } else { Ok(()) })
    })
    .await;
}

/// Waits for the asynchronous disconnects and socket closes to settle, asserts nothing is left, and prints a
/// `leak` line (read by `cargo xtask bench`): cycles, JS heap and wasm memory in bytes, and the counts.
/// Returns how many JS objects the wasm holds (wasm-bindgen's live externrefs).
async fn check_nothing_left(cycles: usize) -> u32 {
    // livekit-client's teardown leaves short one-shot timers behind (`sleep(200)` raced against an audio
    // context resume, 250 ms for a socket to close); they run out on their own within the wait.
    let mut counts = [u32::MAX; 5];
    for _ in 0..100 {
        counts = [live_tracks(), open_sockets(), open_peer_connections(), active_intervals(), pending_timeouts()];
        if counts == [0; 5] {
            break;
        }
        gloo_timers::future::sleep(Duration::from_millis(100)).await;
    }
    let [tracks, sockets, peers, intervals, timeouts] = counts;
    // Read once the disconnects above have settled: the tasks they ran hold JS values until they finish.
    let held = wasm_bindgen::externref_heap_live_count();
    wasm_bindgen_test::console_log!(
        "leak\t{cycles}\t{}\t{}\t{held}\t{tracks}\t{sockets}\t{peers}\t{intervals}\t{timeouts}",
        js_heap_bytes(),
        wasm_memory_bytes(),
    );
    assert_eq!(tracks, 0, "live camera/microphone tracks after {cycles} cycles");
    assert_eq!(sockets, 0, "open WebSockets after {cycles} cycles");
    assert_eq!(peers, 0, "open RTCPeerConnections after {cycles} cycles");
    assert_eq!(intervals, 0, "intervals still firing after {cycles} cycles");
    assert_eq!(timeouts, 0, "timeouts still pending after {cycles} cycles");
    held
}

/// Chromium's `performance.memory.usedJSHeapSize` after a full collection (webdriver.json exposes `gc()` and
/// asks for precise figures), so the number is what is still reachable; 0 where the browser has no such figure.
fn js_heap_bytes() -> u64 {
    let gc = web_sys::window().and_then(|w| js_sys::Reflect::get(&w, &"gc".into()).ok());
    if let Some(gc) = gc.and_then(|gc| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(gc).ok()) {
        let _ = gc.call0(&wasm_bindgen::JsValue::UNDEFINED);
    }
    let performance = web_sys::window().and_then(|w| js_sys::Reflect::get(&w, &"performance".into()).ok());
    // Firefox has no `performance.memory`. Reading a field of `undefined` throws, and in Firefox each such
    // caught exception showed up as one more JS object held by the wasm at every checkpoint.
    let memory = performance.and_then(|p| js_sys::Reflect::get(&p, &"memory".into()).ok()).filter(|m| m.is_object());
    let used = memory.and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()).ok());
    used.and_then(|u| u.as_f64()).unwrap_or(0.0) as u64
}

fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as u64
}
