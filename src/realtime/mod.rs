//! Supabase Realtime over the browser WebSocket: the date page follows its `video_dates` row with a
//! [`ResilientChannel`], which resubscribes with exponential backoff and shows its state through
//! [`RealtimeStatus`]. The server it is tested against is the devserver's stand-in (`devserver/src/realtime/`,
//! held to realtime-js by `devserver/tests/js_clients.rs`); the failures it recovers from are `tests/realtime.rs`.

mod backoff;
mod channel;
mod protocol;
mod resilient;
mod socket;

use std::time::Duration;

pub use backoff::BackoffPolicy;
pub use protocol::{ChangeType, PostgresChange};
pub use resilient::{RealtimeStatus, ResilientChannel};

use crate::token::Secret;

/// Everything a [`ResilientChannel`] needs; [`RealtimeOptions::new`] fills in the defaults.
#[derive(Debug, Clone)]
pub struct RealtimeOptions {
    /// The project's `http(s)://` URL, e.g. `http://127.0.0.1:8797` or `https://x.supabase.co`.
    pub supabase_url: String,
    pub anon_key: String,
    /// The signed-in user's JWT: row-level security decides which changes they may see.
    pub access_token: Secret,
    /// The channel name, e.g. `video-date:<id>`; the topic is `realtime:<channel>`.
    pub channel: String,
    /// The table to follow in schema `public`, e.g. `video_dates`.
    pub table: String,
    /// A PostgREST-style row filter, e.g. `id=eq.<id>`.
    pub filter: String,
    pub backoff: BackoffPolicy,
    /// A join without a reply for this long counts as failed (realtime-js: 10 s).
    pub join_timeout: Duration,
    /// Heartbeat period; one left unanswered until the next closes the socket (realtime-js: 25 s; the server
    /// drops a socket that is silent for 60 s).
    pub heartbeat_interval: Duration,
}

impl RealtimeOptions {
    /// The defaults: [`BackoffPolicy::default`], realtime-js's 10 s join timeout and 25 s heartbeat.
    pub fn new(
        supabase_url: impl Into<String>,
        anon_key: impl Into<String>,
        access_token: Secret,
        channel: impl Into<String>,
        table: impl Into<String>,
        filter: impl Into<String>,
    ) -> Self {
        RealtimeOptions {
            supabase_url: supabase_url.into(),
            anon_key: anon_key.into(),
            access_token,
            channel: channel.into(),
            table: table.into(),
            filter: filter.into(),
            backoff: BackoffPolicy::default(),
            join_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(25),
        }
    }
}
