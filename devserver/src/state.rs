//! Shared state of the devserver.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::faults::Faults;
use crate::realtime::Hub;
use crate::seed::{self, VideoDate};

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
}

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub dates: Arc<Mutex<Vec<VideoDate>>>,
    /// Refresh token -> user id.
    pub refresh_tokens: Arc<Mutex<HashMap<String, String>>>,
    pub faults: Arc<Mutex<Faults>>,
    /// Open realtime sockets, presences and realtime faults.
    pub realtime: Hub,
}

impl AppState {
    pub fn new(settings: Settings) -> Self {
        AppState {
            settings: Arc::new(settings),
            dates: Arc::new(Mutex::new(seed::dates())),
            refresh_tokens: Arc::default(),
            faults: Arc::default(),
            realtime: Hub::default(),
        }
    }

    /// The date whose room is `room`, if `user_id` is one of its two people.
    pub fn date_for_room(&self, room: &str, user_id: &str) -> Option<VideoDate> {
        let dates = self.dates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        dates
            .iter()
            .find(|date| date.room_name == room && (date.user_a == user_id || date.user_b == user_id))
            .cloned()
    }
}
