//! PostgREST calls on the date's row.

use thiserror::Error;

use super::session::Session;
use super::video_date::VideoDate;
use gloo_net::http::{Method, RequestBuilder};

use crate::config::Config;
use crate::token::sanitize_excerpt;
use crate::wire;

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
    let date = first_row(send(config, session, Method::GET, date_id, &[], None).await?)?;
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
    changes: &serde_json::Value,
) -> Result<VideoDate, DateError> {
    let extra = [("Prefer", "return=representation")];
    first_row(send(config, session, Method::PATCH, date_id, &extra, Some(changes)).await?)
}

async fn send(
    config: &Config,
    session: &Session,
    method: Method,
    date_id: &str,
    extra_headers: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<String, DateError> {
    let authorization = format!("Bearer {}", session.access_token.expose());
    let mut request = RequestBuilder::new(&url(config, date_id))
        .method(method)
        .header("apikey", &config.supabase_anon_key)
        .header("Authorization", &authorization);
    for (name, value) in extra_headers {
        request = request.header(name, value);
    }
    let failed = |err: gloo_net::Error| {
        DateError::Network(sanitize_excerpt(&wire::request_failure(&err), &[&session.access_token]))
    };
    let request = match body {
        Some(body) => request.json(body),
        None => request.build(),
    }
    .map_err(failed)?;
    let response = request.send().await.map_err(failed)?;
    match response.status() {
        200..=299 => response.text().await.map_err(failed),
        401 => Err(DateError::Unauthorized),
        403 => Err(DateError::NotYours),
        status => Err(DateError::Status(status)),
    }
}

/// PostgREST answers with the rows that matched: none, or the one with this id.
fn first_row(body: String) -> Result<VideoDate, DateError> {
    let rows: Vec<VideoDate> = wire::parse(&body).map_err(|_| DateError::Malformed)?;
    rows.into_iter().next().ok_or(DateError::NotFound)
}
