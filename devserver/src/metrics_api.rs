//! `POST /api/metrics`: the summary the app sends with `navigator.sendBeacon` when its page is hidden or left.
//! A beacon cannot set headers, so the body arrives as `text/plain` and is read as JSON whatever its type.
//! One log line per report, with the two ids and the counters someone debugging a failed date looks at first.

use axum::body::Bytes;
use axum::http::StatusCode;
use serde::Deserialize;

/// Far above a real summary (a few hundred bytes); anything larger is not one.
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Deserialize)]
pub struct Report {
    user_id: String,
    date_id: String,
    metrics: Counters,
}

/// The part of the app's snapshot that is logged; the rest is accepted and ignored.
#[derive(Deserialize)]
struct Counters {
    token_fetches: u32,
    connect_attempts: u32,
    connects: u32,
    auth_retries: u32,
    reconnects: u32,
    realtime_resubscriptions: u32,
    realtime_unsubscribed_ms: u32,
    join_to_first_frame_ms: Option<u32>,
}

pub async fn report(body: Bytes) -> StatusCode {
    let report: Report = match serde_json::from_slice(&body) {
        Ok(report) => report,
        Err(err) => {
            tracing::info!(%err, "metrics report refused: not a summary");
            return StatusCode::BAD_REQUEST;
        }
    };
    let Report { user_id, date_id, metrics: m } = report;
    // Debug-quoted: the ids come from the client, and a newline in one must not forge a second log line.
    tracing::info!(
        user = ?user_id,
        date = ?date_id,
        token_fetches = m.token_fetches,
        connect_attempts = m.connect_attempts,
        connects = m.connects,
        auth_retries = m.auth_retries,
        reconnects = m.reconnects,
        realtime_resubscriptions = m.realtime_resubscriptions,
        realtime_unsubscribed_ms = m.realtime_unsubscribed_ms,
        join_to_first_frame_ms = ?m.join_to_first_frame_ms,
        "metrics report"
    );
    StatusCode::NO_CONTENT
}
