//! Fault injection (only with `--faults`): `POST /__faults` queues faults, `DELETE /__faults` clears them,
//! `GET /__faults` reports counters. Each queued token fault answers one token request; realtime faults act on
//! the open sockets at once or hold until `DELETE` (see [`RealtimeFault`]). Browser tests rely on these names.
//! `POST /__video_dates/<id>/reset` is the tests' fixture: it puts a date back to freshly scheduled as the
//! database's superuser (the API roles cannot write the table), and Realtime announces it like any change; an
//! optional body `{"duration_seconds": N}` sets how long it runs once live (default 600).

use std::collections::VecDeque;

use axum::extract::{Path, State};
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

/// How realtime misbehaves. The `kind`s are a contract with the browser tests: keep them as they are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RealtimeFault {
    /// Send a close frame with this code on every open socket now.
    CloseSockets { code: u16 },
    /// Drop every open socket's connection without a close frame (a browser sees 1006).
    DropSockets,
    /// Until `DELETE`, do not reply to heartbeats.
    IgnoreHeartbeats,
    /// The next `count` joins get an error reply with this reason.
    RefuseJoins { reason: String },
    /// Send every joined channel a postgres_changes `system` error; its changes stop, as on a real failure.
    SystemError,
    /// Send `phx_close` to every joined topic and forget the joins.
    PhxClose,
    /// Send `phx_error` to every joined topic and forget the joins.
    PhxError,
    /// Until `DELETE`, read frames but answer nothing.
    Stall,
    /// Until `DELETE`, refuse upgrades with 503; open sockets are closed with 1012.
    Down,
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
    realtime: Option<RealtimeFault>,
    /// How many requests (token faults) or joins (`refuse_joins`) the fault applies to (default 1).
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

pub async fn add(State(state): State<AppState>, Json(request): Json<FaultRequest>) -> Response {
    match request {
        FaultRequest { token: Some(fault), realtime: None, count } => {
            tracing::info!(?fault, count, "token fault queued");
            let mut faults = state.faults.lock().unwrap_or_else(|p| p.into_inner());
            faults.token.extend(std::iter::repeat_n(fault, count));
            StatusCode::NO_CONTENT.into_response()
        }
        FaultRequest { token: None, realtime: Some(fault), count } => {
            tracing::info!(?fault, count, "realtime fault applied");
            state.realtime.apply(fault, count);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => (StatusCode::BAD_REQUEST, "name one fault: {\"token\": {\"kind\": …}} or {\"realtime\": {\"kind\": …}}")
            .into_response(),
    }
}

/// The longest [`slow_not_found`] waits.
const SLOWEST_MS: u64 = 10_000;

/// 404 after `ms` milliseconds (at most 10 s): a file that is slow to arrive and then missing. The browser tests
/// load the SDK from here to leave the date page while it is still loading.
pub async fn slow_not_found(Path(ms): Path<u64>) -> StatusCode {
    tokio::time::sleep(std::time::Duration::from_millis(ms.min(SLOWEST_MS))).await;
    StatusCode::NOT_FOUND
}

pub async fn clear(State(state): State<AppState>) -> StatusCode {
    *state.faults.lock().unwrap_or_else(|p| p.into_inner()) = Faults::default();
    state.realtime.clear_faults();
    tracing::info!("faults cleared");
    StatusCode::NO_CONTENT
}

pub async fn report(State(state): State<AppState>) -> Json<serde_json::Value> {
    let faults = state.faults.lock().unwrap_or_else(|p| p.into_inner());
    let (sockets, joins) = state.realtime.counters();
    Json(json!({
        "token_requests": faults.token_requests,
        "token_faults_pending": faults.token.len(),
        "realtime_sockets": sockets,
        "realtime_joins": joins,
    }))
}

/// The fixture's optional body: how long the date runs once live (the migration's default is 600 s), so a
/// test can reach the last minute or the time-up without waiting ten minutes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    duration_seconds: Option<i32>,
}

pub async fn reset_date(State(state): State<AppState>, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let request: ResetRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ResetRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(err) => return (StatusCode::BAD_REQUEST, Json(json!({"error": err.to_string()}))).into_response(),
        }
    };
    let duration_seconds = request.duration_seconds.unwrap_or(600);
    let reset = async {
        let admin = state.db.admin();
        admin.execute("delete from private.meet_again_answers where date_id::text = $1", &[&id]).await?;
        admin
            .query_opt(
                "update public.video_dates set status = 'scheduled', a_joined_at = null, b_joined_at = null, \
                 started_at = null, ends_at = null, extended_count = 0, extension_requested_by = null, \
                 ended_by = null, end_reason = null, outcome = null, duration_seconds = $2 \
                 where id::text = $1 returning to_json(video_dates)",
                &[&id, &duration_seconds],
            )
            .await?
            .map(|row| row.try_get::<_, serde_json::Value>(0))
            .transpose()
    };
    match reset.await {
        Ok(Some(row)) => {
            tracing::info!(date = %id, "date reset to scheduled");
            Json(row).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!({"error": "no such date"}))).into_response(),
        Err(err) => {
            tracing::error!(%err, "resetting a date failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": err.to_string()}))).into_response()
        }
    }
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
    fn realtime_fault_kinds_parse_as_the_browser_tests_send_them() {
        let parse = |text: &str| serde_json::from_str::<FaultRequest>(text).unwrap().realtime.unwrap();
        assert_eq!(parse(r#"{"realtime": {"kind": "close_sockets", "code": 1012}}"#), RealtimeFault::CloseSockets { code: 1012 });
        assert_eq!(
            parse(r#"{"realtime": {"kind": "refuse_joins", "reason": "x"}, "count": 2}"#),
            RealtimeFault::RefuseJoins { reason: "x".into() }
        );
        for (kind, fault) in [
            ("drop_sockets", RealtimeFault::DropSockets),
            ("ignore_heartbeats", RealtimeFault::IgnoreHeartbeats),
            ("system_error", RealtimeFault::SystemError),
            ("phx_close", RealtimeFault::PhxClose),
            ("phx_error", RealtimeFault::PhxError),
            ("stall", RealtimeFault::Stall),
            ("down", RealtimeFault::Down),
        ] {
            assert_eq!(parse(&format!(r#"{{"realtime": {{"kind": "{kind}"}}}}"#)), fault);
        }
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
