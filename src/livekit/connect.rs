//! The connect routine: connect with the token the caller fetched; on an auth error, fetch a fresh token from the
//! same source and connect exactly once more with it. Nothing else is retried here.

use thiserror::Error;
use tracing::Instrument;

use super::error::ConnectError;
use super::room::Room;
use crate::metrics::{self, Metric};
use crate::time;
use crate::token::{EndpointSource, Freshness, IssuedToken, TokenError};

/// Why the routine gave up, and how many connect attempts it made (1 or 2).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{cause}")]
pub struct ConnectFailure {
    /// Connect attempts made: 1 (also when the retry's fresh token could not be had), or 2 after an auth retry.
    pub attempts: u8,
    /// The failure that ended the routine.
    pub cause: FailureCause,
}

/// What failed: getting a token, or connecting with one.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FailureCause {
    /// The fresh token for the retry could not be had.
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

/// Connects `room` with `issued` (fetched from `source` and checked), at the token's `serverUrl` when the
/// endpoint named one, else `default_url`. Only when the server refuses the token does it ask `source` for a fresh
/// one, once. Dropping the returned future abandons the attempt; dropping the room then disconnects it.
pub async fn connect(
    room: &Room,
    issued: IssuedToken,
    source: &EndpointSource,
    default_url: &str,
) -> Result<Connected, ConnectFailure> {
    let first_error = match attempt(room, &issued, default_url, 1).await {
        Ok(()) => return Ok(Connected { attempts: 1 }),
        Err(err) if err.is_auth() => err,
        Err(err) => return Err(ConnectFailure { attempts: 1, cause: err.into() }),
    };
    let retry = tracing::info_span!("auth_retry", first_error = first_error.kind());
    async {
        tracing::warn!("the server refused the token; fetching a fresh one for the single retry");
        metrics::record(Metric::AuthRetry);
        let fresh =
            source.fetch(Freshness::Fresh).await.map_err(|err| ConnectFailure { attempts: 1, cause: err.into() })?;
        attempt(room, &fresh, default_url, 2).await.map_err(|err| ConnectFailure { attempts: 2, cause: err.into() })?;
        Ok(Connected { attempts: 2 })
    }
    .instrument(retry)
    .await
}

/// One connect attempt, in its own span.
async fn attempt(room: &Room, issued: &IssuedToken, default_url: &str, number: u8) -> Result<(), ConnectError> {
    connect_once(room, issued, default_url, number)
        .instrument(tracing::info_span!("connect_attempt", attempt = number))
        .await
}

async fn connect_once(room: &Room, issued: &IssuedToken, default_url: &str, number: u8) -> Result<(), ConnectError> {
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
    result
}
