//! Supabase Realtime over a real WebSocket, in both serializers: heartbeats, joins and their errors,
//! postgres_changes from the database after an RPC (only to those whose row-level security lets them read the
//! row), leave, rejoin, token pushes and expiry, broadcast, presence and the idle timeout.

mod common;

use std::time::Duration;

use common::{date_join, subscribe_to_date, Ended, BOTH_VSN};
use devserver::seed::{self, DATE_ID};
use serde_json::{json, Value};

#[tokio::test]
async fn heartbeats_are_answered_in_both_serializers() {
    let server = common::start().await;
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        let reference = ws.heartbeat().await;
        let reply = ws.expect("phx_reply").await;
        assert_eq!((reply.topic.as_str(), reply.reference.as_deref()), ("phoenix", Some(reference.as_str())));
        assert_eq!(reply.payload, json!({"status": "ok", "response": {}}));
        // vsn 1.0.0 replies carry no join_ref key at all; 2.0.0 has it as the first element.
        assert_eq!(reply.has_join_ref, vsn == "2.0.0", "{vsn}");
    }
}

#[tokio::test]
async fn a_join_gets_ids_then_subscribed_to_postgresql() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let mut ids = Vec::new();
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        let join_ref = ws.send_join("realtime:date", date_join(Some(&alice), DATE_ID)).await;
        let reply = ws.expect("phx_reply").await;
        assert_eq!(reply.payload["status"], "ok");
        let bindings = &reply.payload["response"]["postgres_changes"];
        assert_eq!(bindings[0]["filter"], format!("id=eq.{DATE_ID}"));
        assert_eq!(
            (bindings[0]["table"].as_str(), bindings[0]["event"].as_str()),
            (Some("video_dates"), Some("UPDATE"))
        );
        ids.push(bindings[0]["id"].as_u64().expect("an integer id"));
        let system = ws.expect("system").await;
        assert_eq!(
            system.payload,
            json!({"status": "ok", "extension": "postgres_changes", "channel": "date", "message": "Subscribed to PostgreSQL"})
        );
        assert_eq!(system.topic, "realtime:date");
        if vsn == "2.0.0" {
            assert_eq!((system.join_ref.as_deref(), system.reference.as_deref()), (Some(join_ref.as_str()), None));
        }
    }
    assert_eq!(ids[0], ids[1], "ids are stable across joins");
    assert_eq!(server.fault_report().await["realtime_joins"], 2);
}

#[tokio::test]
async fn a_change_reaches_the_participants_channels_only() {
    let server = common::start().await;
    let (alice, bob, carol) = (
        server.login(seed::ALICE.email).await,
        server.login(seed::BOB.email).await,
        server.login(seed::CAROL.email).await,
    );
    let mut alice_ws = server.ws("1.0.0").await;
    let mut bob_ws = server.ws("2.0.0").await;
    let mut carol_ws = server.ws("2.0.0").await;
    let mut anon_ws = server.ws("1.0.0").await;
    subscribe_to_date(&mut alice_ws, "realtime:date", Some(&alice)).await;
    subscribe_to_date(&mut bob_ws, "realtime:date", Some(&bob)).await;
    // Carol may join (as on Supabase), but row-level security hides the row's changes from her.
    subscribe_to_date(&mut carol_ws, "realtime:date", Some(&carol)).await;
    subscribe_to_date(&mut anon_ws, "realtime:date", None).await;
    // Bob also watches another row: that binding must not fire.
    let other = date_join(Some(&bob), "d47e0000-0000-4000-8000-00000000ffff");
    let (_, other_response) = bob_ws.join_ok("realtime:other", other).await;
    bob_ws.expect("system").await;

    server.call_on_date(&alice, "join_date").await;
    let live = server.call_on_date(&bob, "join_date").await;
    assert_eq!(live["status"], "live");
    // Alice's join, then bob's (which made the date live): one event each. The record is the row as it is when
    // it is re-read for the subscriber, as Supabase's `apply_rls` re-reads it.
    for _ in ["alice joined", "bob joined"] {
    for ws in [&mut alice_ws, &mut bob_ws] {
        let event = ws.expect("postgres_changes").await;
        assert_eq!(event.topic, "realtime:date");
        assert_eq!((event.join_ref.as_deref(), event.reference.as_deref()), (None, None));
        let data = &event.payload["data"];
        assert_eq!(data["type"], "UPDATE");
        assert_eq!((data["schema"].as_str(), data["table"].as_str()), (Some("public"), Some("video_dates")));
        assert_eq!(data["record"]["id"], DATE_ID);
        assert_eq!(data["old_record"], json!({"id": DATE_ID}), "with row-level security, only the primary key");
        assert_eq!(data["errors"], Value::Null);
        assert!(data["commit_timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(data["columns"].as_array().unwrap().iter().any(|c| c == &json!({"name": "id", "type": "uuid"})));
        assert_eq!(event.payload["ids"].as_array().unwrap().len(), 1);
    }
    }
    bob_ws.silent(200).await;
    alice_ws.silent(0).await;
    carol_ws.silent(0).await;
    anon_ws.silent(0).await;
    assert_ne!(other_response["postgres_changes"][0]["id"], Value::Null);
}

#[tokio::test]
async fn bad_topics_filters_and_tokens_get_error_replies() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        assert_eq!(ws.join_error("date", date_join(Some(&alice), DATE_ID)).await, "unmatched topic");
        assert_eq!(
            ws.join_error("realtime:", date_join(Some(&alice), DATE_ID)).await,
            "TopicNameRequired: You must provide a topic name"
        );
        for binding in [
            json!({"event": "UPDATE", "schema": "public", "table": "people", "filter": "id=eq.1"}),
            json!({"event": "UPDATE", "schema": "public", "table": "video_dates", "filter": "status=eq.live"}),
        ] {
            let reason = ws
                .join_error("realtime:date", json!({"config": {"postgres_changes": [binding]}, "access_token": alice}))
                .await;
            assert!(reason.starts_with("Unable to subscribe to changes with given parameters"), "{reason}");
        }
        let reason = ws.join_error("realtime:date", date_join(Some("not-a-jwt"), DATE_ID)).await;
        assert!(reason.starts_with("InvalidJWTToken:"), "{reason}");
        assert!(!reason.contains("not-a-jwt"), "a token must never be echoed");
        // A push to a topic that is not joined.
        let reference = ws.push(Some("9"), "realtime:nowhere", "broadcast", json!({})).await;
        let reply = ws.expect("phx_reply").await;
        assert_eq!(reply.reference, Some(reference));
        assert_eq!(reply.payload["response"]["reason"], "unmatched topic");
    }
    assert_eq!(server.fault_report().await["realtime_joins"], 0);
}

#[tokio::test]
async fn leaving_replies_ok_then_closes_and_stops_the_changes() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        let join_ref = subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
        let reference = ws.push(Some(&join_ref), "realtime:date", "phx_leave", json!({})).await;
        let reply = ws.expect("phx_reply").await;
        assert_eq!((reply.reference, reply.payload["status"].as_str()), (Some(reference), Some("ok")));
        let close = ws.expect("phx_close").await;
        assert_eq!(close.reference.as_deref(), Some(join_ref.as_str()), "phx_close carries ref = join_ref");
        server.reset_date().await;
        ws.silent(200).await;
    }
}

#[tokio::test]
async fn joining_a_joined_topic_closes_the_old_join() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let mut ws = server.ws("2.0.0").await;
    let first = subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
    let second = ws.send_join("realtime:date", date_join(Some(&alice), DATE_ID)).await;
    let close = ws.expect("phx_close").await;
    assert_eq!(close.join_ref, Some(first));
    let reply = ws.expect("phx_reply").await;
    assert_eq!((reply.join_ref, reply.payload["status"].as_str()), (Some(second), Some("ok")));
    ws.expect("system").await;
    server.reset_date().await;
    ws.expect("postgres_changes").await;
    ws.silent(100).await;
}

#[tokio::test]
async fn a_valid_token_push_is_silent_and_an_invalid_one_shuts_the_channel() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let fresh = server.login(seed::ALICE.email).await;
    for vsn in BOTH_VSN {
        let mut ws = server.ws(vsn).await;
        let join_ref = subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
        ws.push(Some(&join_ref), "realtime:date", "access_token", json!({"access_token": fresh})).await;
        ws.silent(100).await;
        ws.push(Some(&join_ref), "realtime:date", "access_token", json!({"access_token": "forged.jwt.value"})).await;
        let system = ws.expect("system").await;
        assert_eq!(system.payload["status"], "error");
        assert_eq!(system.payload["extension"], "system");
        assert_eq!(system.payload["channel"], "date");
        assert!(!system.payload.to_string().contains("forged"), "a token must never be echoed");
        ws.expect("phx_close").await;
    }
}

#[tokio::test]
async fn an_expiring_session_shuts_its_channel_and_cannot_join_or_be_pushed() {
    let mut settings = common::settings().await;
    settings.session_ttl_secs = 1;
    let server = common::start_with(settings).await;
    let alice = server.login(seed::ALICE.email).await;
    let mut ws = server.ws("2.0.0").await;
    subscribe_to_date(&mut ws, "realtime:date", Some(&alice)).await;
    let (anon_ref, _) = ws.join_ok("realtime:anon", json!({"config": {"presence": {"enabled": false}}})).await;
    // The server notices the expiry by itself, without a push.
    let system = ws.expect("system").await;
    assert_eq!(system.topic, "realtime:date");
    let message = system.payload["message"].as_str().unwrap();
    assert!(message.starts_with("Token has expired") && message.ends_with("seconds ago"), "{message}");
    assert_eq!(ws.expect("phx_close").await.topic, "realtime:date");

    let reason = ws.join_error("realtime:late", date_join(Some(&alice), DATE_ID)).await;
    assert!(reason.starts_with("InvalidJWTToken: Token has expired"), "{reason}");
    ws.push(Some(&anon_ref), "realtime:anon", "access_token", json!({"access_token": alice})).await;
    let system = ws.expect("system").await;
    assert!(system.payload["message"].as_str().unwrap().starts_with("Token has expired"));
    assert_eq!(ws.expect("phx_close").await.topic, "realtime:anon");
}

fn broadcast_join(self_: bool, ack: bool, key: &str) -> Value {
    json!({"config": {"broadcast": {"self": self_, "ack": ack}, "presence": {"key": key, "enabled": true}, "postgres_changes": []}})
}

#[tokio::test]
async fn broadcasts_reach_the_topic_with_self_and_ack_semantics() {
    let server = common::start().await;
    for vsn in BOTH_VSN {
        let mut sender = server.ws(vsn).await;
        let mut quiet = server.ws(vsn).await;
        let mut receiver = server.ws(vsn).await;
        let (sender_ref, _) = sender.join_ok("realtime:room", broadcast_join(true, true, "a")).await;
        sender.expect("presence_state").await;
        let (quiet_ref, _) = quiet.join_ok("realtime:room", broadcast_join(false, false, "b")).await;
        quiet.expect("presence_state").await;
        receiver.join_ok("realtime:room", broadcast_join(false, false, "c")).await;
        receiver.expect("presence_state").await;
        let message = json!({"type": "broadcast", "event": "wave", "payload": {"n": 1}});

        // self + ack: an ok reply, and the sender hears itself.
        let reference = sender.push(Some(&sender_ref), "realtime:room", "broadcast", message.clone()).await;
        let ack = sender.expect("phx_reply").await;
        assert_eq!((ack.reference, ack.payload["status"].as_str()), (Some(reference), Some("ok")));
        assert_eq!(sender.expect("broadcast").await.payload, message);
        assert_eq!(receiver.expect("broadcast").await.payload, message);
        assert_eq!(quiet.expect("broadcast").await.payload, message);

        // Neither self nor ack: nothing comes back to the sender.
        quiet.push(Some(&quiet_ref), "realtime:room", "broadcast", message.clone()).await;
        let heard = receiver.expect("broadcast").await;
        assert_eq!((heard.join_ref, heard.reference), (None, None));
        assert_eq!(sender.expect("broadcast").await.payload, message);
        quiet.silent(150).await;
    }
}

#[tokio::test]
async fn presence_tracks_untracks_and_leaves_with_the_socket() {
    let server = common::start().await;
    for vsn in BOTH_VSN {
        let topic = format!("realtime:presence-{vsn}");
        let mut alice = server.ws(vsn).await;
        let mut bob = server.ws(vsn).await;
        let (alice_ref, _) = alice.join_ok(&topic, broadcast_join(false, false, "alice")).await;
        assert_eq!(alice.expect("presence_state").await.payload, json!({}));
        let track = json!({"type": "presence", "event": "track", "payload": {"online_at": "now"}});
        let reference = alice.push(Some(&alice_ref), &topic, "presence", track).await;
        let reply = alice.expect("phx_reply").await;
        assert_eq!((reply.reference, reply.payload["status"].as_str()), (Some(reference), Some("ok")));
        let diff = alice.expect("presence_diff").await;
        assert_eq!(diff.payload["joins"]["alice"]["metas"][0]["online_at"], "now");
        assert!(diff.payload["joins"]["alice"]["metas"][0]["phx_ref"].is_string());

        let (bob_ref, _) = bob.join_ok(&topic, broadcast_join(false, false, "bob")).await;
        let state = bob.expect("presence_state").await;
        assert_eq!(state.payload["alice"]["metas"][0]["online_at"], "now");
        bob.push(Some(&bob_ref), &topic, "presence", json!({"type": "presence", "event": "track", "payload": {}}))
            .await;
        bob.expect("phx_reply").await;
        assert!(bob.expect("presence_diff").await.payload["joins"].get("bob").is_some());
        assert!(alice.expect("presence_diff").await.payload["joins"].get("bob").is_some());

        alice.push(Some(&alice_ref), &topic, "presence", json!({"type": "presence", "event": "untrack"})).await;
        alice.expect("phx_reply").await;
        let diff = bob.expect("presence_diff").await;
        assert_eq!(diff.payload["joins"], json!({}));
        assert!(diff.payload["leaves"].get("alice").is_some());

        // Bob's socket going away is a leave, too.
        alice.expect("presence_diff").await;
        drop(bob);
        let diff = alice.expect("presence_diff").await;
        assert!(diff.payload["leaves"].get("bob").is_some(), "{:?}", diff.payload);
    }
}

#[tokio::test]
async fn a_silent_socket_is_closed_after_the_idle_timeout() {
    let mut settings = common::settings().await;
    settings.realtime_idle_timeout = Duration::from_millis(600);
    let server = common::start_with(settings).await;
    let mut silent = server.ws("2.0.0").await;
    let mut talking = server.ws("2.0.0").await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        talking.heartbeat().await;
        talking.expect("phx_reply").await;
    }
    assert_eq!(silent.ended().await, Ended::CloseFrame(1000));
    talking.heartbeat().await;
    talking.expect("phx_reply").await;
}

#[tokio::test]
async fn connects_need_the_apikey_and_a_known_vsn() {
    let server = common::start().await;
    let url = server.ws_url("2.0.0").replace("apikey=test-anon-key", "apikey=wrong");
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
    match tokio_tungstenite::connect_async(server.ws_url("9.9.9")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 400),
        other => panic!("expected 400, got {other:?}"),
    }
}
