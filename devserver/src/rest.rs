//! PostgREST on the devserver's Postgres: `GET` and `PATCH /rest/v1/video_dates?id=eq.<id>` and
//! `POST /rest/v1/rpc/<function>`. Each request is one transaction as the caller (PostgREST's `role` and
//! `request.jwt.claims`, see `db.rs`), so the migration's grants, row-level security and functions are the only
//! rules: nothing here decides who may read or change a date. Database errors become PostgREST's status codes and
//! its `{code, message, details, hint}` body. Row changes reach Realtime from the database (`realtime/feed.rs`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::db::{quote_ident, Caller};
use crate::session::{self, Rejection};
use crate::state::AppState;

/// The row filter of a request: PostgREST's `id=eq.<id>`; without one, every row the caller may see.
struct Filter {
    id: Option<String>,
}

/// The caller as PostgREST sees it: no `Authorization` is the `anon` role, a valid session its own role, and a
/// session that does not verify is refused before the database is asked.
fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Caller::anon()) };
    let jwt = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let checked = jwt.ok_or(Rejection::Invalid).and_then(|jwt| session::check(jwt.trim(), &state.settings.jwt_secret));
    match checked {
        Ok(claims) => Ok(Caller::from_session(&claims)),
        Err(rejection) => {
            let mut response =
                error(StatusCode::UNAUTHORIZED, "PGRST301", &rejection.to_string(), None).into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            Err(Box::new(response))
        }
    }
}

pub async fn select(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let (filter, caller) = match request(&state, &headers, &params) {
        Ok(request) => request,
        Err(refused) => return *refused,
    };
    let rows = state
        .db
        .as_caller(&caller, "GET", "/video_dates", true, async |tx| {
            let row = tx
                .query_one(
                    "select coalesce(json_agg(t), '[]'::json) from \
                     (select * from public.video_dates v where $1::text is null or v.id = $1::text::uuid) t",
                    &[&filter.id],
                )
                .await?;
            row.try_get::<_, Value>(0)
        })
        .await;
    match rows {
        Ok(rows) => representation(&headers, rows),
        Err(err) => database_error(&err, &caller),
    }
}

/// A direct write, run as the caller so the database answers it: the migration grants the API roles no
/// UPDATE, so a participant gets 42501 (403) like anyone else.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let (filter, caller) = match request(&state, &headers, &params) {
        Ok(request) => request,
        Err(refused) => return *refused,
    };
    let changes = match json_object(&body) {
        Some(changes) if !changes.is_empty() => changes,
        _ => return invalid_json().into_response(),
    };
    let assignments: Vec<String> =
        changes.keys().map(|column| format!("{c} = r.{c}", c = quote_ident(column))).collect();
    let sql = format!(
        "with u as (update public.video_dates t set {} \
         from json_populate_record(null::public.video_dates, $1::text::json) r \
         where $2::text is null or t.id = $2::text::uuid returning t.*) \
         select coalesce(json_agg(u), '[]'::json) from u",
        assignments.join(", ")
    );
    let changes = Value::Object(changes).to_string();
    let result = state
        .db
        .as_caller(&caller, "PATCH", "/video_dates", false, async |tx| {
            tx.query_one(&sql, &[&changes, &filter.id]).await?.try_get::<_, Value>(0)
        })
        .await;
    match result {
        Ok(rows) if prefers_representation(&headers) => representation(&headers, rows),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => database_error(&err, &caller),
    }
}

/// `POST /rest/v1/rpc/<function>`: the JSON object's keys name the arguments, as PostgREST matches them.
pub async fn rpc(
    State(state): State<AppState>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match caller(&state, &headers) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match json_object(&body) {
            Some(args) => args,
            None => return invalid_json().into_response(),
        }
    };
    let body = Value::Object(args.clone()).to_string();
    let path = format!("/rpc/{function}");
    let result = state
        .db
        .as_caller(&caller, "POST", &path, false, async |tx| {
            let Some(signature) = find_function(tx, &function, &args).await? else {
                return Ok(Err(not_found(&function, &args)));
            };
            let sql = signature.call_sql();
            let row = tx.query_one(&sql, &[&body]).await?;
            Ok(Ok(if signature.returns_void { None } else { Some(row.try_get::<_, Value>(0)?) }))
        })
        .await;
    match result {
        Ok(Ok(Some(value))) => {
            tracing::info!(function, "rpc answered");
            Json(value).into_response()
        }
        Ok(Ok(None)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(not_found)) => not_found.into_response(),
        Err(err) => {
            tracing::info!(function, code = err.code().map(|c| c.code()), "rpc refused");
            database_error(&err, &caller)
        }
    }
}

/// A function of schema `public` whose arguments the body names.
struct Signature {
    name: String,
    /// (name, type) of each argument, in order.
    args: Vec<(String, String)>,
    returns_set: bool,
    returns_void: bool,
}

impl Signature {
    /// PostgREST's call: the body's values typed by `json_to_record`, passed by name (its `QueryBuilder.hs`).
    fn call_sql(&self) -> String {
        let name = quote_ident(&self.name);
        let columns: Vec<String> = self.args.iter().map(|(arg, kind)| format!("{} {kind}", quote_ident(arg))).collect();
        let named: Vec<String> =
            self.args.iter().map(|(arg, _)| format!("{a} := body.{a}", a = quote_ident(arg))).collect();
        let source = if self.args.is_empty() {
            "(select $1::text) body".to_owned()
        } else {
            format!("json_to_record($1::text::json) as body({})", columns.join(", "))
        };
        let call = format!("public.{name}({})", named.join(", "));
        if self.returns_void {
            format!("select {call}::text from {source}")
        } else if self.returns_set {
            format!("select coalesce(json_agg(r), '[]'::json) from (select {call} as r from {source}) calls")
        } else {
            format!("select to_json({call}) from {source}")
        }
    }
}

async fn find_function(
    tx: &tokio_postgres::Transaction<'_>,
    function: &str,
    args: &Map<String, Value>,
) -> Result<Option<Signature>, tokio_postgres::Error> {
    let candidates = tx
        .query(
            "select p.proname::text, coalesce(p.proargnames[1:p.pronargs], '{}')::text[], \
             array(select format_type(t, null) from unnest(p.proargtypes) t)::text[], p.pronargdefaults::int, \
             p.proretset, p.prorettype = 'void'::regtype \
             from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = $1",
            &[&function],
        )
        .await?;
    for row in candidates {
        let names: Vec<String> = row.try_get(1)?;
        let kinds: Vec<String> = row.try_get(2)?;
        let defaults = usize::try_from(row.try_get::<_, i32>(3)?).unwrap_or(0);
        let required = names.len().saturating_sub(defaults);
        let fits = args.keys().all(|key| names.contains(key)) && names[..required].iter().all(|n| args.contains_key(n));
        if fits {
            let args = names.into_iter().zip(kinds).filter(|(name, _)| args.contains_key(name)).collect();
            return Ok(Some(Signature {
                name: row.try_get(0)?,
                args,
                returns_set: row.try_get(4)?,
                returns_void: row.try_get(5)?,
            }));
        }
    }
    Ok(None)
}

fn not_found(function: &str, args: &Map<String, Value>) -> PgError {
    let names: Vec<&str> = args.keys().map(String::as_str).collect();
    let message = format!("Could not find the function public.{function}({}) in the schema cache", names.join(", "));
    error(StatusCode::NOT_FOUND, "PGRST202", &message, None)
}

fn request(
    state: &AppState,
    headers: &HeaderMap,
    params: &[(String, String)],
) -> Result<(Filter, Caller), Box<Response>> {
    let filter = parse_filter(params).map_err(|err| Box::new(err.into_response()))?;
    let caller = caller(state, headers)?;
    Ok((filter, caller))
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

fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

fn invalid_json() -> PgError {
    error(StatusCode::BAD_REQUEST, "PGRST102", "Empty or invalid json", None)
}

fn prefers_representation(headers: &HeaderMap) -> bool {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|prefer| prefer.split(',').any(|p| p.trim() == "return=representation"))
}

/// An array, or one object when the client asked for `application/vnd.pgrst.object+json` (postgrest-js `single()`).
fn representation(headers: &HeaderMap, rows: Value) -> Response {
    let single = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/vnd.pgrst.object+json"));
    if !single {
        return Json(rows).into_response();
    }
    match rows {
        Value::Array(rows) if rows.len() == 1 => Json(&rows[0]).into_response(),
        rows => {
            let count = rows.as_array().map_or(0, Vec::len);
            let details = format!("The result contains {count} rows");
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

/// PostgREST's status for a SQLSTATE (its `Error.hs`): a missing privilege is 401 for `anon` (sign in) and
/// 403 for anyone signed in; a plain `raise` is 400; `PTxyz` asks for status xyz.
fn status_for(code: &str, anon: bool) -> StatusCode {
    let status = match code {
        "42501" if anon => 401,
        "42501" => 403,
        "P0001" => 400,
        "23505" | "23503" => 409,
        "25006" => 405,
        "42883" | "42P01" => 404,
        "57P01" => 503,
        "53400" => 500,
        _ if code.starts_with("PT") => code[2..].parse().unwrap_or(500),
        _ if code.starts_with("P0") || code.starts_with("57") => 500,
        _ if code.starts_with("08") || code.starts_with("53") => 503,
        _ => 400,
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn database_error(err: &tokio_postgres::Error, caller: &Caller) -> Response {
    let Some(db) = err.as_db_error() else {
        tracing::error!(%err, "the database could not be reached");
        return error(StatusCode::SERVICE_UNAVAILABLE, "PGRST000", "Database connection error", None).into_response();
    };
    let code = db.code().code();
    let status = status_for(code, caller.is_anon());
    let body = json!({"code": code, "message": db.message(), "details": db.detail(), "hint": db.hint()});
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// PostgREST's own error: a status and the body `{code, message, details, hint}`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_map_to_postgrest_statuses() {
        for (code, anon, status) in [
            ("42501", false, 403),
            ("42501", true, 401),
            ("P0001", false, 400),
            ("P0002", false, 500),
            ("PT402", false, 402),
            ("23505", false, 409),
            ("42883", false, 404),
            ("57P01", false, 503),
            ("08006", false, 503),
            ("22P02", false, 400),
        ] {
            assert_eq!(status_for(code, anon).as_u16(), status, "{code} anon={anon}");
        }
    }

    #[test]
    fn a_call_passes_the_body_by_argument_name() {
        let signature = Signature {
            name: "answer_extension".to_owned(),
            args: vec![("date_id".to_owned(), "uuid".to_owned()), ("accept".to_owned(), "boolean".to_owned())],
            returns_set: false,
            returns_void: false,
        };
        assert_eq!(
            signature.call_sql(),
            "select to_json(public.\"answer_extension\"(\"date_id\" := body.\"date_id\", \"accept\" := body.\"accept\")) \
             from json_to_record($1::text::json) as body(\"date_id\" uuid, \"accept\" boolean)"
        );
    }
}
