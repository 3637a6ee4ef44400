//! livekit-client is loaded by the date page, not by the app: nothing fetches it before the page asks; a load that
//! fails is a named state with a sentence and "Try again", and trying again loads it and the call works.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::devserver::{self, ALICE};
use common::fetches_of;
use common::page::{mount_page, sign_in_as, DATE_ID};
use common::patch::Patched;
use video_date::livekit;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SHORT: Duration = Duration::from_secs(5);
const CALL: Duration = Duration::from_secs(20);
const NOT_LOADED: &str = "The video call could not be loaded";

/// One story, because its first check (nothing fetched the SDK yet) must run before anything in this binary loads it.
#[wasm_bindgen_test]
async fn the_sdk_waits_for_the_date_page_and_a_failed_load_is_explained_and_retried() {
    // The wasm and its glue are running, and nothing has fetched the SDK: no static import, no preload.
    assert_eq!(fetches_of("livekit-client.js"), 0, "the SDK was fetched before anything asked for it");

    // A missing file is a failure with the browser's error name; asking again really fetches again.
    let missing = livekit::load("/js/no-such-livekit-client.js").await.unwrap_err();
    assert_eq!(missing.reason, "TypeError");
    assert!(missing.to_string().contains(NOT_LOADED), "{missing}");
    livekit::load("/js/no-such-livekit-client.js").await.unwrap_err();
    assert_eq!(fetches_of("no-such-livekit-client.js?retry=1"), 1, "the retry asked for the file again");
    assert_eq!(fetches_of("livekit-client.js") - fetches_of("no-such-livekit-client.js"), 0);

    // The date page, with the SDK unreachable: the page's base address points at a port browsers refuse.
    devserver::clear_faults().await;
    sign_in_as(ALICE).await;
    let unreachable = Patched::shadow(&leptos::prelude::document(), "baseURI", &"http://127.0.0.1:9/".into());
    let page = mount_page(DATE_ID);
    page.wait_for_text(NOT_LOADED, SHORT).await;
    page.wait_for_text("Ready to meet?", SHORT).await;
    drop(unreachable);
    page.click(".sdk-failed button", SHORT).await;
    let sdk = format!("{}/js/livekit-client.js", leptos::prelude::window().location().origin().unwrap());
    common::wait_until("the page to load the SDK", SHORT, || fetches_of(&sdk) == 1).await;
    page.click("button.primary:not([disabled])", SHORT).await;
    page.wait_for_text("hasn't joined yet", CALL).await;
    assert!(!page.text().contains(NOT_LOADED), "{}", page.text());
    assert_eq!(fetches_of(&sdk), 1, "the page loaded the SDK once");
    page.unmount();
}
