//! Start-up configuration, read once from `/config.json` next to `index.html`.
//!
//! Parsing is pure so every rule is unit-tested natively; only [`load`] touches the browser.

use thiserror::Error;

use gloo_net::http::Request;
use serde::Deserialize;

use crate::wire::{self, WireError};

/// Where the config lives, relative to the page's origin.
pub(crate) const CONFIG_PATH: &str = "/config.json";

/// The app's settings, as `/config.json` gives them (validated by [`Config::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `ws://` or `wss://` URL of the LiveKit server.
    pub livekit_url: String,
    /// `http(s)://` URL that hands out LiveKit tokens (see README, "Token endpoint").
    pub token_endpoint: String,
    /// `http(s)://` base URL of the Supabase project (auth, REST and Realtime live under it).
    pub supabase_url: String,
    /// The project's public anon key; it is meant to be public, unlike a token.
    pub supabase_anon_key: String,
    /// The most detailed level logged to the console.
    pub log_level: LogLevel,
    /// Optional `http(s)://` URL that gets a metrics summary (`navigator.sendBeacon`) when the page is hidden;
    /// absent or blank means no reporting.
    pub metrics_endpoint: Option<String>,
    /// Where "Back to your dates" leads after a date: an `http(s)://` URL or a path on this site
    /// (`/matches`). Default `/`.
    pub home_url: String,
}

/// How much the app logs to the console; ordered from the fewest lines to the most, a level logs everything at
/// or before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for tracing::Level {
    fn from(level: LogLevel) -> tracing::Level {
        match level {
            LogLevel::Error => tracing::Level::ERROR,
            LogLevel::Warn => tracing::Level::WARN,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Trace => tracing::Level::TRACE,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum ConfigError {
    #[error("The app's settings could not be downloaded ({0}). Check your connection and reload the page.")]
    Unreachable(String),
    #[error("The app's settings are missing (HTTP {0} for {CONFIG_PATH}). Whoever runs this site needs to publish a config.json.")]
    Status(u16),
    #[error("The app's settings are not valid JSON ({0}). Whoever runs this site needs to fix config.json.")]
    Malformed(String),
    #[error("The app's settings lack `{0}`. Whoever runs this site needs to add it to config.json.")]
    Missing(&'static str),
    #[error(
        "The app's setting `{field}` must start with {expected}. Whoever runs this site needs to fix config.json."
    )]
    BadUrl { field: &'static str, expected: &'static str },
}

/// The file as written; every field optional so a missing one gets its own error. Any other field is most
/// likely a misspelling, which would otherwise go unnoticed, so the file may have no other.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    livekit_url: Option<String>,
    token_endpoint: Option<String>,
    supabase_url: Option<String>,
    supabase_anon_key: Option<String>,
    log_level: Option<LogLevel>,
    metrics_endpoint: Option<String>,
    home_url: Option<String>,
}

impl From<WireError> for ConfigError {
    fn from(err: WireError) -> Self {
        ConfigError::Malformed(err.to_string())
    }
}

impl Config {
    pub(crate) fn parse(text: &str) -> Result<Self, ConfigError> {
        // Any field of the wrong type, or unknown, makes the whole file malformed, before a field is found missing.
        let raw: RawConfig = wire::parse(text)?;
        Ok(Config {
            livekit_url: url_field("livekit_url", raw.livekit_url, &["ws://", "wss://"], "ws:// or wss://")?,
            token_endpoint: url_field("token_endpoint", raw.token_endpoint, HTTP, HTTP_EXPECTED)?,
            supabase_url: url_field("supabase_url", raw.supabase_url, HTTP, HTTP_EXPECTED)?
                .trim_end_matches('/')
                .to_owned(),
            supabase_anon_key: required("supabase_anon_key", raw.supabase_anon_key)?,
            log_level: raw.log_level.unwrap_or_default(),
            // Blank is off, so a deployment template can leave the field in place with no value.
            metrics_endpoint: raw
                .metrics_endpoint
                .filter(|endpoint| !endpoint.trim().is_empty())
                .map(|endpoint| url_field("metrics_endpoint", Some(endpoint), HTTP, HTTP_EXPECTED))
                .transpose()?,
            home_url: home_url(raw.home_url)?,
        })
    }
}

/// A path on this site (but not `//host`, which browsers read as another site) or an `http(s)://` URL.
fn home_url(value: Option<String>) -> Result<String, ConfigError> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        None => Ok("/".to_owned()),
        Some(path) if path.starts_with('/') && !path.starts_with("//") => Ok(path),
        url => url_field("home_url", url, HTTP, "/ or http:// or https://"),
    }
}

const HTTP: &[&str] = &["http://", "https://"];
const HTTP_EXPECTED: &str = "http:// or https://";

fn required(field: &'static str, value: Option<String>) -> Result<String, ConfigError> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).ok_or(ConfigError::Missing(field))
}

fn url_field(
    field: &'static str,
    value: Option<String>,
    schemes: &[&str],
    expected: &'static str,
) -> Result<String, ConfigError> {
    let value = required(field, value)?;
    let has_host = schemes.iter().any(|scheme| value.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty()));
    if has_host {
        Ok(value)
    } else {
        Err(ConfigError::BadUrl { field, expected })
    }
}

/// Downloads and parses the config; every failure is a [`ConfigError`] the page can show.
pub(crate) async fn load() -> Result<Config, ConfigError> {
    let unreachable = |err: gloo_net::Error| ConfigError::Unreachable(wire::request_failure(&err));
    let response = Request::get(CONFIG_PATH).send().await.map_err(unreachable)?;
    if !response.ok() {
        return Err(ConfigError::Status(response.status()));
    }
    Config::parse(&response.text().await.map_err(unreachable)?)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    const GOOD: &str = r#"{
        "livekit_url": "ws://127.0.0.1:7880",
        "token_endpoint": "http://127.0.0.1:8787/api/livekit-token",
        "supabase_url": "http://127.0.0.1:8787/",
        "supabase_anon_key": "anon",
        "log_level": "debug"
    }"#;

    fn with(field: &str, value: Value) -> String {
        let mut config: Value = serde_json::from_str(GOOD).unwrap();
        config[field] = value;
        config.to_string()
    }

    fn without(field: &str) -> String {
        let mut config: Value = serde_json::from_str(GOOD).unwrap();
        config.as_object_mut().map(|members| members.remove(field));
        config.to_string()
    }

    #[test]
    fn home_is_a_path_on_this_site_or_a_web_url_and_defaults_to_the_root() {
        assert_eq!(Config::parse(GOOD).unwrap().home_url, "/");
        for good in ["/matches", "https://app.example/matches"] {
            assert_eq!(Config::parse(&with("home_url", good.into())).unwrap().home_url, good);
        }
        for bad in ["//evil.example", "javascript:alert(1)", "matches"] {
            assert_eq!(
                Config::parse(&with("home_url", bad.into())),
                Err(ConfigError::BadUrl { field: "home_url", expected: "/ or http:// or https://" }),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_a_complete_config_and_trims_the_supabase_slash() {
        let config = Config::parse(GOOD).unwrap();
        assert_eq!(config.livekit_url, "ws://127.0.0.1:7880");
        assert_eq!(config.supabase_url, "http://127.0.0.1:8787");
        assert_eq!(config.log_level, LogLevel::Debug);
    }

    #[test]
    fn the_metrics_endpoint_is_optional_and_must_be_http() {
        assert_eq!(Config::parse(GOOD).unwrap().metrics_endpoint, None);
        let url = "https://metrics.example/api/metrics";
        assert_eq!(
            Config::parse(&with("metrics_endpoint", url.into())).unwrap().metrics_endpoint.as_deref(),
            Some(url)
        );
        for bad in ["ws://x/api", "metrics.example", "https://"] {
            assert_eq!(
                Config::parse(&with("metrics_endpoint", bad.into())),
                Err(ConfigError::BadUrl { field: "metrics_endpoint", expected: HTTP_EXPECTED }),
                "{bad}"
            );
        }
        assert_eq!(
            Config::parse(&with("metrics_endpoint", " ".into())).unwrap().metrics_endpoint,
            None,
            "blank is off"
        );
    }

    #[test]
    fn log_level_defaults_to_info() {
        assert_eq!(Config::parse(&without("log_level")).unwrap().log_level, LogLevel::Info);
        assert_eq!(Config::parse(&with("log_level", Value::Null)).unwrap().log_level, LogLevel::Info);
    }

    #[test]
    fn each_missing_or_blank_field_is_named() {
        for field in ["livekit_url", "token_endpoint", "supabase_url", "supabase_anon_key"] {
            assert_eq!(Config::parse(&without(field)), Err(ConfigError::Missing(field)));
            assert_eq!(Config::parse(&with(field, "  ".into())), Err(ConfigError::Missing(field)));
        }
    }

    #[test]
    fn urls_need_the_right_scheme_and_a_host() {
        let cases = [
            ("livekit_url", "http://127.0.0.1:7880"),
            ("livekit_url", "wss://"),
            ("token_endpoint", "ws://x/api"),
            ("supabase_url", "127.0.0.1:8787"),
        ];
        for (field, value) in cases {
            assert!(
                matches!(Config::parse(&with(field, value.into())), Err(ConfigError::BadUrl { field: f, .. }) if f == field),
                "{field} = {value}"
            );
        }
    }

    #[test]
    fn malformed_json_unknown_fields_and_bad_levels_are_malformed() {
        for json in
            ["", "[]", "{", r#"{"livekit_url": 3}"#, &with("log_level", "loud".into()), &with("extra", json!(1))]
        {
            assert!(matches!(Config::parse(json), Err(ConfigError::Malformed(_))), "{json}");
        }
        let malformed = |reason: &str| Err(ConfigError::Malformed(reason.into()));
        assert_eq!(Config::parse(&with("extra", json!(1))), malformed("`extra` is not a field it may have"));
        assert_eq!(
            Config::parse(&with("log_level", "loud".into())),
            malformed("`log_level` must be one of `error`, `warn`, `info`, `debug`, `trace`")
        );
        assert_eq!(Config::parse(r#"{"livekit_url": 3}"#), malformed("`livekit_url` must be a string"));
        assert_eq!(Config::parse("{"), malformed("not JSON at line 1, column 1"));
    }

    #[test]
    fn a_wrong_type_is_reported_before_a_missing_field() {
        assert!(matches!(Config::parse(r#"{"log_level": 1}"#), Err(ConfigError::Malformed(_))));
    }

    #[test]
    fn messages_tell_the_reader_what_to_do() {
        let message = ConfigError::Missing("livekit_url").to_string();
        assert!(message.contains("livekit_url") && message.contains("config.json"));
    }
}
