//! The endpoint token source against the real devserver: the happy path, every failure the devserver can
//! inject, caching and forced refetch, and proof that no token or session reaches a log or an error.
#![cfg(target_arch = "wasm32")]

mod common;

use std::rc::Rc;
use std::time::Duration;

use common::devserver::{self, Session, ALICE, CAROL, DATE_ROOM, LIVEKIT};
use common::log_capture;
use serde_json::json;
use video_date::expiry::MIN_REFRESH_DELAY_SECS;
use video_date::token::{EndpointSource, EndpointSourceOptions, Expectations, Freshness, Secret, TokenError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn source_for(session: &Session, room: &str) -> Rc<EndpointSource> {
    EndpointSource::new(devserver::token_options(session, room))
}

async fn alice_source() -> (Session, Rc<EndpointSource>) {
    devserver::clear_faults().await;
    let session = devserver::sign_in(ALICE).await;
    let source = source_for(&session, DATE_ROOM);
    (session, source)
}

#[wasm_bindgen_test]
async fn fetches_a_valid_token_and_reuses_it_until_forced() {
    let (_session, source) = alice_source().await;
    let first = source.fetch(Freshness::Cached).await.expect("a token for alice's date");
    assert_eq!(first.server_url.as_deref(), Some(LIVEKIT));
    assert!(first.token.expires_at() > (js_sys::Date::now() / 1000.0) as i64 + 3600);
    let cached = source.fetch(Freshness::Cached).await.unwrap();
    assert_eq!(cached, first);
    assert_eq!(source.requests(), 1, "the second fetch came from the cache");
    source.fetch(Freshness::Fresh).await.unwrap();
    assert_eq!(source.requests(), 2, "Freshness::Fresh bypasses the cache");
}

async fn fault_gives(fault: serde_json::Value) -> TokenError {
    let (_session, source) = alice_source().await;
    devserver::add_token_fault(fault, 1).await;
    source.fetch(Freshness::Cached).await.expect_err("the fault must surface as an error")
}

#[wasm_bindgen_test]
async fn each_injected_fault_has_its_own_error() {
    assert_eq!(
        fault_gives(json!({"kind": "status", "status": 500, "body": "database down"})).await,
        TokenError::Status { status: 500, excerpt: "database down".into() }
    );
    assert_eq!(fault_gives(json!({"kind": "status", "status": 401, "body": "x"})).await, TokenError::Unauthorized);
    assert_eq!(fault_gives(json!({"kind": "status", "status": 403, "body": "x"})).await, TokenError::NotInThisDate);
    assert_eq!(fault_gives(json!({"kind": "malformed_json"})).await, TokenError::NotJson);
    assert_eq!(fault_gives(json!({"kind": "no_token"})).await, TokenError::NoToken);
    assert!(matches!(fault_gives(json!({"kind": "expired"})).await, TokenError::Expired { .. }));
    assert!(matches!(
        fault_gives(json!({"kind": "other_room"})).await,
        TokenError::WrongRoom { found: Some(room), .. } if room == "some-other-room"
    ));
}

#[wasm_bindgen_test]
async fn a_slow_endpoint_is_aborted_at_the_timeout() {
    let (session, _) = alice_source().await;
    let mut options = devserver::token_options(&session, DATE_ROOM);
    options.timeout = Duration::from_millis(300);
    let source = EndpointSource::new(options);
    devserver::add_token_fault(json!({"kind": "delay", "ms": 3000}), 1).await;
    let started = js_sys::Date::now();
    assert_eq!(source.fetch(Freshness::Cached).await, Err(TokenError::Timeout { after_ms: 300 }));
    assert!(js_sys::Date::now() - started < 2500.0, "the fetch was aborted, not awaited");
}

#[wasm_bindgen_test]
async fn the_servers_own_refusals_are_explained() {
    devserver::clear_faults().await;
    let alice = devserver::sign_in(ALICE).await;
    let signed_out = Session { user_id: alice.user_id.clone(), access_token: Secret::new("not-a-session") };
    assert_eq!(source_for(&signed_out, DATE_ROOM).fetch(Freshness::Cached).await, Err(TokenError::Unauthorized));
    let carol = devserver::sign_in(CAROL).await;
    assert_eq!(source_for(&carol, DATE_ROOM).fetch(Freshness::Cached).await, Err(TokenError::NotInThisDate));
    let impostor = Session { user_id: carol.user_id.clone(), access_token: alice.access_token.clone() };
    assert_eq!(source_for(&impostor, DATE_ROOM).fetch(Freshness::Cached).await, Err(TokenError::NotInThisDate));
}

#[wasm_bindgen_test]
async fn an_unreachable_endpoint_is_a_network_error() {
    let session = devserver::sign_in(ALICE).await;
    let source = EndpointSource::new(EndpointSourceOptions::new(
        "http://127.0.0.1:9/api/livekit-token",
        Expectations { room: DATE_ROOM.into(), identity: session.user_id.clone() },
        session.access_token.clone(),
    ));
    assert!(matches!(source.fetch(Freshness::Cached).await, Err(TokenError::Network(_))));
}

#[wasm_bindgen_test]
async fn a_forced_fetch_after_a_failure_gets_a_fresh_token() {
    let (_session, source) = alice_source().await;
    devserver::add_token_fault(json!({"kind": "no_token"}), 1).await;
    assert_eq!(source.fetch(Freshness::Cached).await, Err(TokenError::NoToken));
    let fresh = source.fetch(Freshness::Fresh).await.expect("the fault was used up");
    assert_eq!(source.requests(), 2);
    assert!(fresh.token.expires_at() > (js_sys::Date::now() / 1000.0) as i64);
}

#[wasm_bindgen_test]
async fn a_token_living_less_than_the_margin_is_reused_until_its_refresh_is_due() {
    let (session, _) = alice_source().await;
    let mut options = devserver::token_options(&session, DATE_ROOM);
    // Longer than the devserver's 6 h tokens: the policy refreshes them halfway through, hours from now.
    options.refresh_margin = Duration::from_secs(7 * 3600);
    let source = EndpointSource::new(options);
    source.fetch(Freshness::Cached).await.unwrap();
    source.fetch(Freshness::Cached).await.unwrap();
    assert_eq!(source.requests(), 1, "the second fetch reused the cached token");
}

#[wasm_bindgen_test]
async fn proactive_refresh_replaces_a_token_about_to_expire_and_stops_when_dropped() {
    let (session, _) = alice_source().await;
    let mut options = devserver::token_options(&session, DATE_ROOM);
    // A margin two seconds short of a token's whole life makes every token due at once; the policy's floor
    // (`expiry::MIN_REFRESH_DELAY_SECS`) then sets the cadence.
    let now = || (js_sys::Date::now() / 1000.0) as i64;
    let issued = EndpointSource::new(options.clone()).fetch(Freshness::Cached).await.unwrap();
    let lifetime = issued.token.expires_at() - now();
    options.refresh_margin = Duration::from_secs(u64::try_from(lifetime - 2).unwrap());
    let source = EndpointSource::new(options);
    source.fetch(Freshness::Cached).await.unwrap();
    let refresher = source.keep_fresh();
    assert!(refresher.is_scheduled());
    common::wait_until("the refresh to fetch a new token", Duration::from_secs(8), || source.requests() >= 2).await;
    drop(refresher);
    gloo_timers::future::sleep(Duration::from_millis(300)).await;
    let after_drop = source.requests();
    // Longer than the refresh cadence, so a timer the drop failed to cancel would have fired.
    gloo_timers::future::sleep(Duration::from_secs(MIN_REFRESH_DELAY_SECS as u64 + 1)).await;
    assert_eq!(source.requests(), after_drop, "no refresh after the handle was dropped");
}

#[wasm_bindgen_test]
async fn no_token_or_session_reaches_logs_or_errors() {
    let (captured, _guard) = log_capture::capture();
    let (session, source) = alice_source().await;
    let issued = source.fetch(Freshness::Fresh).await.unwrap();
    let jwt = issued.token.jwt().expose().to_owned();
    let mut shown = format!("{issued:?}");
    let echo_secrets = json!({"kind": "status", "status": 502, "body": format!("upstream said {jwt} for {}", session.access_token.expose())});
    // Answers that carry the secrets but do not fit: serde_json's own messages would quote them.
    let malformed_answer = |body: String| json!({"kind": "status", "status": 200, "body": body});
    let malformed = [
        malformed_answer(format!(r#"{{"token": ["{jwt}"], "serverUrl": "{}"}}"#, session.access_token.expose())),
        malformed_answer(format!(r#"{{"participantToken": "{jwt}", "serverUrl": 7}}"#)),
        malformed_answer(format!(r#"{{"token": {jwt}}}"#)),
        malformed_answer(format!(r#"{{"token": "{jwt}", "serverUrl": "{}"#, session.access_token.expose())),
    ];
    let faults =
        [echo_secrets, json!({"kind": "expired"}), json!({"kind": "other_room"}), json!({"kind": "malformed_json"})];
    for fault in faults.into_iter().chain(malformed) {
        devserver::add_token_fault(fault, 1).await;
        let err = source.fetch(Freshness::Fresh).await.unwrap_err();
        shown.push_str(&format!("{err} {err:?}\n"));
    }
    let logs = captured.text();
    assert!(logs.contains("token fetch failed"), "the failures were logged: {logs}");
    for secret in [jwt.as_str(), session.access_token.expose()] {
        assert!(!logs.contains(secret), "a secret reached the log: {logs}");
        assert!(!shown.contains(secret), "a secret reached an error: {shown}");
    }
}
