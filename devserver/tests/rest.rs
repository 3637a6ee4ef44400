//! PostgREST over real HTTP on the real database: shapes, row-level security (carol is not in the alice–bob
//! date), the date's functions over `/rest/v1/rpc/`, and how database errors reach the client.

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
        assert_eq!(rows[0]["duration_seconds"], 600);
        assert_eq!(rows[0]["ended_by"], Value::Null);
    }
    let carol = server.login(seed::CAROL.email).await;
    let rows: Value = server.get_date(&carol, &format!("id=eq.{DATE_ID}&select=*")).await.json().await.unwrap();
    assert_eq!(rows, json!([]));
    let rows: Value = server.get_date(&carol, "select=*").await.json().await.unwrap();
    assert_eq!(rows, json!([]), "an unfiltered read shows carol nothing either");
}

#[tokio::test]
async fn the_apikey_is_required_and_anon_or_a_bad_session_is_refused() {
    let server = common::start().await;
    let url = format!("{}/rest/v1/video_dates?id=eq.{DATE_ID}&select=*", server.base);
    let alice = server.login(seed::ALICE.email).await;
    let no_key = server.http.get(&url).bearer_auth(&alice).send().await.unwrap();
    assert_eq!(no_key.status(), 401);
    // Without a session the request runs as `anon`, which the migration grants nothing: 42501, 401 for anon.
    let anon = server.http.get(&url).header("apikey", common::ANON_KEY).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    assert_eq!(anon.headers()["www-authenticate"], "Bearer");
    assert_postgrest_error(&anon.json().await.unwrap(), "42501");
    let bad_session = server.get_date("not-a-jwt", &format!("id=eq.{DATE_ID}")).await;
    assert_eq!(bad_session.status(), 401);
    let body: Value = bad_session.json().await.unwrap();
    assert_postgrest_error(&body, "PGRST301");
    assert!(!body.to_string().contains("not-a-jwt"), "a token is never echoed");
}

#[tokio::test]
async fn the_functions_walk_the_date_and_the_other_one_sees_it() {
    let server = common::start().await;
    let (alice, bob) = (server.login(seed::ALICE.email).await, server.login(seed::BOB.email).await);
    let row = server.call_on_date(&alice, "join_date").await;
    assert_eq!((row["status"].as_str(), row["b_joined_at"].is_null()), (Some("scheduled"), true));
    let row = server.call_on_date(&bob, "join_date").await;
    assert_eq!(row["status"], "live");
    assert!(row["ends_at"].as_str().unwrap().contains('T'), "{row}");
    server.call_on_date(&alice, "request_extension").await;
    let row = server.rpc(Some(&bob), "answer_extension", json!({"date_id": DATE_ID, "accept": true})).await;
    assert_eq!(row.status(), 200);
    assert_eq!(row.json::<Value>().await.unwrap()["extended_count"], 1);
    let row = server.call_on_date(&bob, "end_date").await;
    assert_eq!((row["status"].as_str(), row["ended_by"].as_str()), (Some("ended"), Some(seed::BOB.id)));
    let answer = server.rpc(Some(&alice), "answer_meet_again", json!({"date_id": DATE_ID, "yes": true})).await;
    assert_eq!(answer.json::<Value>().await.unwrap(), json!("waiting"), "a scalar comes back as a JSON value");
    let answer = server.rpc(Some(&bob), "answer_meet_again", json!({"date_id": DATE_ID, "yes": true})).await;
    assert_eq!(answer.json::<Value>().await.unwrap(), json!("match"));
    let rows: Value = server.get_date(&alice, &format!("id=eq.{DATE_ID}")).await.json().await.unwrap();
    assert_eq!((rows[0]["status"].as_str(), rows[0]["outcome"].as_str()), (Some("ended"), Some("match")));
}

#[tokio::test]
async fn refusals_keep_their_status_message_and_hint() {
    let server = common::start().await;
    let (alice, carol) = (server.login(seed::ALICE.email).await, server.login(seed::CAROL.email).await);
    // Not live yet: a refused transition is a 400 with the migration's sentence and key.
    let refused = server.rpc(Some(&alice), "request_extension", json!({"date_id": DATE_ID})).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_postgrest_error(&body, "P0001");
    assert_eq!(body["hint"], "date_not_live");
    assert!(body["message"].as_str().unwrap().starts_with("The date has not started yet"), "{body}");
    // Carol is not in the date: 403 from SQLSTATE 42501, and nothing changed.
    let refused = server.rpc(Some(&carol), "end_date", json!({"date_id": DATE_ID})).await;
    assert_eq!(refused.status(), 403);
    assert_postgrest_error(&refused.json().await.unwrap(), "42501");
    // Anon may not even call the functions: 401.
    let refused = server.rpc(None, "end_date", json!({"date_id": DATE_ID})).await;
    assert_eq!(refused.status(), 401);
    assert_postgrest_error(&refused.json().await.unwrap(), "42501");
    let rows: Value = server.get_date(&alice, &format!("id=eq.{DATE_ID}")).await.json().await.unwrap();
    assert_eq!(rows[0]["status"], "scheduled", "the refused calls changed nothing");
}

#[tokio::test]
async fn malformed_and_unknown_calls_get_postgrest_errors() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    let url = format!("{}/rest/v1/rpc/end_date", server.base);
    for body in ["{\"date_id\": ", "[1, 2]", "\"x\""] {
        let response = server
            .http
            .post(&url)
            .header("apikey", common::ANON_KEY)
            .header("content-type", "application/json")
            .bearer_auth(&alice)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert_postgrest_error(&response.json().await.unwrap(), "PGRST102");
    }
    for (function, body) in [("no_such_function", json!({"date_id": DATE_ID})), ("end_date", json!({"id": DATE_ID}))] {
        let response = server.rpc(Some(&alice), function, body).await;
        assert_eq!(response.status(), 404, "{function}");
        assert_postgrest_error(&response.json().await.unwrap(), "PGRST202");
    }
    // A value of the wrong type is Postgres's own error, a 400.
    let response = server.rpc(Some(&alice), "end_date", json!({"date_id": "not-a-uuid"})).await;
    assert_eq!(response.status(), 400);
    assert_postgrest_error(&response.json().await.unwrap(), "22P02");
}

#[tokio::test]
async fn a_direct_patch_is_refused_by_the_database_even_for_a_participant() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    server.call_on_date(&alice, "end_date").await;
    // The old trick: bring an ended date back by writing the row.
    for token in [&alice, &server.login(seed::CAROL.email).await] {
        let response = server.patch_date(token, DATE_ID, json!({"status": "scheduled", "ended_by": null})).await;
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.unwrap();
        assert_postgrest_error(&body, "42501");
        assert_eq!(body["message"], "permission denied for table video_dates");
    }
    let rows: Value = server.get_date(&alice, &format!("id=eq.{DATE_ID}")).await.json().await.unwrap();
    assert_eq!(rows[0]["status"], "ended", "the refused change must not have happened");
    let response = server.patch_date(&alice, DATE_ID, json!(["status", "live"])).await;
    assert_eq!(response.status(), 400);
    assert_postgrest_error(&response.json().await.unwrap(), "PGRST102");
}

#[tokio::test]
async fn bad_filters_get_postgrest_errors() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    for query in ["id=gt.1", "status=eq.live", "select=id,status", &format!("id=eq.{DATE_ID}&order=id")] {
        let response = server.get_date(&alice, query).await;
        assert_eq!(response.status(), 400, "{query}");
        assert_postgrest_error(&response.json().await.unwrap(), "PGRST100");
    }
    let response = server.get_date(&alice, "id=eq.not-a-uuid").await;
    assert_eq!(response.status(), 400);
    assert_postgrest_error(&response.json().await.unwrap(), "22P02");
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
    let none = get(alice, "id=eq.d47e0000-0000-4000-8000-00000000ffff".to_owned()).await.unwrap();
    assert_eq!(none.status(), 406);
    assert_postgrest_error(&none.json().await.unwrap(), "PGRST116");
}

#[tokio::test]
async fn the_fixture_resets_the_date_and_gotrue_reads_auth_users() {
    let server = common::start().await;
    let alice = server.login(seed::ALICE.email).await;
    server.call_on_date(&alice, "end_date").await;
    let row = server.reset_date().await;
    assert_eq!((row["status"].as_str(), row["ended_by"].as_str()), (Some("scheduled"), None));
    let response = server
        .http
        .post(format!("{}/auth/v1/token?grant_type=password", server.base))
        .header("apikey", common::ANON_KEY)
        .json(&json!({"email": seed::ALICE.email, "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "auth.users keeps the password hashed and checks it");
    let user: Value = server
        .http
        .get(format!("{}/auth/v1/user", server.base))
        .header("apikey", common::ANON_KEY)
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((user["id"].as_str(), user["user_metadata"]["name"].as_str()), (Some(seed::ALICE.id), Some("Alice")));
}
