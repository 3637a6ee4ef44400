//! PostgREST calls on the date's row: read it, and change it only through the date's functions
//! (`supabase/migrations/`); the table itself is read-only to the page.

use thiserror::Error;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::session::Session;
use super::video_date::{Timestamp, VideoDate};
use gloo_net::http::{Method, RequestBuilder};

use crate::config::Config;
use crate::token::sanitize_excerpt;
use crate::url::with_query;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum DateError {
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
    /// A transition the database refused, with its sentence for the person.
    #[error("{0}")]
    Refused(Refusal),
}

/// Why the database refused a transition: the migration's `hint` key, in the page's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub(crate) enum Refusal {
    #[error("This date has already ended.")]
    DateEnded,
    #[error("The date starts once you are both in; you can ask for more time then.")]
    DateNotLive,
    #[error("Your date already asked for more time: answer their request instead.")]
    ExtensionPending,
    #[error("This date has had all the extra time it can have.")]
    ExtensionLimit,
    #[error("There is no request for more time to answer any more.")]
    NoExtensionRequest,
    #[error("The date isn't over yet: you can answer once it has ended.")]
    DateNotEnded,
    #[error("You have already answered.")]
    AlreadyAnswered,
    /// A key this page does not know (a newer migration): the generic sentence.
    #[error("The date has moved on, so that could not be done. Reload the page to see where it stands.")]
    Other,
}

impl Refusal {
    /// The migration's hint keys (`private.refuse`); `own_extension_request` and `answer_required` are things
    /// the page never sends, so they read as [`Refusal::Other`].
    pub(crate) fn from_hint(hint: &str) -> Refusal {
        match hint {
            "date_ended" => Refusal::DateEnded,
            "date_not_live" => Refusal::DateNotLive,
            "extension_pending" => Refusal::ExtensionPending,
            "extension_limit" => Refusal::ExtensionLimit,
            "no_extension_request" => Refusal::NoExtensionRequest,
            "date_not_ended" => Refusal::DateNotEnded,
            "already_answered" => Refusal::AlreadyAnswered,
            _ => Refusal::Other,
        }
    }
}

/// The date's functions that change it; each returns the row as it now is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateCall {
    /// Records that you joined; with both in, the date goes live.
    Join,
    /// Asks your date for five more minutes.
    RequestExtension,
    /// Answers your date's request for more time.
    AnswerExtension(Answer),
    /// Ends the date (or returns it as it is, if it has ended). Past `ends_at` it records the time-up instead.
    End,
}

/// A yes or no to a question the other person (or the date) asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Yes,
    No,
}

impl Answer {
    fn as_bool(self) -> bool {
        self == Answer::Yes
    }
}

impl DateCall {
    fn function(self) -> &'static str {
        match self {
            DateCall::Join => "join_date",
            DateCall::RequestExtension => "request_extension",
            DateCall::AnswerExtension(_) => "answer_extension",
            DateCall::End => "end_date",
        }
    }

    fn body(self, date_id: &str) -> serde_json::Value {
        match self {
            DateCall::AnswerExtension(answer) => serde_json::json!({ "date_id": date_id, "accept": answer.as_bool() }),
            _ => serde_json::json!({ "date_id": date_id }),
        }
    }
}

/// `answer_meet_again`'s result: the outcome only once both have answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MeetAgainResult {
    Waiting,
    Match,
    NoMatch,
}

/// What the page needs besides the row (`date_page_context` in the migrations).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct PageContext {
    /// The database's `now()`, for [`crate::date::ServerClock`].
    pub(crate) now: Timestamp,
    pub(crate) partner_name: Option<String>,
}

fn row_url(config: &Config, date_id: &str) -> String {
    let base = format!("{}/rest/v1/video_dates", config.supabase_url);
    with_query(&base, &[("id", &format!("eq.{date_id}")), ("select", "*")])
}

/// The date, if it exists and `session`'s user is one of its two people.
pub(crate) async fn fetch_date(config: &Config, session: &Session, date_id: &str) -> Result<VideoDate, DateError> {
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

/// Calls one of the date's functions (`POST /rest/v1/rpc/<name>`).
pub(crate) async fn call(
    config: &Config,
    session: &Session,
    call: DateCall,
    date_id: &str,
) -> Result<VideoDate, DateError> {
    rpc(config, session, call.function(), &call.body(date_id)).await
}

/// Answers "would you like to meet again?".
pub(crate) async fn answer_meet_again(
    config: &Config,
    session: &Session,
    date_id: &str,
    answer: Answer,
) -> Result<MeetAgainResult, DateError> {
    let body = serde_json::json!({ "date_id": date_id, "yes": answer.as_bool() });
    rpc(config, session, "answer_meet_again", &body).await
}

/// The database's clock and the partner's name; the caller times the exchange for the clock's offset.
pub(crate) async fn page_context(config: &Config, session: &Session, date_id: &str) -> Result<PageContext, DateError> {
    rpc(config, session, "date_page_context", &serde_json::json!({ "date_id": date_id })).await
}

/// `POST /rest/v1/rpc/<function>`; a transition the database refuses (400 with the migration's hint) is
/// [`DateError::Refused`].
async fn rpc<T: DeserializeOwned>(
    config: &Config,
    session: &Session,
    function: &str,
    body: &serde_json::Value,
) -> Result<T, DateError> {
    let url = format!("{}/rest/v1/rpc/{function}", config.supabase_url);
    let answer = send(config, session, Method::POST, &url, Some(body)).await?;
    wire::parse(&answer).map_err(|_| DateError::Malformed)
}

/// PostgREST's error body; only the hint is read, the message is the database's wording.
#[derive(Deserialize)]
struct ErrorBody {
    hint: Option<String>,
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
        400 => {
            let body = response.text().await.unwrap_or_default();
            let hint = wire::parse::<ErrorBody>(&body).ok().and_then(|body| body.hint);
            Err(match hint {
                Some(hint) => DateError::Refused(Refusal::from_hint(&hint)),
                // Not one of the migration's refusals (a malformed request, such as `fetch_date`'s id).
                None => DateError::Status(400),
            })
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hint_the_page_can_meet_has_its_own_sentence() {
        let keys = [
            "date_ended",
            "date_not_live",
            "extension_pending",
            "extension_limit",
            "no_extension_request",
            "date_not_ended",
            "already_answered",
        ];
        let refusals: Vec<Refusal> = keys.iter().map(|key| Refusal::from_hint(key)).collect();
        for (key, refusal) in keys.iter().zip(&refusals) {
            assert_ne!(*refusal, Refusal::Other, "{key}");
            assert!(refusal.to_string().ends_with('.'), "{key}: a sentence");
        }
        assert_eq!(Refusal::from_hint("a_key_from_a_newer_migration"), Refusal::Other);
    }

    #[test]
    fn answers_go_out_as_the_functions_booleans() {
        let body = DateCall::AnswerExtension(Answer::No).body("d1");
        assert_eq!(body, serde_json::json!({"date_id": "d1", "accept": false}));
        assert_eq!(DateCall::End.body("d1"), serde_json::json!({"date_id": "d1"}));
    }
}
