//! PostgREST calls on the date's row.

use thiserror::Error;

use super::session::Session;
use super::video_date::VideoDate;
use crate::config::Config;
use crate::http::{self, Method};
use crate::json::Json;
use crate::token::sanitize_excerpt;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    #[error("Your sign-in has expired. Sign in again, then open your date.")]
    Unauthorized,
    #[error("This date doesn't exist, or it isn't yours. Check the link you were sent.")]
    NotFound,
    #[error("This date is between two other people. Check the link, or sign in as the right person.")]
    NotYours,
    #[error("Your date could not be loaded (HTTP {0}). Try again in a moment.")]
    Status(u16),
    #[error("Your date could not be loaded ({0}). Check your connection and try again.")]
    Network(String),
    #[error("The date's details came back in a shape this page does not understand. Tell whoever runs this site.")]
    Malformed,
}

fn url(config: &Config, date_id: &str) -> String {
    let id: String = js_sys::encode_uri_component(date_id).into();
    format!("{}/rest/v1/video_dates?id=eq.{id}&select=*", config.supabase_url)
}

/// The date, if it exists and `session`'s user is one of its two people.
pub async fn fetch_date(config: &Config, session: &Session, date_id: &str) -> Result<VideoDate, DateError> {
    let date = first_row(send(config, session, Method::Get, date_id, &[], None).await?)?;
    if date.includes(&session.user_id) {
        Ok(date)
    } else {
        Err(DateError::NotYours)
    }
}

/// Applies `changes` (a JSON object of columns) and returns the row as it now is.
pub async fn update_date(
    config: &Config,
    session: &Session,
    date_id: &str,
    changes: &Json,
) -> Result<VideoDate, DateError> {
    let extra = [("Prefer", "return=representation"), super::JSON_BODY];
    first_row(send(config, session, Method::Patch, date_id, &extra, Some(changes.to_string())).await?)
}

async fn send(
    config: &Config,
    session: &Session,
    method: Method,
    date_id: &str,
    extra_headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<String, DateError> {
    let authorization = format!("Bearer {}", session.access_token.expose());
    let mut headers = vec![("apikey", config.supabase_anon_key.as_str()), ("Authorization", authorization.as_str())];
    headers.extend_from_slice(extra_headers);
    let response =
        http::fetch(http::Request { method, url: &url(config, date_id), headers: &headers, body, signal: None })
            .await
            .map_err(|err| DateError::Network(sanitize_excerpt(&err.to_string(), &[&session.access_token])))?;
    match response.status {
        200..=299 => Ok(response.body),
        401 => Err(DateError::Unauthorized),
        403 => Err(DateError::NotYours),
        status => Err(DateError::Status(status)),
    }
}

fn first_row(body: String) -> Result<VideoDate, DateError> {
    let rows = Json::parse(&body).map_err(|_| DateError::Malformed)?;
    let first = rows.as_array().ok_or(DateError::Malformed)?.first().ok_or(DateError::NotFound)?;
    VideoDate::from_json(first).map_err(|_| DateError::Malformed)
}
