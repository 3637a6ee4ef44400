//! Fault injection (only with `--faults`): `POST /__faults` queues faults, `DELETE /__faults` clears them,
//! `GET /__faults` reports counters. Each queued token fault answers one token request.

use std::collections::VecDeque;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::state::AppState;

/// How the token endpoint misbehaves for one request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenFault {
    /// Answer with this status and body.
    Status { status: u16, body: String },
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 200 with JSON that has no token.
    NoToken,
    /// A token whose `exp` is an hour ago.
    Expired,
    /// A token for a different room.
    OtherRoom,
    /// A token signed with the wrong secret: it looks fine, and livekit-server rejects it with 401.
    WrongSecret,
    /// A valid token, but naming this server URL (a server that is not running, for instance).
    ServerUrl { url: String },
    /// Wait this long, then answer normally.
    Delay { ms: u64 },
}

#[derive(Debug, Default)]
pub struct Faults {
    token: VecDeque<TokenFault>,
    token_requests: u64,
}

impl Faults {
    /// Counts a token request and takes the fault it should suffer, if any.
    pub fn next_token_fault(&mut self) -> Option<TokenFault> {
        self.token_requests += 1;
        self.token.pop_front()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    token: Option<TokenFault>,
    /// How many requests the fault applies to (default 1).
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

pub async fn add(State(state): State<AppState>, Json(request): Json<FaultRequest>) -> Response {
    let mut faults = state.faults.lock().unwrap_or_else(|p| p.into_inner());
    match request.token {
        Some(fault) => {
            tracing::info!(?fault, count = request.count, "token fault queued");
            faults.token.extend(std::iter::repeat_n(fault, request.count));
            StatusCode::NO_CONTENT.into_response()
        }
        None => (StatusCode::BAD_REQUEST, "name a fault: {\"token\": {\"kind\": …}}").into_response(),
    }
}

pub async fn clear(State(state): State<AppState>) -> StatusCode {
    *state.faults.lock().unwrap_or_else(|p| p.into_inner()) = Faults::default();
    tracing::info!("faults cleared");
    StatusCode::NO_CONTENT
}

pub async fn report(State(state): State<AppState>) -> Json<serde_json::Value> {
    let faults = state.faults.lock().unwrap_or_else(|p| p.into_inner());
    Json(json!({"token_requests": faults.token_requests, "token_faults_pending": faults.token.len()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_requests_parse_with_a_default_count() {
        let request: FaultRequest = serde_json::from_str(r#"{"token": {"kind": "status", "status": 500, "body": "x"}}"#).unwrap();
        assert_eq!(request.count, 1);
        assert_eq!(request.token, Some(TokenFault::Status { status: 500, body: "x".into() }));
        assert!(serde_json::from_str::<FaultRequest>(r#"{"token": {"kind": "nope"}}"#).is_err());
    }

    #[test]
    fn each_request_takes_one_fault_and_is_counted() {
        let mut faults = Faults::default();
        faults.token.extend([TokenFault::NoToken, TokenFault::Expired]);
        assert_eq!(faults.next_token_fault(), Some(TokenFault::NoToken));
        assert_eq!(faults.next_token_fault(), Some(TokenFault::Expired));
        assert_eq!(faults.next_token_fault(), None);
        assert_eq!(faults.token_requests, 3);
    }
}
