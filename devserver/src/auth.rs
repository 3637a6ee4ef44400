//! A subset of Supabase Auth (GoTrue): password and refresh-token grants, and the current user.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::seed::{self, User};
use crate::session;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct GrantQuery {
    grant_type: String,
}

#[derive(Deserialize)]
pub struct GrantBody {
    email: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

pub async fn token(
    State(state): State<AppState>,
    Query(query): Query<GrantQuery>,
    Json(body): Json<GrantBody>,
) -> Response {
    let user = match query.grant_type.as_str() {
        "password" => password_grant(&body),
        "refresh_token" => refresh_grant(&state, &body),
        _ => return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be password or refresh_token"),
    };
    let Some(user) = user else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid login credentials");
    };
    tracing::info!(user = user.id, grant = %query.grant_type, "session issued");
    session_response(&state, user)
}

fn password_grant(body: &GrantBody) -> Option<&'static User> {
    let user = seed::user_by_email(body.email.as_deref()?)?;
    (body.password.as_deref() == Some(seed::PASSWORD)).then_some(user)
}

/// A refresh token is single-use, as in GoTrue.
fn refresh_grant(state: &AppState, body: &GrantBody) -> Option<&'static User> {
    let mut tokens = state.refresh_tokens.lock().unwrap_or_else(|p| p.into_inner());
    let user_id = tokens.remove(body.refresh_token.as_deref()?)?;
    seed::user_by_id(&user_id)
}

fn session_response(state: &AppState, user: &User) -> Response {
    let settings = &state.settings;
    let (access_token, claims) = session::mint(user, &settings.jwt_secret, settings.session_ttl_secs);
    let refresh_token = uuid::Uuid::new_v4().simple().to_string();
    state
        .refresh_tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(refresh_token.clone(), user.id.to_owned());
    Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": settings.session_ttl_secs,
        "expires_at": claims.exp,
        "refresh_token": refresh_token,
        "user": user_json(user),
    }))
    .into_response()
}

pub async fn user(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(claims) = session::from_bearer(&headers, &state.settings.jwt_secret) else {
        return error(StatusCode::UNAUTHORIZED, "bad_jwt", "invalid JWT: unable to parse or verify signature");
    };
    match seed::user_by_id(&claims.sub) {
        Some(user) => Json(user_json(user)).into_response(),
        None => error(StatusCode::NOT_FOUND, "user_not_found", "User not found"),
    }
}

fn user_json(user: &User) -> serde_json::Value {
    json!({
        "id": user.id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": user.email,
        "user_metadata": {"name": user.name},
    })
}

/// GoTrue's error body (both its old `error` and new `error_code` spellings).
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": status.as_u16(), "error_code": code, "msg": message, "error": code, "error_description": message});
    (status, Json(body)).into_response()
}
