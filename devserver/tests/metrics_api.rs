//! `POST /api/metrics` over real HTTP: a beacon's summary (sent as text/plain) is accepted with 204, anything
//! else is refused, and `/config.json` points the app at it.

mod common;

use serde_json::{json, Value};

fn summary() -> Value {
    json!({
        "user_id": devserver::seed::ALICE.id,
        "date_id": devserver::seed::DATE_ID,
        "metrics": {
            "token_fetches": 2, "token_failures": {}, "token_latency_ms": [12, 9],
            "connect_attempts": 2, "connects": 1, "connect_failures": {"auth": 1}, "auth_retries": 1,
            "join_to_connected_ms": 420, "join_to_first_frame_ms": null, "reconnects": 0,
            "reconnect_durations_ms": [], "disconnect_reasons": {}, "media_failures": {},
            "realtime_subscriptions": 1, "realtime_resubscriptions": 0, "realtime_give_ups": 0,
            "realtime_unsubscribed_ms": 0
        }
    })
}

async fn post(server: &common::Server, body: impl Into<reqwest::Body>) -> u16 {
    let response = server
        .http
        .post(format!("{}/api/metrics", server.base))
        // What `navigator.sendBeacon` sends for a string body.
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn a_beacon_summary_is_accepted_with_no_content() {
    let server = common::start().await;
    assert_eq!(post(&server, summary().to_string()).await, 204);
}

#[tokio::test]
async fn what_is_not_a_summary_is_refused() {
    let server = common::start().await;
    let mut no_ids = summary();
    no_ids.as_object_mut().unwrap().remove("user_id");
    for body in ["".to_owned(), "{".to_owned(), "[]".to_owned(), no_ids.to_string(), json!({"user_id": "u", "date_id": "d"}).to_string()] {
        assert_eq!(post(&server, body.clone()).await, 400, "{body}");
    }
}

#[tokio::test]
async fn bodies_over_64_kb_are_refused() {
    let server = common::start().await;
    let mut big = summary();
    big["padding"] = Value::String("x".repeat(64 * 1024));
    assert_eq!(post(&server, big.to_string()).await, 413);
    let mut fits = summary();
    fits["padding"] = Value::String("x".repeat(60 * 1024));
    assert_eq!(post(&server, fits.to_string()).await, 204, "unknown fields are ignored, and under the limit is fine");
}

#[tokio::test]
async fn the_app_config_names_the_endpoint() {
    let server = common::start().await;
    let config: Value = server.http.get(format!("{}/config.json", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["metrics_endpoint"], format!("{}/api/metrics", server.base));
}
