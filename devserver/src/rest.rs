//! A PostgREST subset on `video_dates`: `GET ?id=eq.<id>&select=*` and `PATCH ?id=eq.<id>` with
//! `Prefer: return=representation`. Row-level security as the real project has it: only the date's two people
//! read it (others get `[]`) or change it (others get 403). A change is fanned out to realtime subscribers.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::realtime::RowChange;
use crate::seed::VideoDate;
use crate::session::{self, SessionClaims};
use crate::state::AppState;

/// The row filter of a request: PostgREST's `id=eq.<id>`; without one, every row the user may see.
struct Filter {
    id: Option<String>,
}

impl Filter {
    fn matches(&self, date: &VideoDate) -> bool {
        self.id.as_deref().is_none_or(|id| id == date.id)
    }
}

fn may_access(claims: &SessionClaims, date: &VideoDate) -> bool {
    claims.sub == date.user_a || claims.sub == date.user_b
}

/// The row filter and the caller's session, or the response that refuses the request.
fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    params: &[(String, String)],
) -> Result<(Filter, SessionClaims), Box<Response>> {
    let filter = parse_filter(params).map_err(|err| Box::new(err.into_response()))?;
    let claims = session::from_bearer(headers, &state.settings.jwt_secret).ok_or_else(|| Box::new(unauthorized()))?;
    Ok((filter, claims))
}

pub async fn select(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let (filter, claims) = match authorize(&state, &headers, &params) {
        Ok(authorized) => authorized,
        Err(refused) => return *refused,
    };
    let rows: Vec<VideoDate> = {
        let dates = state.dates.lock().unwrap_or_else(|p| p.into_inner());
        dates.iter().filter(|date| filter.matches(date) && may_access(&claims, date)).cloned().collect()
    };
    representation(&headers, rows)
}

pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let (filter, claims) = match authorize(&state, &headers, &params) {
        Ok(authorized) => authorized,
        Err(refused) => return *refused,
    };
    let changes = match parse_changes(&body) {
        Ok(changes) => changes,
        Err(err) => return err.into_response(),
    };
    let now = timestamp(OffsetDateTime::now_utc());
    let mut changed = Vec::new();
    {
        let mut dates = state.dates.lock().unwrap_or_else(|p| p.into_inner());
        let mut targets: Vec<&mut VideoDate> = dates.iter_mut().filter(|date| filter.matches(date)).collect();
        if targets.iter().any(|date| !may_access(&claims, date)) {
            tracing::info!(user = %claims.sub, "video_dates update refused: not a participant");
            return error(StatusCode::FORBIDDEN, "42501", "permission denied for table video_dates", None)
                .into_response();
        }
        for date in &mut targets {
            let old = date.clone();
            apply(date, &changes);
            date.updated_at.clone_from(&now);
            changed.push((old, date.clone()));
        }
    }
    for (old, new) in &changed {
        tracing::info!(user = %claims.sub, date = %new.id, status = %new.status, "video_dates row updated");
        state.realtime.row_changed(row_change(old, new, &now));
    }
    let wants_rows = headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|prefer| prefer.split(',').any(|p| p.trim() == "return=representation"));
    if wants_rows {
        representation(&headers, changed.into_iter().map(|(_, new)| new).collect())
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

fn parse_filter(params: &[(String, String)]) -> Result<Filter, PgError> {
    let mut filter = Filter { id: None };
    for (key, value) in params {
        match key.as_str() {
            "select" if value == "*" => {}
            "select" => {
                return Err(error(StatusCode::BAD_REQUEST, "PGRST100", "only select=* is supported here", Some(value)));
            }
            "id" => match value.strip_prefix("eq.") {
                Some(id) => filter.id = Some(id.to_owned()),
                None => {
                    let details = format!("unexpected filter \"{value}\"; only id=eq.<id> is supported");
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "PGRST100",
                        "\"failed to parse filter\"",
                        Some(&details),
                    ));
                }
            },
            // The key may also travel as a query parameter; the middleware already checked it.
            "apikey" => {}
            _ => {
                let details = format!("unexpected parameter \"{key}\"; only id=eq.<id> and select=* are supported");
                return Err(error(StatusCode::BAD_REQUEST, "PGRST100", "\"failed to parse filter\"", Some(&details)));
            }
        }
    }
    Ok(filter)
}

/// The columns a participant may change, checked as Postgres would check their types.
fn parse_changes(body: &[u8]) -> Result<Map<String, Value>, PgError> {
    let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(body) else {
        return Err(error(StatusCode::BAD_REQUEST, "PGRST102", "Empty or invalid json", None));
    };
    for (column, value) in &changes {
        let valid = match column.as_str() {
            "status" => matches!(value.as_str(), Some("scheduled" | "live" | "ended")),
            "started_at" | "ends_at" => {
                value.is_null() || value.as_str().is_some_and(|text| OffsetDateTime::parse(text, &Rfc3339).is_ok())
            }
            "extended_count" => value.as_u64().is_some_and(|count| u32::try_from(count).is_ok()),
            "ended_by" => value.is_null() || value.is_string(),
            _ => {
                let message = format!("Could not find the '{column}' column of 'video_dates' in the schema cache");
                return Err(error(StatusCode::BAD_REQUEST, "PGRST204", &message, None));
            }
        };
        if !valid {
            let message = format!("invalid input value for column {column}: {value}");
            return Err(error(StatusCode::BAD_REQUEST, "22P02", &message, None));
        }
    }
    Ok(changes)
}

/// Applies changes that `parse_changes` accepted.
fn apply(date: &mut VideoDate, changes: &Map<String, Value>) {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    for (column, value) in changes {
        match column.as_str() {
            "status" => date.status = text(value).unwrap_or_default(),
            "started_at" => date.started_at = text(value),
            "ends_at" => date.ends_at = text(value),
            "extended_count" => {
                date.extended_count = value.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or_default()
            }
            "ended_by" => date.ended_by = text(value),
            _ => {}
        }
    }
}

/// The postgres_changes `data` of an UPDATE. `old_record` is the whole old row, as with REPLICA IDENTITY FULL.
fn row_change(old: &VideoDate, new: &VideoDate, commit_timestamp: &str) -> RowChange {
    let columns: Vec<Value> = [
        ("id", "uuid"),
        ("room_name", "text"),
        ("user_a", "uuid"),
        ("user_b", "uuid"),
        ("status", "text"),
        ("started_at", "timestamptz"),
        ("ends_at", "timestamptz"),
        ("extended_count", "int4"),
        ("ended_by", "uuid"),
        ("updated_at", "timestamptz"),
    ]
    .iter()
    .map(|(name, kind)| json!({"name": name, "type": kind}))
    .collect();
    RowChange {
        row_id: new.id.clone(),
        user_a: new.user_a.clone(),
        user_b: new.user_b.clone(),
        data: json!({
            "type": "UPDATE", "schema": "public", "table": "video_dates",
            "record": new, "old_record": old, "columns": columns,
            "commit_timestamp": commit_timestamp, "errors": null,
        }),
    }
}

/// An array, or one object when the client asked for `application/vnd.pgrst.object+json` (postgrest-js `single()`).
fn representation(headers: &HeaderMap, rows: Vec<VideoDate>) -> Response {
    let single = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/vnd.pgrst.object+json"));
    if !single {
        return Json(rows).into_response();
    }
    match <[VideoDate; 1]>::try_from(rows) {
        Ok([row]) => Json(row).into_response(),
        Err(rows) => {
            let details = format!("The result contains {} rows", rows.len());
            error(
                StatusCode::NOT_ACCEPTABLE,
                "PGRST116",
                "JSON object requested, multiple (or no) rows returned",
                Some(&details),
            )
            .into_response()
        }
    }
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "PGRST301", "JWT is missing, invalid or expired", None).into_response()
}

/// PostgREST's error: a status and the body `{code, message, details, hint}`.
struct PgError {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for PgError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

fn error(status: StatusCode, code: &str, message: &str, details: Option<&str>) -> PgError {
    PgError { status, body: json!({"code": code, "message": message, "details": details, "hint": null}) }
}

/// RFC 3339 in UTC with microseconds, as Postgres prints a `timestamptz` in JSON.
fn timestamp(at: OffsetDateTime) -> String {
    let at = at.replace_nanosecond(at.microsecond() * 1000).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_else(|_| at.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_rfc3339_with_microseconds() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_767_225_600_123_456_789).unwrap();
        assert_eq!(timestamp(at), "2026-01-01T00:00:00.123456Z");
    }

    #[test]
    fn only_the_changeable_columns_with_valid_values_are_accepted() {
        assert!(parse_changes(
            br#"{"status":"live","started_at":"2026-01-01T00:00:00Z","extended_count":1,"ended_by":null}"#
        )
        .is_ok());
        for bad in [
            &br#"{"status":"paused"}"#[..],
            br#"{"started_at":"yesterday"}"#,
            br#"{"extended_count":-1}"#,
            br#"{"user_a":"x"}"#,
            br#"[]"#,
            b"not json",
        ] {
            assert!(parse_changes(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
