//! PostgREST calls on the date's row.

use thiserror::Error;

use super::session::Session;
use super::video_date::VideoDate;
use crate::config::Config;
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
    let request = gloo_net::http::Request::get(&url(config, date_id));
    let date = first_row(send(config, session, request.build().map_err(|_| DateError::Malformed)?).await?)?;
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
    let request = gloo_net::http::Request::patch(&url(config, date_id)).header("Prefer", "return=representation");
    let request = super::with_json(request, changes).map_err(|_| DateError::Malformed)?;
    first_row(send(config, session, request).await?)
}

async fn send(config: &Config, session: &Session, request: gloo_net::http::Request) -> Result<String, DateError> {
    request.headers().set("apikey", &config.supabase_anon_key);
    request.headers().set("Authorization", &format!("Bearer {}", session.access_token.expose()));
    let response = request
        .send()
        .await
        .map_err(|err| DateError::Network(sanitize_excerpt(&err.to_string(), &[&session.access_token])))?;
    match response.status() {
        200..=299 => response.text().await.map_err(|err| DateError::Network(err.to_string())),
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
