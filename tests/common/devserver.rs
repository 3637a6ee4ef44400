//! The devserver the test command started (with `--faults`): sessions, and fault injection.

use gloo_net::http::{Method, RequestBuilder, Response};
use serde_json::{json, Value as Json};
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

/// Sends to the devserver; `body`, if any, as JSON. Panics when it does not answer.
async fn call(method: Method, path: &str, headers: &[(&str, &str)], body: Option<&Json>) -> Response {
    let mut request = RequestBuilder::new(&format!("{DEVSERVER}{path}")).method(method);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = match body {
        Some(body) => request.json(body),
        None => request.build(),
    };
    request.unwrap().send().await.expect("the devserver answers (started by `cargo xtask test`)")
}

async fn read_json(response: Response) -> Json {
    response.json().await.unwrap()
}

fn as_user(session: &Session) -> String {
    format!("Bearer {}", session.access_token.expose())
}

pub struct Session {
    pub user_id: String,
    pub access_token: Secret,
}

pub async fn sign_in(email: &str) -> Session {
    let credentials = json!({"email": email, "password": "password"});
    let response =
        call(Method::POST, "/auth/v1/token?grant_type=password", &[("apikey", ANON_KEY)], Some(&credentials)).await;
    assert_eq!(response.status(), 200, "sign in as {email}");
    let body = read_json(response).await;
    Session {
        user_id: body["user"]["id"].as_str().unwrap().to_owned(),
        access_token: Secret::new(body["access_token"].as_str().unwrap()),
    }
}

pub async fn add_token_fault(fault: Json, count: usize) {
    let response = call(Method::POST, "/__faults", &[], Some(&json!({"token": fault, "count": count}))).await;
    assert_eq!(response.status(), 204, "fault accepted");
}

pub async fn clear_faults() {
    let response = call(Method::DELETE, "/__faults", &[], None).await;
    assert_eq!(response.status(), 204);
}

/// How many token requests the devserver has answered since it started.
pub async fn token_requests() -> u64 {
    let report = read_json(call(Method::GET, "/__faults", &[], None).await).await;
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
    let response = call(Method::POST, "/__faults", &[], Some(&json!({"realtime": fault, "count": count}))).await;
    assert_eq!(response.status(), 204, "realtime fault accepted");
}

/// How many realtime sockets the devserver has open right now.
pub async fn realtime_sockets() -> u64 {
    let report = read_json(call(Method::GET, "/__faults", &[], None).await).await;
    report["realtime_sockets"].as_u64().unwrap()
}

/// Calls one of the date's functions on the seeded date as `session` (`supabase/migrations/`) and returns the row.
pub async fn call_on_date(session: &Session, function: &str) -> Json {
    call_on_date_with(session, function, json!({})).await
}

/// [`call_on_date`] with more arguments than the date's id (`{"accept": true}`, `{"yes": false}`).
pub async fn call_on_date_with(session: &Session, function: &str, arguments: Json) -> Json {
    let path = format!("/rest/v1/rpc/{function}");
    let authorization = as_user(session);
    let headers = [("apikey", ANON_KEY), ("Authorization", authorization.as_str())];
    let mut body = json!({"date_id": super::page::DATE_ID});
    body.as_object_mut().unwrap().extend(arguments.as_object().cloned().unwrap_or_default());
    let response = call(Method::POST, &path, &headers, Some(&body)).await;
    assert_eq!(response.status(), 200, "{function} is accepted");
    read_json(response).await
}

/// Puts the seeded date back to freshly scheduled (the devserver's test fixture, as the database's superuser;
/// nobody may write the row directly) and returns it. Realtime announces it like any change.
pub async fn reset_date() -> Json {
    reset_date_lasting(600).await
}

/// [`reset_date`], running `seconds` once live: a test reaches the last minute or the time-up quickly.
pub async fn reset_date_lasting(seconds: u32) -> Json {
    let path = format!("/__video_dates/{}/reset", super::page::DATE_ID);
    let response = call(Method::POST, &path, &[], Some(&json!({"duration_seconds": seconds}))).await;
    assert_eq!(response.status(), 200, "the date is reset");
    read_json(response).await
}
