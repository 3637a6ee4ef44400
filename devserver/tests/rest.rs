//! The PostgREST subset over real HTTP: shapes, row-level access (carol is not in the alice–bob date), errors.

mod common;

use devserver::seed::{self, DATE_ID};
use serde_json::{json, Value};

fn assert_postgrest_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    for key in ["message", "details", "hint"] {
        assert!(body.as_object().unwrap().contains_key(key), "{key} missing in {body}");
    }
}

#[tokio::test]
async fn participants_read_their_date_and_others_get_an_empty_array() {
    let server = common::start().await;
    for email in [seed::ALICE.email, seed::BOB.email] {
        let token = server.login(email).await;
        let response = server.get_date(&token, &format!("id=eq.{DATE_ID}&select=*")).await;
        assert_eq!(response.status(), 200);
        let rows: Value = response.json().await.unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
        assert_eq!(rows[0]["id"], DATE_ID);
        assert_eq!(rows[0]["user_a"], seed::ALICE.id);
        assert_eq!(rows[0]["status"], "scheduled");
        assert_eq!(rows[0]["ended_by"], Value::Null);
    }
    let carol = server.login(seed::CAROL.email).await;
    let rows: Value = server.get_date(&carol, &format!("id=eq.{DATE_ID}&select=*")).await.json().await.unwrap();
    assert_eq!(rows, json!([]));
    let rows: Value = server.get_date(&carol, "select=*").await.json().await.unwrap();
    assert_eq!(rows, json!([]), "an unfiltered read shows carol nothing either");
}

#[tokio::test]
async fn the_apikey_and_a_valid_session_are_required() {
    let server = common::start().await;
    let url = format!("{}/rest/v1/video_dates?id=eq.{DATE_ID}&select=*", server.base);
    let alice = server.login(seed::ALICE.email).await;
    let no_key = server.http.get(&url).bearer_auth(&alice).send().await.unwrap();
    assert_eq!(no_key.status(), 401);
    let no_session = server.http.get(&url).header("apikey", common::ANON_KEY).send().await.unwrap();
    assert_eq!(no_session.status(), 401);
    assert_postgrest_error(&no_session.json().await.unwrap(), "PGRST301");
    let bad_session = server.get_date("not-a-jwt", &format!("id=eq.{DATE_ID}")).await;
    assert_eq!(bad_session.status(), 401);
}

#[tokio::test]
async fn a_participant_patch_returns_the_row_and_stamps_updated_at() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let body = json!({"status": "live", "started_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T10:05:00Z"});
    let response = server.patch_date(&alice, DATE_ID, body).await;
    assert_eq!(response.status(), 200);
    let rows: Value = response.json().await.unwrap();
    assert_eq!(rows[0]["status"], "live");
    assert_eq!(rows[0]["started_at"], "2026-01-01T10:00:00Z");
    let updated_at = rows[0]["updated_at"].as_str().unwrap();
    assert_ne!(updated_at, "2026-01-01T00:00:00Z");
    assert!(updated_at.ends_with('Z') && updated_at.contains('T'), "{updated_at}");

    // Without `Prefer: return=representation` the answer is 204, and the change is visible to the other one.
    let bob = server.login(seed::BOB.email).await;
    let response = server
        .http
        .patch(format!("{}/rest/v1/video_dates?id=eq.{DATE_ID}", server.base))
        .header("apikey", common::ANON_KEY)
        .bearer_auth(&bob)
        .json(&json!({"extended_count": 1, "status": "ended", "ended_by": seed::BOB.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let rows: Value = server.get_date(&bob, &format!("id=eq.{DATE_ID}&select=*")).await.json().await.unwrap();
    assert_eq!((rows[0]["status"].as_str(), rows[0]["extended_count"].as_u64()), (Some("ended"), Some(1)));
    assert_eq!(rows[0]["ended_by"], seed::BOB.id);
}

#[tokio::test]
async fn someone_else_cannot_change_the_date() {
    let server = common::start().await;
    let carol = server.login(seed::CAROL.email).await;
    let response = server.patch_date(&carol, DATE_ID, json!({"status": "ended"})).await;
    assert_eq!(response.status(), 403);
    assert_postgrest_error(&response.json().await.unwrap(), "42501");
    let alice = server.login(seed::ALICE.email).await;
    let rows: Value = server.get_date(&alice, &format!("id=eq.{DATE_ID}")).await.json().await.unwrap();
    assert_eq!(rows[0]["status"], "scheduled", "the refused change must not have happened");
}

#[tokio::test]
async fn bad_filters_and_bodies_get_postgrest_errors() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    for query in ["id=gt.1", "status=eq.live", "select=id,status", &format!("id=eq.{DATE_ID}&order=id")] {
        let response = server.get_date(&alice, query).await;
        assert_eq!(response.status(), 400, "{query}");
        assert_postgrest_error(&response.json().await.unwrap(), "PGRST100");
    }
    for (body, code) in [
        (json!({"status": "paused"}), "22P02"),
        (json!({"started_at": "tomorrow"}), "22P02"),
        (json!({"extended_count": "one"}), "22P02"),
        (json!({"user_a": seed::CAROL.id}), "PGRST204"),
        (json!(["status", "live"]), "PGRST102"),
    ] {
        let response = server.patch_date(&alice, DATE_ID, body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        assert_postgrest_error(&response.json().await.unwrap(), code);
    }
}

#[tokio::test]
async fn a_single_object_is_returned_when_asked_for() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let get = |token: String, query: String| {
        server
            .http
            .get(format!("{}/rest/v1/video_dates?{query}", server.base))
            .header("apikey", common::ANON_KEY)
            .header("accept", "application/vnd.pgrst.object+json")
            .bearer_auth(token)
            .send()
    };
    let row: Value = get(alice.clone(), format!("id=eq.{DATE_ID}&select=*")).await.unwrap().json().await.unwrap();
    assert_eq!(row["id"], DATE_ID);
    let none = get(alice, "id=eq.no-such-date".to_owned()).await.unwrap();
    assert_eq!(none.status(), 406);
    assert_postgrest_error(&none.json().await.unwrap(), "PGRST116");
}
