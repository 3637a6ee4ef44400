//! The connect routine: fetch a token, connect; on an auth error, force-fetch a fresh token and connect
//! exactly once more with it as a fixed source. Nothing else is retried here.

use std::rc::Rc;

use thiserror::Error;
use tracing::Instrument;

use super::error::ConnectError;
use super::room::Room;
use crate::metrics::{self, Metric};
use crate::time;
use crate::token::{EndpointSource, Freshness, TokenError, TokenSource};

/// Why the routine gave up, and how many connect attempts it made (0, 1 or 2).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{cause}")]
pub struct ConnectFailure {
    /// Connect attempts made: 0 when no token came, 1, or 2 after an auth retry.
    pub attempts: u8,
    /// The failure that ended the routine.
    pub cause: FailureCause,
}

/// What failed: getting a token, or connecting with one.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FailureCause {
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("{0}")]
    Connect(#[from] ConnectError),
}

/// The routine succeeded after this many attempts (1, or 2 after an auth retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connected {
    /// 1, or 2 after an auth retry.
    pub attempts: u8,
}

/// Connects `room`, using the token's `serverUrl` when the endpoint named one, else `default_url`.
/// Dropping the returned future abandons the attempt; dropping the room then disconnects it.
pub async fn connect(room: &Room, source: &Rc<EndpointSource>, default_url: &str) -> Result<Connected, ConnectFailure> {
    let first = TokenSource::Endpoint(source.clone());
    let first_error = match attempt(room, &first, default_url, 1).await {
        Ok(()) => return Ok(Connected { attempts: 1 }),
        Err(FailureCause::Connect(err)) if err.is_auth() => err,
        Err(cause) => {
            return Err(ConnectFailure { attempts: u8::from(matches!(cause, FailureCause::Connect(_))), cause })
        }
    };
    let retry = tracing::info_span!("auth_retry", first_error = first_error.kind());
    async {
        tracing::warn!("the server refused the token; fetching a fresh one for the single retry");
        metrics::record(Metric::AuthRetry);
        let fresh =
            source.fetch(Freshness::Fresh).await.map_err(|err| ConnectFailure { attempts: 1, cause: err.into() })?;
        let fixed = TokenSource::Fixed(fresh);
        match attempt(room, &fixed, default_url, 2).await {
            Ok(()) => Ok(Connected { attempts: 2 }),
            Err(cause) => Err(ConnectFailure { attempts: 2, cause }),
        }
    }
    .instrument(retry)
    .await
}

/// One connect attempt; the endpoint source answers from its cache when it can.
async fn attempt(room: &Room, source: &TokenSource, default_url: &str, number: u8) -> Result<(), FailureCause> {
    connect_once(room, source, default_url, number)
        .instrument(tracing::info_span!("connect_attempt", attempt = number))
        .await
}

async fn connect_once(room: &Room, source: &TokenSource, default_url: &str, number: u8) -> Result<(), FailureCause> {
    let issued = source.fetch().await?;
    let url = issued.server_url.as_deref().unwrap_or(default_url);
    tracing::info!(url, "connecting to the video server");
    metrics::record(Metric::ConnectAttempt);
    let started = time::now_ms();
    let result = room.connect(url, &issued.token).await;
    let elapsed_ms = time::elapsed_ms(started);
    match &result {
        Ok(()) => {
            metrics::record(Metric::Connected { attempts: number });
            tracing::info!(elapsed_ms, "connected");
        }
        Err(err) => {
            metrics::record(Metric::ConnectFailed { kind: err.kind() });
            tracing::warn!(elapsed_ms, kind = err.kind(), "connect failed: {err}");
        }
    }
    result.map_err(FailureCause::from)
}
