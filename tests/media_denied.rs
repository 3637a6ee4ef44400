//! Camera and microphone refused by the browser itself, as when a person clicked "Block": no page script
//! involved, so each engine's own error reaches the page. `cargo xtask test` runs this binary alone with
//! `webdriver-denied.json`, in Chromium and in Firefox. The runner names tests without their binary, so every
//! test here starts with `media_denied`: the run with camera and microphone granted skips that name.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::devserver::ALICE;
use common::page::{mount_page, sign_in_as, DATE_ID};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn media_denied_by_the_browser_gets_the_denied_screen() {
    sign_in_as(ALICE).await;
    let page = mount_page(DATE_ID);
    page.wait_for_text("not allowed to use the camera or microphone", Duration::from_secs(10)).await;
    assert!(!page.text().contains("Your camera is on"), "no preview without permission: {}", page.text());
    page.unmount();
}
