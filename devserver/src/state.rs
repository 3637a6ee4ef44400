//! Shared state of the devserver.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::db::Db;
use crate::faults::Faults;
use crate::realtime::Hub;

/// Settings fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub livekit_url: String,
    pub livekit_key: String,
    pub livekit_secret: String,
    pub jwt_secret: String,
    pub anon_key: String,
    pub session_ttl_secs: u64,
    pub token_ttl_secs: u64,
    /// A realtime socket that sends nothing for this long is closed.
    pub realtime_idle_timeout: Duration,
    pub faults_enabled: bool,
    /// The database as its superuser (`postgres`): shim and migrations applied (see `supabase/`).
    pub database: tokio_postgres::Config,
}

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    /// Refresh token -> user id.
    pub refresh_tokens: Arc<Mutex<HashMap<String, String>>>,
    pub faults: Arc<Mutex<Faults>>,
    /// Open realtime sockets, presences and realtime faults.
    pub realtime: Hub,
}

impl AppState {
    pub fn new(settings: Settings, db: Db) -> Self {
        AppState {
            settings: Arc::new(settings),
            db,
            refresh_tokens: Arc::default(),
            faults: Arc::default(),
            realtime: Hub::default(),
        }
    }
}
