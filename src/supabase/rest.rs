//! PostgREST calls on the date's row: read it, and change it only through the date's functions
//! (`supabase/migrations/`); the table itself is read-only to the page.

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
    #[error("The date has moved on, so that could not be done. Reload the page to see where it stands.")]
    Refused,
}

/// The date's functions the page calls; each returns the row as it now is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCall {
    /// Records that you joined; with both in, the date goes live.
    Join,
    /// Ends the date (or returns it as it is, if it has ended).
    End,
}

impl DateCall {
    fn function(self) -> &'static str {
        match self {
            DateCall::Join => "join_date",
            DateCall::End => "end_date",
        }
    }
}

fn row_url(config: &Config, date_id: &str) -> String {
    let id: String = js_sys::encode_uri_component(date_id).into();
    format!("{}/rest/v1/video_dates?id=eq.{id}&select=*", config.supabase_url)
}

/// The date, if it exists and `session`'s user is one of its two people.
pub async fn fetch_date(config: &Config, session: &Session, date_id: &str) -> Result<VideoDate, DateError> {
    let body = match send(config, session, Method::GET, &row_url(config, date_id), None).await {
        // `id` is a uuid column: for a link whose id is not a uuid, PostgREST answers 400 (22P02).
        Err(DateError::Status(400)) => return Err(DateError::NotFound),
        body => body?,
    };
    let date = first_row(body)?;
    if date.includes(&session.user_id) {
        Ok(date)
    } else {
        Err(DateError::NotYours)
    }
}

/// Calls one of the date's functions (`POST /rest/v1/rpc/<name>`); a transition the database refuses (400)
/// is [`DateError::Refused`].
pub async fn call(config: &Config, session: &Session, call: DateCall, date_id: &str) -> Result<VideoDate, DateError> {
    let url = format!("{}/rest/v1/rpc/{}", config.supabase_url, call.function());
    let body = serde_json::json!({ "date_id": date_id });
    let answer = match send(config, session, Method::POST, &url, Some(&body)).await {
        Err(DateError::Status(400)) => return Err(DateError::Refused),
        answer => answer?,
    };
    wire::parse(&answer).map_err(|_| DateError::Malformed)
}

async fn send(
    config: &Config,
    session: &Session,
    method: Method,
    url: &str,
    body: Option<&serde_json::Value>,
) -> Result<String, DateError> {
    let authorization = format!("Bearer {}", session.access_token.expose());
    let request = RequestBuilder::new(url)
        .method(method)
        .header("apikey", &config.supabase_anon_key)
        .header("Authorization", &authorization);
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
