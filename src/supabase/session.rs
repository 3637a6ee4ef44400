//! The signed-in user's Supabase session, stored where supabase-js keeps it so the page can live inside an
//! existing Supabase app: `localStorage["sb-<project ref>-auth-token"]`.

use gloo_net::http::Request;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::Config;
use crate::expiry;
use crate::token::Secret;
use crate::url::with_query;
use crate::wire;

/// A signed-in user: who they are and the tokens that prove it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The user's id (`auth.users.id`, the JWT's `sub`).
    pub user_id: String,
    /// The address they signed in with, when the session names one.
    pub email: Option<String>,
    /// The JWT sent to PostgREST, Realtime and the token endpoint.
    pub access_token: Secret,
    /// Exchanged for a new session before `expires_at`.
    pub refresh_token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Why there is no usable session; each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionError {
    #[error("You are not signed in. Sign in, then open your date again.")]
    Missing,
    #[error("Your saved sign-in could not be read. Sign in again.")]
    Corrupt,
    #[error("That email and password do not match. Check them and try again.")]
    BadCredentials,
    #[error("Your sign-in has expired. Sign in again.")]
    Expired,
    #[error("The sign-in service could not be reached ({0}). Check your connection and try again.")]
    Network(String),
}

/// supabase-js's default storage key: `sb-` + the first label of the project's host + `-auth-token`.
pub(crate) fn storage_key(supabase_url: &str) -> String {
    let host = supabase_url.split("://").nth(1).unwrap_or(supabase_url);
    let host = host.split(['/', ':']).next().unwrap_or_default();
    format!("sb-{}-auth-token", host.split('.').next().unwrap_or_default())
}

/// supabase-js's stored shape, which is also what GoTrue answers a grant with: the fields we use of the many
/// it keeps.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    access_token: String,
    refresh_token: String,
    expires_at: i64,
    user: StoredUser,
}

#[derive(Serialize, Deserialize)]
struct StoredUser {
    id: String,
    email: Option<String>,
}

impl Session {
    /// Parses what supabase-js (or our sign-in page) stored, and what GoTrue answers a grant with.
    pub(crate) fn parse(text: &str) -> Result<Self, SessionError> {
        let stored: StoredSession = wire::parse(text).map_err(|_| SessionError::Corrupt)?;
        if stored.access_token.is_empty() || stored.user.id.is_empty() {
            return Err(SessionError::Corrupt);
        }
        Ok(Session {
            user_id: stored.user.id,
            email: stored.user.email,
            access_token: Secret::new(stored.access_token),
            refresh_token: Secret::new(stored.refresh_token),
            expires_at: stored.expires_at,
        })
    }

    fn to_json(&self) -> String {
        let stored = StoredSession {
            access_token: self.access_token.expose().to_owned(),
            refresh_token: self.refresh_token.expose().to_owned(),
            expires_at: self.expires_at,
            user: StoredUser { id: self.user_id.clone(), email: self.email.clone() },
        };
        // Strings and integers only: serializing cannot fail, and a failure would only leave nothing stored.
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Seconds until the access token should be refreshed: a minute before it expires (see [`expiry`]).
    pub(crate) fn refresh_in(&self, now: i64) -> i64 {
        expiry::refresh_delay_secs(self.expires_at, 60, now)
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub(crate) fn load(config: &Config) -> Result<Session, SessionError> {
    let json =
        storage().and_then(|s| s.get_item(&storage_key(&config.supabase_url)).ok()?).ok_or(SessionError::Missing)?;
    Session::parse(&json)
}

pub(crate) fn save(config: &Config, session: &Session) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&storage_key(&config.supabase_url), &session.to_json());
    }
}

/// Signs out on this device: forgets the stored session.
pub fn clear(config: &Config) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&storage_key(&config.supabase_url));
    }
}

/// Password sign-in against Supabase Auth; the session is saved for supabase-js and for the next visit.
pub async fn sign_in(config: &Config, email: &str, password: &str) -> Result<Session, SessionError> {
    grant(config, "password", &Grant::Password { email, password }).await
}

/// Trades the refresh token for a new session (GoTrue refresh tokens are single-use).
pub(crate) async fn refresh(config: &Config, session: &Session) -> Result<Session, SessionError> {
    let body = Grant::RefreshToken { refresh_token: session.refresh_token.expose() };
    grant(config, "refresh_token", &body).await.map_err(|err| match err {
        SessionError::BadCredentials => SessionError::Expired,
        other => other,
    })
}

/// The body of a GoTrue token grant.
#[derive(Serialize)]
#[serde(untagged)]
enum Grant<'a> {
    Password { email: &'a str, password: &'a str },
    RefreshToken { refresh_token: &'a str },
}

async fn grant(config: &Config, grant_type: &str, body: &Grant<'_>) -> Result<Session, SessionError> {
    let url = with_query(&format!("{}/auth/v1/token", config.supabase_url), &[("grant_type", grant_type)]);
    let network = |err: gloo_net::Error| SessionError::Network(wire::request_failure(&err));
    let response = Request::post(&url)
        .header("apikey", &config.supabase_anon_key)
        .json(body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    if response.status() == 400 || response.status() == 401 {
        return Err(SessionError::BadCredentials);
    }
    if !response.ok() {
        return Err(SessionError::Network(format!("HTTP {}", response.status())));
    }
    let session = Session::parse(&response.text().await.map_err(network)?)?;
    save(config, &session);
    tracing::info!(user = %session.user_id, grant_type, "signed in");
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_key_follows_supabase_js() {
        assert_eq!(storage_key("https://abcd.supabase.co"), "sb-abcd-auth-token");
        assert_eq!(storage_key("http://127.0.0.1:8787"), "sb-127-auth-token");
        assert_eq!(storage_key("http://localhost:54321/"), "sb-localhost-auth-token");
    }

    #[test]
    fn parses_what_supabase_js_stores_and_never_prints_tokens() {
        let json = r#"{"access_token":"eyJ.a.b","token_type":"bearer","expires_in":3600,"expires_at":1800000000,
            "refresh_token":"r1","user":{"id":"u1","email":"a@example.com","aud":"authenticated"}}"#;
        let session = Session::parse(json).unwrap();
        assert_eq!(session.user_id, "u1");
        assert_eq!(session.access_token.expose(), "eyJ.a.b");
        assert!(!format!("{session:?}").contains("eyJ.a.b"));
        assert_eq!(Session::parse(&session.to_json()).unwrap(), session);
    }

    #[test]
    fn broken_sessions_are_corrupt() {
        for bad in ["", "{}", "null", r#"{"access_token":"","refresh_token":"","expires_at":1,"user":{"id":"u"}}"#] {
            assert_eq!(Session::parse(bad), Err(SessionError::Corrupt), "{bad}");
        }
    }

    #[test]
    fn refresh_is_due_a_minute_before_expiry() {
        let session =
            Session::parse(r#"{"access_token":"a","refresh_token":"r","expires_at":1000,"user":{"id":"u"}}"#).unwrap();
        assert_eq!(session.refresh_in(500), 440);
        assert_eq!(session.refresh_in(990), 5, "a short-lived session is not refreshed back to back");
    }
}
