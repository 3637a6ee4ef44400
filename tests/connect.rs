//! The connect routine against the real livekit-server: it connects with the token it is handed, retries once
//! with a fresh token from the source on an auth error, never a third attempt, and no retry for anything else.
#![cfg(target_arch = "wasm32")]

mod common;

use common::devserver::{self, ALICE, LIVEKIT};
use common::livekit::{fetch_and_connect, new_room};
use common::log_capture;
use serde_json::json;
use video_date::livekit::{ConnectError, ConnectFailure, Connected, ConnectionState, FailureCause, MediaRequest};
use video_date::token::{Freshness, TokenError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Signs alice in with a clean fault queue, and counts token requests from here on.
async fn alice() -> (std::rc::Rc<video_date::token::EndpointSource>, u64) {
    devserver::clear_faults().await;
    let session = devserver::sign_in(ALICE).await;
    (devserver::token_source(&session), devserver::token_requests().await)
}

#[wasm_bindgen_test]
async fn a_valid_token_connects_and_publishes_the_camera() {
    let (source, _) = alice().await;
    let room = new_room().await;
    assert_eq!(fetch_and_connect(&room, &source, LIVEKIT).await, Ok(Connected { attempts: 1 }));
    assert_eq!(room.state(), Some(ConnectionState::Connected));
    room.publish_media(&MediaRequest { camera: true, ..Default::default() }).await.expect("the fake camera publishes");
    assert!(room.is_camera_enabled());
    room.disconnect().await;
    assert_eq!(room.state(), Some(ConnectionState::Disconnected));
}

#[wasm_bindgen_test]
async fn a_rejected_token_is_retried_once_with_a_fresh_one() {
    let (logs, _guard) = log_capture::capture();
    let (source, before) = alice().await;
    devserver::add_token_fault(json!({"kind": "wrong_secret"}), 1).await;
    let room = new_room().await;
    assert_eq!(fetch_and_connect(&room, &source, LIVEKIT).await, Ok(Connected { attempts: 2 }));
    assert_eq!(source.requests(), 2);
    assert_eq!(devserver::token_requests().await - before, 2, "exactly two token fetches reached the server");
    room.disconnect().await;
    let text = logs.text();
    assert!(text.contains("span connect_attempt: attempt=1") && text.contains("span auth_retry:"), "{text}");
    assert!(text.contains("[connect_attempt]: connect failed"), "the failure is in the first attempt's span: {text}");
    assert!(text.contains("[auth_retry]: token fetched"), "the fresh token is fetched in the retry's span: {text}");
    assert!(text.contains("[auth_retry>connect_attempt]: connected"), "the second attempt is in the retry: {text}");
}

#[wasm_bindgen_test]
async fn tokens_that_keep_failing_give_up_after_two_attempts() {
    let (source, before) = alice().await;
    devserver::add_token_fault(json!({"kind": "wrong_secret"}), 5).await;
    let room = new_room().await;
    let failure = fetch_and_connect(&room, &source, LIVEKIT).await.unwrap_err();
    assert_eq!(failure, ConnectFailure { attempts: 2, cause: FailureCause::Connect(ConnectError::Auth) });
    assert_eq!(devserver::token_requests().await - before, 2, "never a third token");
    assert_eq!(room.state(), Some(ConnectionState::Disconnected));
}

#[wasm_bindgen_test]
async fn a_stopped_server_is_unreachable_and_not_retried_with_a_new_token() {
    let (source, before) = alice().await;
    // Nothing listens on port 9: the SDK's WebSocket and its validate request are both refused.
    devserver::add_token_fault(json!({"kind": "server_url", "url": "ws://127.0.0.1:9"}), 1).await;
    let room = new_room().await;
    let failure = fetch_and_connect(&room, &source, LIVEKIT).await.unwrap_err();
    assert_eq!(failure, ConnectFailure { attempts: 1, cause: FailureCause::Connect(ConnectError::Unreachable) });
    assert_eq!(devserver::token_requests().await - before, 1);
}

#[wasm_bindgen_test]
async fn a_token_for_another_room_is_refused_before_connecting() {
    let (source, _) = alice().await;
    devserver::add_token_fault(json!({"kind": "other_room"}), 1).await;
    let room = new_room().await;
    let refused = source.fetch(Freshness::Cached).await.unwrap_err();
    assert!(matches!(refused, TokenError::WrongRoom { .. }), "{refused:?}");
    assert_eq!(room.state(), Some(ConnectionState::Disconnected));
}
