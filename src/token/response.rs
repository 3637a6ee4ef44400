//! Turning the token endpoint's HTTP answer into a checked token (pure: status and body in, result out).

use super::claims::{Claims, Expectations};
use super::error::TokenError;
use serde::Deserialize;

use super::redact::{sanitize_excerpt, Secret};
use crate::wire::{self, WireError};

/// A LiveKit access token that passed [`Claims::check`]. Prints as `<redacted>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    jwt: Secret,
    expires_at: i64,
}

impl Token {
    /// The compact JWT, for `Room.connect` only.
    pub fn jwt(&self) -> &Secret {
        &self.jwt
    }

    /// Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// A checked token and the server it is for, when the endpoint named one.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    pub token: Token,
    pub server_url: Option<String>,
}

impl IssuedToken {
    /// Checks a token's claims against what the page expects of it.
    pub(crate) fn from_jwt(
        jwt: Secret,
        server_url: Option<String>,
        expected: &Expectations,
        now: i64,
    ) -> Result<Self, TokenError> {
        let claims = Claims::decode(jwt.expose())?;
        claims.check(expected, now)?;
        Ok(IssuedToken { token: Token { jwt, expires_at: claims.expires_at() }, server_url })
    }
}

/// The endpoint's answer: `token` (or LiveKit's `participantToken`) and an optional `serverUrl`, camelCase or
/// snake_case; other fields are the endpoint's own business.
#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(alias = "participantToken", alias = "participant_token")]
    token: Option<String>,
    #[serde(rename = "serverUrl", alias = "server_url")]
    server_url: Option<String>,
}

/// Validates an answer of the token endpoint. `secrets` (the session's access token) are scrubbed from excerpts.
pub(crate) fn validate_response(
    status: u16,
    body: &str,
    expected: &Expectations,
    now: i64,
    secrets: &[&Secret],
) -> Result<IssuedToken, TokenError> {
    match status {
        200..=299 => {}
        401 => return Err(TokenError::Unauthorized),
        403 => return Err(TokenError::NotInThisDate),
        _ => return Err(TokenError::Status { status, excerpt: sanitize_excerpt(body, secrets) }),
    }
    let answer: TokenAnswer = wire::parse(body).map_err(|err| match err {
        WireError::Syntax { .. } => TokenError::NotJson,
        err if err.field().is_empty() => TokenError::WrongShape("expected a JSON object".into()),
        err => TokenError::WrongShape(err.to_string()),
    })?;
    let server_url = answer.server_url.filter(|url| !url.is_empty());
    let jwt = match answer.token {
        Some(jwt) if !jwt.trim().is_empty() => Secret::new(jwt.trim()),
        _ => return Err(TokenError::NoToken),
    };
    if let Some(url) = &server_url {
        if !(url.starts_with("ws://") || url.starts_with("wss://")) {
            return Err(TokenError::BadServerUrl);
        }
    }
    IssuedToken::from_jwt(jwt, server_url, expected, now)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn jwt(room: &str) -> String {
        let payload = json!({"sub": "alice", "exp": NOW + 600, "video": {"roomJoin": true, "room": room}});
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
        format!("eyJhbGciOiJIUzI1NiJ9.{encoded}.c2ln")
    }

    fn expected() -> Expectations {
        Expectations { room: "date-1".into(), identity: "alice".into() }
    }

    fn validate(status: u16, body: &str) -> Result<IssuedToken, TokenError> {
        validate_response(status, body, &expected(), NOW, &[])
    }

    #[test]
    fn accepts_token_or_participant_token_with_an_optional_server_url() {
        let ok = validate(200, &json!({"token": jwt("date-1"), "serverUrl": "wss://lk.example"}).to_string()).unwrap();
        assert_eq!(ok.server_url.as_deref(), Some("wss://lk.example"));
        assert_eq!(ok.token.expires_at(), NOW + 600);
        let synonym = validate(200, &json!({"participantToken": jwt("date-1")}).to_string()).unwrap();
        assert_eq!(synonym.server_url, None);
        let snake = validate(200, &json!({"participant_token": jwt("date-1"), "server_url": "ws://x"}).to_string());
        assert_eq!(snake.unwrap().server_url.as_deref(), Some("ws://x"));
    }

    #[test]
    fn statuses_map_to_their_own_errors() {
        assert_eq!(validate(401, "nope"), Err(TokenError::Unauthorized));
        assert_eq!(validate(403, "nope"), Err(TokenError::NotInThisDate));
        assert_eq!(
            validate(500, "database down"),
            Err(TokenError::Status { status: 500, excerpt: "database down".into() })
        );
    }

    #[test]
    fn an_error_body_never_carries_the_session_token_or_a_jwt_out() {
        let session = Secret::new("the-session-token");
        let body = format!("echo: the-session-token {}", jwt("date-1"));
        let err = validate_response(502, &body, &expected(), NOW, &[&session]).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("the-session-token") && !shown.contains(&jwt("date-1")), "{shown}");
    }

    #[test]
    fn shape_errors() {
        assert_eq!(validate(200, "<html>"), Err(TokenError::NotJson));
        assert!(matches!(validate(200, "[1]"), Err(TokenError::WrongShape(_))));
        assert!(matches!(validate(200, r#"{"token": 5}"#), Err(TokenError::WrongShape(_))));
        assert!(matches!(validate(200, r#"{"token": "a.b.c", "serverUrl": 5}"#), Err(TokenError::WrongShape(_))));
        assert_eq!(
            validate(200, r#"{"participantToken": ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"]}"#),
            Err(TokenError::WrongShape("`participantToken` must be a string".into())),
            "names the field, never the value"
        );
        assert_eq!(validate(200, "{}"), Err(TokenError::NoToken));
        assert_eq!(validate(200, r#"{"token": null}"#), Err(TokenError::NoToken));
        assert_eq!(validate(200, r#"{"token": "  "}"#), Err(TokenError::NoToken));
        assert_eq!(validate(200, r#"{"token": "abc"}"#), Err(TokenError::NotAJwt));
        let http_server = json!({"token": jwt("date-1"), "serverUrl": "http://x"}).to_string();
        assert_eq!(validate(200, &http_server), Err(TokenError::BadServerUrl));
    }

    #[test]
    fn claims_are_checked() {
        assert!(matches!(
            validate(200, &json!({"token": jwt("date-2")}).to_string()),
            Err(TokenError::WrongRoom { .. })
        ));
    }

    #[test]
    fn a_token_never_prints() {
        let issued = validate(200, &json!({"token": jwt("date-1")}).to_string()).unwrap();
        assert!(!format!("{issued:?}").contains("eyJ"));
    }
}
