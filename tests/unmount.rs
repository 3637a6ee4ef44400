//! Leaving the page in any state leaves nothing running: 50 mounts and unmounts from different states, then
//! no live camera/microphone track, no open WebSocket or RTCPeerConnection, and no timer still set.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::devserver::{self, ALICE};
use common::page::{mount_page, sign_in_as, DATE_ID};
use common::leak_probe::{active_intervals, install_leak_probe, live_tracks, open_peer_connections, open_sockets, pending_timeouts};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Where in the page's life each cycle unmounts it.
#[derive(Debug, Clone, Copy)]
enum LeaveAt {
    Loading,
    AskingForDevices,
    PreJoin,
    Connecting,
    Connected,
}

const STATES: [LeaveAt; 5] = [LeaveAt::Loading, LeaveAt::AskingForDevices, LeaveAt::PreJoin, LeaveAt::Connecting, LeaveAt::Connected];

#[wasm_bindgen_test]
async fn fifty_mounts_and_unmounts_leave_nothing_running() {
    install_leak_probe();
    devserver::clear_faults().await;
    sign_in_as(ALICE).await;
    let step = Duration::from_secs(20);
    for cycle in 0..50 {
        let leave_at = STATES[cycle % STATES.len()];
        let page = mount_page(DATE_ID);
        match leave_at {
            LeaveAt::Loading => {}
            LeaveAt::AskingForDevices => page.wait_for_text("Ready to meet?", step).await,
            LeaveAt::PreJoin => page.wait_for_text("Your camera is on", step).await,
            LeaveAt::Connecting => page.click("button.primary:not([disabled])", step).await,
            LeaveAt::Connected => {
                page.click("button.primary:not([disabled])", step).await;
                page.wait_for_text("hasn't joined yet", step).await;
            }
        }
        page.unmount();
    }
    // Disconnects and socket closes complete asynchronously; give them a moment, then count.
    let settled = |counts: [u32; 4]| counts == [0; 4];
    let mut counts = [u32::MAX; 4];
    for _ in 0..100 {
        counts = [live_tracks(), open_sockets(), open_peer_connections(), active_intervals()];
        if settled(counts) {
            break;
        }
        gloo_timers::future::sleep(Duration::from_millis(100)).await;
    }
    let [tracks, sockets, peers, intervals] = counts;
    assert_eq!(tracks, 0, "live camera/microphone tracks");
    assert_eq!(sockets, 0, "open WebSockets");
    assert_eq!(peers, 0, "open RTCPeerConnections");
    assert_eq!(intervals, 0, "intervals still firing");
    web_sys::console::log_1(&format!("timeouts still pending after 50 cycles: {}", pending_timeouts()).into());
}
