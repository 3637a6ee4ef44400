//! A subset of Supabase Auth (GoTrue) on `auth.users`: password and refresh-token grants, and the current user.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

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
        "password" => password_grant(&state, &body).await,
        "refresh_token" => refresh_grant(&state, &body).await,
        _ => return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be password or refresh_token"),
    };
    let user = match user {
        Ok(Some(user)) => user,
        Ok(None) => return error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid login credentials"),
        Err(err) => return database_error(&err),
    };
    tracing::info!(user = %user.id, grant = %query.grant_type, "session issued");
    session_response(&state, &user)
}

/// A row of `auth.users`, as the session and `/auth/v1/user` need it.
pub struct AuthUser {
    pub id: String,
    pub email: String,
    pub name: String,
}

const USER_COLUMNS: &str = "select id::text, coalesce(email, ''), coalesce(raw_user_meta_data ->> 'name', '') \
                            from auth.users where deleted_at is null";

fn user_from(row: &tokio_postgres::Row) -> AuthUser {
    AuthUser { id: row.get(0), email: row.get(1), name: row.get(2) }
}

async fn password_grant(state: &AppState, body: &GrantBody) -> Result<Option<AuthUser>, tokio_postgres::Error> {
    let (Some(email), Some(password)) = (body.email.as_deref(), body.password.as_deref()) else { return Ok(None) };
    let sql = format!(
        "{USER_COLUMNS} and lower(email) = lower($1) and encrypted_password = extensions.crypt($2, encrypted_password)"
    );
    let row = state.db.admin().query_opt(&sql, &[&email, &password]).await?;
    Ok(row.as_ref().map(user_from))
}

/// A refresh token is single-use, as in GoTrue.
async fn refresh_grant(state: &AppState, body: &GrantBody) -> Result<Option<AuthUser>, tokio_postgres::Error> {
    let user_id = {
        let mut tokens = state.refresh_tokens.lock().unwrap_or_else(|p| p.into_inner());
        let Some(user_id) = body.refresh_token.as_deref().and_then(|token| tokens.remove(token)) else {
            return Ok(None);
        };
        user_id
    };
    user_by_id(state, &user_id).await
}

/// The user whose id is `user_id`, if there is one.
pub async fn user_by_id(state: &AppState, user_id: &str) -> Result<Option<AuthUser>, tokio_postgres::Error> {
    let sql = format!("{USER_COLUMNS} and id::text = $1");
    let row = state.db.admin().query_opt(&sql, &[&user_id]).await?;
    Ok(row.as_ref().map(user_from))
}

fn session_response(state: &AppState, user: &AuthUser) -> Response {
    let settings = &state.settings;
    let (access_token, claims) = session::mint(&user.id, &user.email, &settings.jwt_secret, settings.session_ttl_secs);
    let refresh_token = uuid::Uuid::new_v4().simple().to_string();
    state
        .refresh_tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(refresh_token.clone(), user.id.clone());
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
    match user_by_id(&state, &claims.sub).await {
        Ok(Some(user)) => Json(user_json(&user)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "user_not_found", "User not found"),
        Err(err) => database_error(&err),
    }
}

fn user_json(user: &AuthUser) -> serde_json::Value {
    json!({
        "id": user.id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": user.email,
        "user_metadata": {"name": user.name},
    })
}

fn database_error(err: &tokio_postgres::Error) -> Response {
    tracing::error!(%err, "auth: the database failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, "unexpected_failure", "Database error querying schema")
}

/// GoTrue's error body (both its old `error` and new `error_code` spellings).
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": status.as_u16(), "error_code": code, "msg": message, "error": code, "error_description": message});
    (status, Json(body)).into_response()
}
