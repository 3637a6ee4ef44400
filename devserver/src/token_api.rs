//! `GET /api/livekit-token?room=&username=`: LiveKit tokens for the two people of a date, minted with
//! LiveKit's own Rust server SDK. Whether the caller is in the room's date is read from `video_dates` as the
//! caller, so the table's row-level security answers it. Tokens and sessions are never logged.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use livekit_api::access_token::{AccessToken, VideoGrants};
use serde::Deserialize;
use serde_json::json;

use crate::auth;
use crate::db::Caller;
use crate::faults::TokenFault;
use crate::session;
use crate::state::{AppState, Settings};

#[derive(Deserialize)]
pub struct TokenQuery {
    room: Option<String>,
    username: Option<String>,
}

pub async fn livekit_token(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let settings = state.settings.clone();
    let Some(session) = session::from_bearer(&headers, &settings.jwt_secret) else {
        return refuse(StatusCode::UNAUTHORIZED, "sign in first: no valid session");
    };
    let (Some(room), Some(username)) = (query.room, query.username) else {
        return refuse(StatusCode::BAD_REQUEST, "room and username are required");
    };
    if username != session.sub {
        tracing::info!(user = %session.sub, asked_for = %username, "token refused: not the session's user");
        return refuse(StatusCode::FORBIDDEN, "username is not the signed-in user");
    }
    let in_date = state
        .db
        .as_caller(&Caller::from_session(&session), "GET", "/api/livekit-token", true, async |tx| {
            let sql = "select exists(select 1 from public.video_dates where room_name = $1)";
            tx.query_one(sql, &[&room]).await?.try_get::<_, bool>(0)
        })
        .await;
    match in_date {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(user = %username, room = %room, "token refused: not in this date");
            return refuse(StatusCode::FORBIDDEN, "you are not in the date of this room");
        }
        Err(err) => {
            tracing::error!(%err, "token refused: the database failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "the date could not be looked up; try again");
        }
    }
    let name = match auth::user_by_id(&state, &username).await {
        Ok(user) => user.map_or_else(|| "guest".to_owned(), |user| user.name),
        Err(err) => {
            tracing::error!(%err, "token refused: the database failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "the user could not be looked up; try again");
        }
    };
    let name = name.as_str();
    let fault = if settings.faults_enabled {
        state.faults.lock().unwrap_or_else(|p| p.into_inner()).next_token_fault()
    } else {
        None
    };
    let mut server_url = settings.livekit_url.clone();
    let token = match fault {
        None => mint(&settings, &settings.livekit_secret, &username, name, &room),
        Some(fault) => {
            tracing::info!(user = %username, room = %room, ?fault, "token request answered with a fault");
            match fault {
                TokenFault::Status { status, body } => {
                    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    return (status, body).into_response();
                }
                TokenFault::MalformedJson => return (StatusCode::OK, "{\"token\": ").into_response(),
                TokenFault::NoToken => return Json(json!({"serverUrl": settings.livekit_url})).into_response(),
                TokenFault::Expired => expired(&settings, &username, &room),
                TokenFault::OtherRoom => mint(&settings, &settings.livekit_secret, &username, name, "some-other-room"),
                TokenFault::WrongSecret => {
                    mint(&settings, "not-the-livekit-secret-at-all-0123456789", &username, name, &room)
                }
                TokenFault::ServerUrl { url } => {
                    server_url = url;
                    mint(&settings, &settings.livekit_secret, &username, name, &room)
                }
                TokenFault::Delay { ms } => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    mint(&settings, &settings.livekit_secret, &username, name, &room)
                }
            }
        }
    };
    match token {
        Ok(token) => {
            tracing::info!(user = %username, room = %room, "token issued");
            Json(json!({"token": token, "serverUrl": server_url})).into_response()
        }
        Err(err) => {
            tracing::error!(%err, "token minting failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "token minting failed")
        }
    }
}

fn mint(settings: &Settings, secret: &str, identity: &str, name: &str, room: &str) -> Result<String, String> {
    AccessToken::with_api_key(&settings.livekit_key, secret)
        .with_identity(identity)
        .with_name(name)
        .with_ttl(Duration::from_secs(settings.token_ttl_secs))
        .with_grants(VideoGrants {
            room_join: true,
            room: room.to_owned(),
            can_publish: Some(true),
            can_subscribe: Some(true),
            can_publish_data: Some(true),
            ..Default::default()
        })
        .to_jwt()
        .map_err(|err| err.to_string())
}

/// The SDK cannot mint a token that is already expired, so this one is signed by hand with the same claims.
fn expired(settings: &Settings, identity: &str, room: &str) -> Result<String, String> {
    let now = session::now();
    let claims = json!({
        "iss": settings.livekit_key, "sub": identity, "nbf": now - 7200, "exp": now - 3600,
        "video": {"roomJoin": true, "room": room, "canPublish": true, "canSubscribe": true},
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(settings.livekit_secret.as_bytes()),
    )
    .map_err(|err| err.to_string())
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}
