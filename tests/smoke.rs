//! Proves the browser pipeline: the app shell mounts, and the livekit-client module loads and builds a Room.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use leptos::prelude::*;
use video_date::app::{App, ROOT_ID};
use video_date::livekit::ConnectionState;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn livekit_room_is_constructed_disconnected() {
    let room = common::livekit::new_room().await;
    assert_eq!(room.state(), Some(ConnectionState::Disconnected));
}

#[wasm_bindgen_test]
async fn app_shell_mounts_and_explains_a_missing_config() {
    let host = common::host();
    let _mounted = mount_to(host.clone(), App);

    assert!(host.query_selector(&format!("#{ROOT_ID}")).unwrap().is_some());
    // The test runner's server has no /config.json, so the shell must say so rather than panic.
    let alert = common::wait_for(&host, "[role=alert]", Duration::from_secs(5)).await;
    let text = alert.text_content().unwrap_or_default();
    assert!(text.contains("config.json"), "{text}");
}
