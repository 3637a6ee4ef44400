//! Every realtime fault of `POST /__faults`, over real sockets, and the counters of `GET /__faults`.
//! The fault names are a contract with the browser tests.

mod common;

use common::{subscribe_to_date, Ended, BOTH_VSN};
use devserver::seed::{self, DATE_ID};
use serde_json::json;
use tokio_tungstenite::tungstenite;

#[tokio::test]
async fn counters_report_open_sockets_and_successful_joins() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let mut first = server.ws("1.0.0").await;
    let second = server.ws("2.0.0").await;
    server.wait_for_sockets(2).await;
    subscribe_to_date(&mut first, "realtime:date", Some(&alice)).await;
    assert_eq!(server.fault_report().await["realtime_joins"], 1);
    drop(second);
    server.wait_for_sockets(1).await;
}

#[tokio::test]
async fn close_sockets_sends_the_code_on_every_socket() {
    let server = common::start().await;
    let mut sockets = vec![server.ws("1.0.0").await, server.ws("2.0.0").await];
    server.wait_for_sockets(2).await;
    server.fault(json!({"realtime": {"kind": "close_sockets", "code": 1012}})).await;
    for ws in &mut sockets {
        assert_eq!(ws.ended().await, Ended::CloseFrame(1012));
    }
    server.wait_for_sockets(0).await;
    // It acts once: a new socket is fine.
    let mut ws = server.ws("2.0.0").await;
    ws.heartbeat().await;
    ws.expect("phx_reply").await;
}

#[tokio::test]
async fn drop_sockets_ends_connections_without_a_close_frame() {
    let server = common::start().await;
    let mut sockets = vec![server.ws("1.0.0").await, server.ws("2.0.0").await];
    server.wait_for_sockets(2).await;
    server.fault(json!({"realtime": {"kind": "drop_sockets"}})).await;
    for ws in &mut sockets {
        assert_eq!(ws.ended().await, Ended::NoCloseFrame);
    }
    server.wait_for_sockets(0).await;
}

#[tokio::test]
async fn ignore_heartbeats_holds_until_delete() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let mut ws = server.ws("2.0.0").await;
    server.fault(json!({"realtime": {"kind": "ignore_heartbeats"}})).await;
    ws.heartbeat().await;
    ws.heartbeat().await;
    ws.silent(200).await;
    // The socket is otherwise alive.
    subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
    server.clear_faults().await;
    let reference = ws.heartbeat().await;
    assert_eq!(ws.expect("phx_reply").await.reference, Some(reference));
}

#[tokio::test]
async fn refuse_joins_refuses_the_next_n_joins_with_the_reason() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let reason = "RealtimeRestarting: Realtime is restarting, please standby";
    server.fault(json!({"realtime": {"kind": "refuse_joins", "reason": reason}, "count": 2})).await;
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        assert_eq!(ws.join_error("realtime:date", common::date_join(Some(&alice), DATE_ID)).await, reason);
    }
    let mut ws = server.ws("2.0.0").await;
    subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
    assert_eq!(server.fault_report().await["realtime_joins"], 1);
}

#[tokio::test]
async fn system_error_reaches_every_joined_channel_and_stops_its_changes() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
        server.fault(json!({"realtime": {"kind": "system_error"}})).await;
        let system = ws.expect("system").await;
        assert_eq!(system.payload["status"], "error");
        assert_eq!(system.payload["extension"], "postgres_changes");
        assert_eq!(system.payload["channel"], "date");
        assert!(system.payload["message"].is_string());
        // The channel looks joined but delivers nothing, as on a real replication failure.
        server.reset_date().await;
        ws.silent(200).await;
        let reference = ws.heartbeat().await;
        assert_eq!(ws.expect("phx_reply").await.reference, Some(reference));
    }
}

#[tokio::test]
async fn phx_close_and_phx_error_reach_every_joined_topic_and_forget_the_joins() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    for (kind, vsn) in [("phx_close", "1.0.0"), ("phx_error", "2.0.0")] {
        let mut ws = server.ws(vsn).await;
        let join_ref = subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
        server.fault(json!({"realtime": {"kind": kind}})).await;
        let event = ws.expect(kind).await;
        assert_eq!((event.topic.as_str(), event.reference.as_deref()), ("realtime:date", Some(join_ref.as_str())));
        // Forgotten: no more changes, and pushes to the topic are unmatched.
        server.reset_date().await;
        ws.silent(150).await;
        ws.push(Some(&join_ref), "realtime:date", "phx_leave", json!({})).await;
        assert_eq!(ws.expect("phx_reply").await.payload["response"]["reason"], "unmatched topic");
    }
}

#[tokio::test]
async fn stall_reads_but_answers_nothing_until_delete() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let mut ws = server.ws("2.0.0").await;
    server.fault(json!({"realtime": {"kind": "stall"}})).await;
    ws.heartbeat().await;
    ws.send_join("realtime:date", common::date_join(Some(&alice), DATE_ID)).await;
    ws.silent(300).await;
    assert_eq!(server.fault_report().await["realtime_joins"], 0, "a stalled join does not happen");
    server.clear_faults().await;
    subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
}

#[tokio::test]
async fn down_closes_sockets_with_1012_and_refuses_upgrades_until_delete() {
    let server = common::start().await;
    let mut ws = server.ws("1.0.0").await;
    server.wait_for_sockets(1).await;
    server.fault(json!({"realtime": {"kind": "down"}})).await;
    assert_eq!(ws.ended().await, Ended::CloseFrame(1012));
    match tokio_tungstenite::connect_async(server.ws_url("2.0.0")).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected 503, got {other:?}"),
    }
    server.clear_faults().await;
    let mut ws = server.ws("2.0.0").await;
    ws.heartbeat().await;
    ws.expect("phx_reply").await;
}

#[tokio::test]
async fn unknown_faults_are_refused_and_the_api_needs_the_flag() {
    let server = common::start().await;
    let post = |body: serde_json::Value| server.http.post(format!("{}/__faults", server.base)).json(&body).send();
    assert!(post(json!({"realtime": {"kind": "explode"}})).await.unwrap().status().is_client_error());
    assert_eq!(post(json!({})).await.unwrap().status(), 400);

    let mut settings = common::settings().await;
    settings.faults_enabled = false;
    let plain = common::start_with(settings).await;
    let response =
        plain.http.post(format!("{}/__faults", plain.base)).json(&json!({"realtime": {"kind": "down"}})).send().await;
    assert_eq!(response.unwrap().status(), 404, "without --faults there is no fault API");
}
