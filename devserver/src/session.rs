//! Supabase-style sessions: HS256 access tokens signed with the JWT secret, and opaque refresh tokens.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionClaims {
    pub sub: String,
    pub email: String,
    pub role: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub fn mint(user_id: &str, email: &str, secret: &str, ttl_secs: u64) -> (String, SessionClaims) {
    let iat = now();
    let claims = SessionClaims {
        sub: user_id.to_owned(),
        email: email.to_owned(),
        role: "authenticated".to_owned(),
        aud: "authenticated".to_owned(),
        exp: iat + ttl_secs,
        iat,
    };
    let jwt = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("HS256 signing with an in-memory key cannot fail");
    (jwt, claims)
}

/// Why a session token was refused; realtime words its errors after this, as Supabase does.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    Expired { secs_ago: u64 },
    Invalid,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Expired { secs_ago } => write!(f, "Token has expired {secs_ago} seconds ago"),
            Rejection::Invalid => f.write_str("The token provided is not a valid JWT"),
        }
    }
}

/// Checks signature, audience and expiry (no leeway: short test TTLs must really expire).
pub fn check(jwt: &str, secret: &str) -> Result<SessionClaims, Rejection> {
    let key = DecodingKey::from_secret(secret.as_bytes());
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["authenticated"]);
    validation.leeway = 0;
    match decode::<SessionClaims>(jwt, &key, &validation) {
        Ok(data) => Ok(data.claims),
        Err(err) if *err.kind() == jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
            // The signature was good; only the clock refused it, so say by how much.
            validation.validate_exp = false;
            let exp = decode::<SessionClaims>(jwt, &key, &validation).map_or(0, |data| data.claims.exp);
            Err(Rejection::Expired { secs_ago: now().saturating_sub(exp) })
        }
        Err(_) => Err(Rejection::Invalid),
    }
}

pub fn verify(jwt: &str, secret: &str) -> Option<SessionClaims> {
    check(jwt, secret).ok()
}

/// The session behind an `Authorization: Bearer` header, if it is valid.
pub fn from_bearer(headers: &axum::http::HeaderMap, secret: &str) -> Option<SessionClaims> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let jwt = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    verify(jwt.trim(), secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::ALICE;

    #[test]
    fn a_minted_session_verifies_only_with_its_secret() {
        let (jwt, claims) = mint(ALICE.id, ALICE.email, "s3cret", 60);
        assert_eq!(verify(&jwt, "s3cret").unwrap().sub, ALICE.id);
        assert_eq!(claims.exp - claims.iat, 60);
        assert!(verify(&jwt, "other").is_none());
        assert!(verify("garbage", "s3cret").is_none());
    }

    #[test]
    fn an_expired_session_does_not_verify() {
        let (jwt, _) = mint(ALICE.id, ALICE.email, "s3cret", 0);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert!(verify(&jwt, "s3cret").is_none());
        assert!(matches!(check(&jwt, "s3cret"), Err(Rejection::Expired { secs_ago: 1.. })));
        assert!(matches!(check(&jwt, "other"), Err(Rejection::Invalid)));
    }
}
