//! Keeping secrets out of logs, errors and the DOM.

use std::fmt;

use serde::{Deserialize, Deserializer, Serializer};

/// A string that must never be printed: a LiveKit token, a session's access token.
/// `Debug` and `Display` show a placeholder; [`Secret::expose`] is the one way to the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`; from here on it prints as a placeholder.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// For handing the value to the one API that needs it (an HTTP header, the SDK's `connect`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `serialize_with` for a wire field that carries the value to the one peer that needs it (a realtime
    /// join or token push). Serialization is opt-in per field so that no other struct can print it.
    pub(crate) fn serialize_exposed<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    /// [`Secret::serialize_exposed`] for an optional field (skipped when `None`).
    pub(crate) fn serialize_exposed_optional<S: Serializer>(
        secret: &Option<Secret>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => serializer.serialize_some(secret.expose()),
            None => serializer.serialize_none(),
        }
    }
}

/// A secret read off the wire is a `Secret` from the moment it is parsed.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

const EXCERPT_CHARS: usize = 120;

/// A short, printable excerpt of an error body: control characters dropped, anything shaped like a JWT
/// (three dot-separated base64url parts starting `eyJ`) and any of `secrets` replaced, then cut to length.
pub(crate) fn sanitize_excerpt(body: &str, secrets: &[&Secret]) -> String {
    let mut text = body.to_owned();
    for secret in secrets {
        if !secret.expose().is_empty() {
            text = text.replace(secret.expose(), "<redacted>");
        }
    }
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| if looks_like_jwt(word) { "<redacted>".to_owned() } else { word.to_owned() })
        .collect();
    let cleaned: String = words.join(" ").chars().filter(|c| !c.is_control()).collect();
    let mut excerpt: String = cleaned.chars().take(EXCERPT_CHARS).collect();
    if cleaned.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    if excerpt.is_empty() {
        "no details".to_owned()
    } else {
        excerpt
    }
}

fn looks_like_jwt(word: &str) -> bool {
    word.find("eyJ").is_some_and(|start| {
        let candidate = &word[start..];
        let token: String =
            candidate.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
        token.matches('.').count() >= 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("eyJhbGciOi.payload.sig");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(secret.expose(), "eyJhbGciOi.payload.sig");
    }

    #[test]
    fn excerpts_redact_jwts_and_known_secrets() {
        let session = Secret::new("session-abc");
        let body = "bad token {\"token\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\"} for session-abc";
        let excerpt = sanitize_excerpt(body, &[&session]);
        assert!(!excerpt.contains("eyJzdWIi"), "{excerpt}");
        assert!(!excerpt.contains("session-abc"), "{excerpt}");
        assert!(excerpt.starts_with("bad token"), "{excerpt}");
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let long = "x".repeat(500) + "\u{7}\n";
        let excerpt = sanitize_excerpt(&long, &[]);
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
        assert_eq!(sanitize_excerpt("  \n", &[]), "no details");
        assert_eq!(sanitize_excerpt("a\u{0}b", &[]), "ab");
    }
}
