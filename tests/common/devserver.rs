//! The devserver the test command started (with `--faults`): sessions, and fault injection.

use gloo_net::http::{Request, RequestBuilder, Response};
use video_date::json;
use video_date::json::Json;
use video_date::token::Secret;

/// Set by `cargo xtask test`; the default matches its test ports.
pub const DEVSERVER: &str = match option_env!("VIDEO_DATE_TEST_DEVSERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:8797",
};
pub const LIVEKIT: &str = match option_env!("VIDEO_DATE_TEST_LIVEKIT") {
    Some(url) => url,
    None => "ws://127.0.0.1:7890",
};
pub const ANON_KEY: &str = "dev-anon-key";
pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";
pub const CAROL: &str = "carol@example.com";
pub const DATE_ROOM: &str = "video-date-d47e0000-0000-4000-8000-000000000001";

fn with_json(request: RequestBuilder, body: &Json) -> Request {
    request.header("Content-Type", "application/json").body(body.to_string()).unwrap()
}

async fn read_json(response: Response) -> Json {
    Json::parse(&response.text().await.unwrap()).unwrap()
}

pub struct Session {
    pub user_id: String,
    pub access_token: Secret,
}

pub async fn sign_in(email: &str) -> Session {
    let request = Request::post(&format!("{DEVSERVER}/auth/v1/token?grant_type=password")).header("apikey", ANON_KEY);
    let response = with_json(request, &json!({"email": email, "password": "password"}))
        .send()
        .await
        .expect("the devserver answers (started by `cargo xtask test`)");
    assert_eq!(response.status(), 200, "sign in as {email}");
    let body = read_json(response).await;
    Session {
        user_id: body["user"]["id"].as_str().unwrap().to_owned(),
        access_token: Secret::new(body["access_token"].as_str().unwrap()),
    }
}

pub async fn add_token_fault(fault: Json, count: usize) {
    let response = with_json(Request::post(&format!("{DEVSERVER}/__faults")), &json!({"token": fault, "count": count}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "fault accepted");
}

pub async fn clear_faults() {
    let response = Request::delete(&format!("{DEVSERVER}/__faults")).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

/// How many token requests the devserver has answered since it started.
pub async fn token_requests() -> u64 {
    let report = read_json(Request::get(&format!("{DEVSERVER}/__faults")).send().await.unwrap()).await;
    report["token_requests"].as_u64().unwrap()
}

/// Endpoint token source options for `session` in `room`, with the defaults.
pub fn token_options(session: &Session, room: &str) -> video_date::token::EndpointSourceOptions {
    use video_date::token::{EndpointSourceOptions, Expectations};
    EndpointSourceOptions::new(
        format!("{DEVSERVER}/api/livekit-token"),
        Expectations { room: room.to_owned(), identity: session.user_id.clone() },
        session.access_token.clone(),
    )
}

/// An endpoint token source for `session` in the seeded date's room.
pub fn token_source(session: &Session) -> std::rc::Rc<video_date::token::EndpointSource> {
    video_date::token::EndpointSource::new(token_options(session, DATE_ROOM))
}

/// Makes the devserver's realtime misbehave (see `RealtimeFault` in devserver/src/faults.rs for the kinds).
pub async fn add_realtime_fault(fault: Json, count: usize) {
    let response =
        with_json(Request::post(&format!("{DEVSERVER}/__faults")), &json!({"realtime": fault, "count": count}))
            .send()
            .await
            .unwrap();
    assert_eq!(response.status(), 204, "realtime fault accepted");
}

/// How many realtime sockets the devserver has open right now.
pub async fn realtime_sockets() -> u64 {
    let report = read_json(Request::get(&format!("{DEVSERVER}/__faults")).send().await.unwrap()).await;
    report["realtime_sockets"].as_u64().unwrap()
}

/// PATCHes the seeded date's row through the REST API as `session` and returns the updated row.
pub async fn update_date(session: &Session, changes: Json) -> Json {
    let request = Request::patch(&format!("{DEVSERVER}/rest/v1/video_dates?id=eq.{}", super::page::DATE_ID))
        .header("apikey", ANON_KEY)
        .header("Authorization", &format!("Bearer {}", session.access_token.expose()))
        .header("Prefer", "return=representation");
    let response = with_json(request, &changes).send().await.unwrap();
    assert_eq!(response.status(), 200, "the row update is accepted");
    let rows = read_json(response).await;
    rows[0].clone()
}

/// The seeded date's row as `session` sees it.
pub async fn read_date(session: &Session) -> Json {
    let response = Request::get(&format!("{DEVSERVER}/rest/v1/video_dates?id=eq.{}&select=*", super::page::DATE_ID))
        .header("apikey", ANON_KEY)
        .header("Authorization", &format!("Bearer {}", session.access_token.expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the row is readable");
    let rows = read_json(response).await;
    rows[0].clone()
}
