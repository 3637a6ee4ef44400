//! The safe Rust face of `livekit-client`. Nothing outside this module sees a JS value of the SDK.

mod sys;

/// A LiveKit room handle.
pub struct Room {
    inner: sys::Room,
}

impl Room {
    pub fn new() -> Self {
        Room { inner: sys::Room::new() }
    }

    /// `None` only if the SDK reports a state this build does not know (a newer SDK).
    pub fn state(&self) -> Option<ConnectionState> {
        ConnectionState::from_sdk(&self.inner.state())
    }
}

impl Default for Room {
    fn default() -> Self {
        Self::new()
    }
}

/// The SDK's `ConnectionState`, whose runtime values are strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Disconnected,
    Connecting,
    Connected,
    Reconnecting,
    SignalReconnecting,
}

impl ConnectionState {
    pub fn from_sdk(value: &str) -> Option<Self> {
        Some(match value {
            "disconnected" => Self::Disconnected,
            "connecting" => Self::Connecting,
            "connected" => Self::Connected,
            "reconnecting" => Self::Reconnecting,
            "signalReconnecting" => Self::SignalReconnecting,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectionState;

    #[test]
    fn connection_states_map_from_the_sdk_strings() {
        assert_eq!(ConnectionState::from_sdk("connected"), Some(ConnectionState::Connected));
        assert_eq!(
            ConnectionState::from_sdk("signalReconnecting"),
            Some(ConnectionState::SignalReconnecting)
        );
        assert_eq!(ConnectionState::from_sdk("Connected"), None);
    }
}
