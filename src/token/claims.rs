//! The LiveKit token's claims, decoded (not verified: only the server holds the secret) and checked
//! against what this page expects before we try to connect.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine};
use serde::de::{Deserializer, Error as _, Unexpected};
use serde::Deserialize;

use super::error::TokenError;
use crate::wire::{self, WireError};

/// Clock skew we tolerate, the same minute livekit-server allows.
pub(crate) const LEEWAY_SECS: i64 = 60;

const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The claims the page checks; a token carries more, which are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: Option<String>,
    pub(crate) iss: Option<String>,
    /// Whole seconds, rounded down.
    #[serde(default, deserialize_with = "whole_seconds")]
    pub(crate) exp: Option<i64>,
    #[serde(default, deserialize_with = "whole_seconds")]
    pub(crate) nbf: Option<i64>,
    pub(crate) name: Option<String>,
    pub(crate) video: Option<VideoGrant>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VideoGrant {
    pub(crate) room_join: Option<bool>,
    pub(crate) room: Option<String>,
    pub(crate) can_publish: Option<bool>,
    pub(crate) can_subscribe: Option<bool>,
}

/// What a token for this page must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    pub room: String,
    pub identity: String,
}

impl Claims {
    /// Decodes the payload of a compact JWT.
    pub(crate) fn decode(jwt: &str) -> Result<Self, TokenError> {
        let parts: Vec<&str> = jwt.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(TokenError::NotAJwt);
        };
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(TokenError::NotAJwt);
        }
        let bytes =
            BASE64URL.decode(payload).map_err(|_| TokenError::Undecodable("its payload is not base64url".into()))?;
        let payload =
            std::str::from_utf8(&bytes).map_err(|_| TokenError::Undecodable("its payload is not JSON".into()))?;
        wire::parse(payload).map_err(|err| {
            TokenError::Undecodable(match err {
                WireError::Syntax { .. } => "its payload is not JSON".into(),
                err if err.field().is_empty() => "its payload is not a JSON object".into(),
                err => format!("a claim has the wrong type: {err}"),
            })
        })
    }

    /// Checks expiry, validity start, the join grant, the room and the identity, in that order.
    pub(crate) fn check(&self, expected: &Expectations, now: i64) -> Result<(), TokenError> {
        let exp = self.exp.ok_or(TokenError::NoExpiry)?;
        if exp <= now - LEEWAY_SECS {
            return Err(TokenError::Expired { exp, now });
        }
        if let Some(nbf) = self.nbf {
            if nbf > now + LEEWAY_SECS {
                return Err(TokenError::NotYetValid { nbf, now });
            }
        }
        let grant = self.video.as_ref();
        if grant.and_then(|g| g.room_join) != Some(true) {
            return Err(TokenError::NoRoomJoin);
        }
        let room = grant.and_then(|g| g.room.clone());
        if room.as_deref() != Some(expected.room.as_str()) {
            return Err(TokenError::WrongRoom { expected: expected.room.clone(), found: room });
        }
        if self.sub.as_deref() != Some(expected.identity.as_str()) {
            return Err(TokenError::WrongIdentity { expected: expected.identity.clone(), found: self.sub.clone() });
        }
        Ok(())
    }

    /// Expiry in whole seconds; only call after [`Claims::check`] passed.
    pub(crate) fn expires_at(&self) -> i64 {
        self.exp.unwrap_or(0)
    }
}

/// A JWT NumericDate: seconds, possibly with a fraction, rounded down to a whole second.
fn whole_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else { return Ok(None) };
    let floor = number.as_i64().or_else(|| {
        let seconds = number.as_f64()?.floor();
        // i64::MAX is not exact as an f64; anything at or past 2^63 does not fit.
        (seconds >= i64::MIN as f64 && seconds < i64::MAX as f64).then_some(seconds as i64)
    });
    floor.map(Some).ok_or_else(|| D::Error::invalid_value(Unexpected::Other("a number"), &"a number that fits 64 bits"))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as Json};

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn jwt(payload: &Json) -> String {
        let header = BASE64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
        format!("{header}.{payload}.c2lnbmF0dXJl")
    }

    fn good() -> Json {
        json!({"sub": "alice", "iss": "devkey", "exp": NOW + 3600, "nbf": NOW - 10, "name": "Alice",
               "video": {"roomJoin": true, "room": "date-1", "canPublish": true}})
    }

    fn expected() -> Expectations {
        Expectations { room: "date-1".into(), identity: "alice".into() }
    }

    fn check(payload: Json) -> Result<(), TokenError> {
        Claims::decode(&jwt(&payload))?.check(&expected(), NOW)
    }

    fn with(key: &str, value: Json) -> Json {
        let mut p = good();
        p[key] = value;
        p
    }

    fn without(key: &str) -> Json {
        let mut p = good();
        p.as_object_mut().map(|members| members.remove(key));
        p
    }

    #[test]
    fn a_good_token_passes_and_reports_its_expiry() {
        let claims = Claims::decode(&jwt(&good())).unwrap();
        assert_eq!(claims.check(&expected(), NOW), Ok(()));
        assert_eq!(claims.expires_at(), NOW + 3600);
        assert_eq!(claims.name.as_deref(), Some("Alice"));
    }

    #[test]
    fn segments_must_be_three_and_non_empty() {
        for bad in ["", "abc", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b."] {
            assert_eq!(Claims::decode(bad), Err(TokenError::NotAJwt), "{bad:?}");
        }
    }

    #[test]
    fn padded_and_unpadded_base64url_both_decode() {
        let payload = json!({"sub": "a"}).to_string();
        let padded = base64::engine::general_purpose::URL_SAFE.encode(&payload);
        assert!(padded.ends_with('='));
        assert_eq!(Claims::decode(&format!("h.{padded}.s")).unwrap().sub.as_deref(), Some("a"));
    }

    #[test]
    fn bad_base64_non_json_and_wrong_types_are_undecodable() {
        let not_json = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("not json");
        let cases = [
            "h.***.s".to_owned(),
            "h.eyJzdWIiOiJhIn0+.s".to_owned(), // standard-alphabet `+` is not base64url
            format!("h.{not_json}.s"),
            jwt(&json!(["an", "array"])),
            jwt(&with("exp", json!("tomorrow"))),
            jwt(&with("sub", json!(42))),
            jwt(&with("video", json!({"roomJoin": "yes"}))),
            jwt(&with("exp", json!(1e300))),
        ];
        for case in cases {
            assert!(matches!(Claims::decode(&case), Err(TokenError::Undecodable(_))), "{case}");
        }
        assert_eq!(
            Claims::decode(&jwt(&with("exp", json!("tomorrow")))),
            Err(TokenError::Undecodable("a claim has the wrong type: `exp` must be a JSON number".into()))
        );
        assert_eq!(
            Claims::decode(&jwt(&with("video", json!({"roomJoin": "secret.jwt.value"})))),
            Err(TokenError::Undecodable("a claim has the wrong type: `video.roomJoin` must be a boolean".into()))
        );
        assert_eq!(
            Claims::decode(&jwt(&with("exp", json!(1e300)))),
            Err(TokenError::Undecodable("a claim has the wrong type: `exp` must be a number that fits 64 bits".into()))
        );
        assert_eq!(
            Claims::decode(&format!("h.{not_json}.s")),
            Err(TokenError::Undecodable("its payload is not JSON".into()))
        );
    }

    #[test]
    fn expiry_is_required_and_honours_the_leeway() {
        assert_eq!(check(without("exp")), Err(TokenError::NoExpiry));
        assert_eq!(check(with("exp", json!(NOW - LEEWAY_SECS + 1))), Ok(()));
        assert_eq!(
            check(with("exp", json!(NOW - LEEWAY_SECS))),
            Err(TokenError::Expired { exp: NOW - LEEWAY_SECS, now: NOW })
        );
        assert!(matches!(check(with("exp", json!(NOW - 3600))), Err(TokenError::Expired { .. })));
        // NumericDate may carry a fraction; it is rounded down.
        let fractional = |seconds: i64| serde_json::from_str::<Json>(&format!("{seconds}.9")).unwrap();
        assert_eq!(check(with("exp", fractional(NOW + 10))), Ok(()));
        assert_eq!(
            check(with("exp", fractional(NOW - LEEWAY_SECS))),
            Err(TokenError::Expired { exp: NOW - LEEWAY_SECS, now: NOW })
        );
    }

    #[test]
    fn not_before_is_optional_and_honours_the_leeway() {
        assert_eq!(check(without("nbf")), Ok(()));
        assert_eq!(check(with("nbf", json!(NOW + LEEWAY_SECS))), Ok(()));
        assert_eq!(
            check(with("nbf", json!(NOW + LEEWAY_SECS + 1))),
            Err(TokenError::NotYetValid { nbf: NOW + LEEWAY_SECS + 1, now: NOW })
        );
    }

    #[test]
    fn the_join_grant_must_be_true() {
        assert_eq!(check(without("video")), Err(TokenError::NoRoomJoin));
        assert_eq!(check(with("video", json!({"room": "date-1"}))), Err(TokenError::NoRoomJoin));
        assert_eq!(check(with("video", json!({"roomJoin": false, "room": "date-1"}))), Err(TokenError::NoRoomJoin));
    }

    #[test]
    fn the_room_must_be_this_dates() {
        assert_eq!(
            check(with("video", json!({"roomJoin": true, "room": "date-2"}))),
            Err(TokenError::WrongRoom { expected: "date-1".into(), found: Some("date-2".into()) })
        );
        assert_eq!(
            check(with("video", json!({"roomJoin": true}))),
            Err(TokenError::WrongRoom { expected: "date-1".into(), found: None })
        );
    }

    #[test]
    fn the_identity_must_be_the_signed_in_user() {
        assert_eq!(
            check(with("sub", json!("bob"))),
            Err(TokenError::WrongIdentity { expected: "alice".into(), found: Some("bob".into()) })
        );
        assert_eq!(check(without("sub")), Err(TokenError::WrongIdentity { expected: "alice".into(), found: None }));
    }

    #[test]
    fn rules_apply_in_order_expiry_first() {
        let everything_wrong = json!({"sub": "bob", "exp": NOW - 3600, "video": {}});
        assert!(matches!(check(everything_wrong), Err(TokenError::Expired { .. })));
    }
}
