//! The date page mounted against the devserver and the real livekit-server: each state a person can meet.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::devserver::{self, ALICE, CAROL};
use common::page::{mount_page, sign_in_as, sign_out, DATE_ID};
use common::patch::Patched;
use serde_json::json;
use video_date::livekit::MediaRequest;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SHORT: Duration = Duration::from_secs(5);
const CALL: Duration = Duration::from_secs(20);

#[wasm_bindgen_test]
async fn signed_out_people_are_sent_to_sign_in() {
    sign_out();
    let page = mount_page(DATE_ID);
    page.wait_for_text("You are not signed in", SHORT).await;
    let link = page.host.query_selector("a[href^='/sign-in?next=/video-date/']").unwrap();
    assert!(link.is_some(), "a sign-in link back to the date");
    page.unmount();
}

#[wasm_bindgen_test]
async fn an_unknown_date_and_someone_elses_date_say_so() {
    sign_in_as(ALICE).await;
    let page = mount_page("no-such-date");
    page.wait_for_text("doesn't exist, or it isn't yours", SHORT).await;
    page.unmount();
    sign_in_as(CAROL).await;
    let page = mount_page(DATE_ID);
    page.wait_for_text("doesn't exist, or it isn't yours", SHORT).await;
    page.unmount();
}

#[wasm_bindgen_test]
async fn a_denied_camera_gets_its_own_screen_and_a_retry() {
    devserver::reset_date().await;
    sign_in_as(ALICE).await;
    let devices = js_sys::eval("navigator.mediaDevices").unwrap().unchecked_into();
    let deny = js_sys::Function::new_no_args("return Promise.reject(new DOMException('denied', 'NotAllowedError'))");
    let denied = Patched::replace(&devices, "getUserMedia", &deny);
    let page = mount_page(DATE_ID);
    page.wait_for_text("not allowed to use the camera or microphone", SHORT).await;
    assert!(page.host.query_selector("[role=alert] button").unwrap().is_some(), "a Try again button");
    drop(denied);
    page.click("[role=alert] button", SHORT).await;
    page.wait_for_text("Your camera is on", SHORT).await;
    page.unmount();
}

#[wasm_bindgen_test]
async fn joining_connects_and_waits_for_the_partner_who_then_comes_and_goes() {
    devserver::clear_faults().await;
    let bob = devserver::sign_in(devserver::BOB).await;
    sign_in_as(ALICE).await;
    let page = mount_page(DATE_ID);
    page.click("button.primary:not([disabled])", SHORT).await;
    page.wait_for_text("hasn't joined yet", CALL).await;
    assert!(page.host.query_selector("[data-phase]").unwrap().is_some());

    let bob_room = common::livekit::new_room().await;
    common::livekit::fetch_and_connect(&bob_room, &devserver::token_source(&bob), devserver::LIVEKIT)
        .await
        .expect("bob joins");
    bob_room.publish_media(&MediaRequest { camera: true, ..Default::default() }).await.expect("bob's fake camera");
    let partner_video = "video.partner-video";
    common::wait_for(&page.host, partner_video, SHORT).await;
    page.wait_for_text("You're in the call", CALL).await;
    assert!(
        page.host.query_selector("[data-phase]").unwrap().is_none(),
        "no overlay once bob is there: {}",
        page.text()
    );

    bob_room.disconnect().await;
    page.wait_for_text("Your date left the call", CALL).await;
    page.unmount();
}

/// The camera and microphone the pre-join screen opened are the ones the call sends: "Join" opens no device again.
/// The SDK manages them as its own, so "Camera off" turns the camera off and "Camera on" opens it again.
#[wasm_bindgen_test]
async fn the_preview_s_camera_is_the_one_the_call_sends() {
    devserver::clear_faults().await;
    devserver::reset_date().await;
    sign_in_as(ALICE).await;
    let devices = js_sys::eval("navigator.mediaDevices").unwrap().unchecked_into();
    let counting = js_sys::eval(
        "(() => { const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices); \
         const counted = (constraints) => { counted.calls += 1; return real(constraints); }; \
         counted.calls = 0; return counted; })()",
    )
    .unwrap();
    let _counted = Patched::replace(&devices, "getUserMedia", &counting);
    let opened = || js_sys::Reflect::get(&counting, &"calls".into()).unwrap().as_f64().unwrap_or_default();
    let own_camera = || {
        js_sys::eval(
            "(() => { const v = document.querySelector('video.own-video'); \
             const t = v && v.srcObject && v.srcObject.getVideoTracks()[0]; return t ? t.readyState : 'none'; })()",
        )
        .unwrap()
        .as_string()
        .unwrap_or_default()
    };
    let page = mount_page(DATE_ID);
    page.click("button.primary:not([disabled])", SHORT).await;
    page.wait_for_text("hasn't joined yet", CALL).await;
    common::wait_until("our camera shown in the call", SHORT, || own_camera() == "live").await;
    assert_eq!(opened(), 1.0, "the devices were opened once, for the preview");

    page.click("button.camera-toggle:not([disabled])", SHORT).await;
    common::wait_until("the camera turned off", SHORT, || own_camera() != "live").await;
    page.click("button.camera-toggle:not([disabled])", SHORT).await;
    common::wait_until("the camera opened again", SHORT, || opened() == 2.0 && own_camera() == "live").await;
    page.unmount();
}

#[wasm_bindgen_test]
async fn a_token_the_server_keeps_refusing_asks_to_sign_in_again() {
    devserver::clear_faults().await;
    sign_in_as(ALICE).await;
    devserver::add_token_fault(json!({"kind": "wrong_secret"}), 5).await;
    let before = devserver::token_requests().await;
    let page = mount_page(DATE_ID);
    page.click("button.primary:not([disabled])", SHORT).await;
    page.wait_for_text("refused your pass to the call, even a fresh one. Sign in again", CALL).await;
    assert_eq!(devserver::token_requests().await - before, 2, "one retry, never a third token");
    page.unmount();
    devserver::clear_faults().await;
}

#[wasm_bindgen_test]
async fn the_partner_ending_the_date_reaches_the_page_through_realtime() {
    devserver::clear_faults().await;
    devserver::reset_date().await;
    let bob = devserver::sign_in(devserver::BOB).await;
    devserver::call_on_date(&bob, "join_date").await;
    sign_in_as(ALICE).await;
    let page = mount_page(DATE_ID);
    page.click("button.primary:not([disabled])", SHORT).await;
    page.wait_for_text("hasn't joined yet", CALL).await;
    devserver::call_on_date(&bob, "end_date").await;
    page.wait_for_text("Your date ended the date.", SHORT).await;
    page.unmount();
    devserver::reset_date().await;
}

#[wasm_bindgen_test]
async fn realtime_that_stays_down_shows_that_it_is_retrying() {
    devserver::clear_faults().await;
    sign_in_as(ALICE).await;
    devserver::add_realtime_fault(json!({"kind": "down"}), 1).await;
    let page = mount_page(DATE_ID);
    // The default policy (1 s base, 8 attempts) would take minutes; the page must say it is retrying.
    page.wait_for_text("Live updates are offline. Retrying in", CALL).await;
    page.unmount();
    devserver::clear_faults().await;
}

#[wasm_bindgen_test]
async fn a_realtime_give_up_is_explained_with_a_retry_button() {
    use leptos::prelude::*;
    use video_date::components::realtime_notice::RealtimeNotice;
    use video_date::realtime::RealtimeStatus;

    let host = common::host();
    let status = RwSignal::new(RealtimeStatus::Subscribed);
    let retries = RwSignal::new(0);
    let _mounted = mount_to(host.clone(), move || {
        view! { <RealtimeNotice status retry=Callback::new(move |()| retries.update(|n| *n += 1))/> }
    });
    assert_eq!(host.text_content().unwrap_or_default(), "", "nothing to say while subscribed");
    status.set(RealtimeStatus::Retrying { attempt: 2, max_attempts: 8, delay_ms: 1500 });
    common::wait_for(&host, "[data-realtime=retrying]", SHORT).await;
    assert!(host.text_content().unwrap().contains("Retrying in 2 s (attempt 2 of 8)"));
    status.set(RealtimeStatus::GaveUp { attempts: 8 });
    let button = common::wait_for(&host, "[data-realtime=gave-up] button", SHORT).await;
    assert!(host.text_content().unwrap().contains("stopped after 8 tries"));
    button.unchecked_into::<web_sys::HtmlElement>().click();
    assert_eq!(retries.get_untracked(), 1);
}

/// Bob has joined the date (over the API); alice opens the page and joins: the date goes live.
async fn alice_joins_a_date_bob_is_in(seconds: u32) -> common::page::MountedPage {
    devserver::clear_faults().await;
    devserver::reset_date_lasting(seconds).await;
    let bob = devserver::sign_in(devserver::BOB).await;
    devserver::call_on_date(&bob, "join_date").await;
    sign_in_as(ALICE).await;
    let page = mount_page(DATE_ID);
    page.wait_for_text("You're meeting Bob", SHORT).await;
    page.click("button.primary:not([disabled])", SHORT).await;
    common::wait_for(&page.host, "[data-date-state^=live]", SHORT).await;
    // Connected (bob is not in the video room): the call's own announcements are done, so the live region
    // says only what the date does from here on.
    page.wait_for_text("Hang tight", CALL).await;
    page
}

fn date_state(page: &common::page::MountedPage) -> String {
    let section = page.host.query_selector("[data-date-state]").unwrap().expect("the page says the date's state");
    section.get_attribute("data-date-state").unwrap_or_default()
}

async fn wait_for_state(page: &common::page::MountedPage, name: &str) {
    common::wait_for(&page.host, &format!("section.date-page[data-date-state={name}]"), SHORT).await;
}

#[wasm_bindgen_test]
async fn in_the_last_minute_more_time_is_asked_and_answered_by_mutual_consent() {
    let page = alice_joins_a_date_bob_is_in(55).await;
    let bob = devserver::sign_in(devserver::BOB).await;
    assert_eq!(date_state(&page), "live-offer-extension");
    let timer = page.host.query_selector(".timer").unwrap().expect("a countdown").text_content().unwrap();
    assert!(timer.starts_with("00:5") || timer.starts_with("00:4"), "{timer}");

    page.click(".extension[data-extension=offer] button", SHORT).await;
    page.wait_for_text("Asked your date for 5 more minutes…", SHORT).await;
    devserver::call_on_date_with(&bob, "answer_extension", json!({"accept": true})).await;
    page.wait_for_text("Your date said yes: 5 more minutes.", SHORT).await;
    wait_for_state(&page, "live").await;
    let timer = page.host.query_selector(".timer").unwrap().expect("a countdown").text_content().unwrap();
    assert!(timer.starts_with("05:"), "five more minutes: {timer}");

    devserver::call_on_date(&bob, "request_extension").await;
    page.wait_for_text("Your date would like 5 more minutes.", SHORT).await;
    page.click(".extension[data-extension=requested] button:not(.primary)", SHORT).await;
    page.wait_for_text("The date ends on time.", SHORT).await;
    assert!(page.host.query_selector(".extension").unwrap().is_none(), "nothing to answer: {}", page.text());
    page.unmount();
    devserver::reset_date().await;
}

#[wasm_bindgen_test]
async fn at_time_up_the_call_ends_and_a_match_shows_once_both_said_yes() {
    let page = alice_joins_a_date_bob_is_in(3).await;
    let bob = devserver::sign_in(devserver::BOB).await;
    common::wait_for(&page.host, ".panel.ended", SHORT).await;
    page.wait_for_text("Time's up. Would you like to meet again?", SHORT).await;
    assert!(page.host.query_selector(".call").unwrap().is_none(), "the call has ended: {}", page.text());
    let row = devserver::call_on_date(&bob, "end_date").await;
    assert_eq!((row["end_reason"].as_str(), row["ended_by"].as_str()), (Some("time_up"), None), "{row}");

    page.click(".meet-again button.primary", SHORT).await;
    wait_for_state(&page, "ended-waiting").await;
    page.wait_for_text("Waiting for their answer…", SHORT).await;
    devserver::call_on_date_with(&bob, "answer_meet_again", json!({"yes": true})).await;
    wait_for_state(&page, "match").await;
    page.wait_for_text("It's a match!", SHORT).await;
    assert!(page.host.query_selector("a[href='/']").unwrap().is_some(), "a way back: {}", page.text());
    page.unmount();
    devserver::reset_date().await;
}

#[wasm_bindgen_test]
async fn ending_asks_once_and_a_no_is_never_told_before_both_answered() {
    let page = alice_joins_a_date_bob_is_in(600).await;
    let bob = devserver::sign_in(devserver::BOB).await;
    page.click(".controls button.danger", SHORT).await;
    page.wait_for_text("End the date for both of you?", SHORT).await;
    page.click(".keep-talking", SHORT).await;
    common::poll("the question withdrawn", SHORT, || {
        let asking = page.host.query_selector(".confirm-end").unwrap().is_some();
        std::future::ready(if asking { Err(page.text()) } else { Ok(()) })
    })
    .await;
    assert!(page.host.query_selector(".call").unwrap().is_some(), "still in the call: {}", page.text());
    assert_eq!(date_state(&page), "live", "keeping on talking changes nothing");
    page.click(".controls button.danger", SHORT).await;
    page.click(".confirm-end button.danger", SHORT).await;
    page.wait_for_text("You ended the date. Would you like to meet again?", SHORT).await;

    devserver::call_on_date_with(&bob, "answer_meet_again", json!({"yes": true})).await;
    page.click(".meet-again button:not(.primary)", SHORT).await;
    wait_for_state(&page, "no-match").await;
    page.wait_for_text("Not this time.", SHORT).await;
    page.unmount();
    devserver::reset_date().await;
}

#[wasm_bindgen_test]
async fn an_end_made_while_realtime_was_down_is_seen_after_it_resubscribes() {
    let page = alice_joins_a_date_bob_is_in(600).await;
    let bob = devserver::sign_in(devserver::BOB).await;
    devserver::add_realtime_fault(json!({"kind": "down"}), 1).await;
    page.wait_for_text("Live updates are offline", CALL).await;
    devserver::call_on_date(&bob, "end_date").await;
    devserver::clear_faults().await;
    // Realtime never replays a change made while unsubscribed: the page reads the row again.
    page.wait_for_text("Your date ended the date. Would you like to meet again?", CALL).await;
    page.unmount();
    devserver::reset_date().await;
}
