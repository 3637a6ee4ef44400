//! The SDK's enums as Rust types (pure: they map from the plain strings and numbers the SDK uses at runtime).

/// `ConnectionState`, whose runtime values are strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Disconnected,
    Connecting,
    Connected,
    Reconnecting,
    SignalReconnecting,
}

impl ConnectionState {
    pub(crate) fn from_sdk(value: &str) -> Option<Self> {
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

/// `ConnectionQuality`; `Unknown` also stands for a value this build does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionQuality {
    Excellent,
    Good,
    Poor,
    Lost,
    Unknown,
}

impl ConnectionQuality {
    pub(crate) fn from_sdk(value: &str) -> Self {
        match value {
            "excellent" => Self::Excellent,
            "good" => Self::Good,
            "poor" => Self::Poor,
            "lost" => Self::Lost,
            _ => Self::Unknown,
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::Poor => "poor",
            Self::Lost => "lost",
            Self::Unknown => "unknown",
        }
    }
}

/// `DisconnectReason` (livekit protocol `livekit_models.proto`), numeric at runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DisconnectReason {
    Unknown,
    ClientInitiated,
    DuplicateIdentity,
    ServerShutdown,
    ParticipantRemoved,
    RoomDeleted,
    StateMismatch,
    JoinFailure,
    Migration,
    SignalClose,
    RoomClosed,
    UserUnavailable,
    UserRejected,
    SipTrunkFailure,
    ConnectionTimeout,
    MediaFailure,
    AgentError,
}

impl DisconnectReason {
    /// `None` (the SDK passes `undefined` when reconnection gave up) and unknown numbers are `Unknown`.
    pub(crate) fn from_sdk(value: Option<f64>) -> Self {
        const ALL: [DisconnectReason; 17] = [
            DisconnectReason::Unknown,
            DisconnectReason::ClientInitiated,
            DisconnectReason::DuplicateIdentity,
            DisconnectReason::ServerShutdown,
            DisconnectReason::ParticipantRemoved,
            DisconnectReason::RoomDeleted,
            DisconnectReason::StateMismatch,
            DisconnectReason::JoinFailure,
            DisconnectReason::Migration,
            DisconnectReason::SignalClose,
            DisconnectReason::RoomClosed,
            DisconnectReason::UserUnavailable,
            DisconnectReason::UserRejected,
            DisconnectReason::SipTrunkFailure,
            DisconnectReason::ConnectionTimeout,
            DisconnectReason::MediaFailure,
            DisconnectReason::AgentError,
        ];
        value
            .filter(|v| v.fract() == 0.0 && *v >= 0.0)
            .and_then(|v| ALL.get(v as usize).copied())
            .unwrap_or(Self::Unknown)
    }

    /// The protocol's name, for logs and metrics.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::ClientInitiated => "client_initiated",
            Self::DuplicateIdentity => "duplicate_identity",
            Self::ServerShutdown => "server_shutdown",
            Self::ParticipantRemoved => "participant_removed",
            Self::RoomDeleted => "room_deleted",
            Self::StateMismatch => "state_mismatch",
            Self::JoinFailure => "join_failure",
            Self::Migration => "migration",
            Self::SignalClose => "signal_close",
            Self::RoomClosed => "room_closed",
            Self::UserUnavailable => "user_unavailable",
            Self::UserRejected => "user_rejected",
            Self::SipTrunkFailure => "sip_trunk_failure",
            Self::ConnectionTimeout => "connection_timeout",
            Self::MediaFailure => "media_failure",
            Self::AgentError => "agent_error",
        }
    }

    /// What the person reads when the call ends this way.
    pub(crate) fn sentence(self) -> &'static str {
        match self {
            Self::ClientInitiated => "You left the call.",
            Self::DuplicateIdentity => "You joined this date from another tab or device, so this one was disconnected.",
            Self::ServerShutdown | Self::Migration => "The video server restarted. Rejoin to continue your date.",
            Self::ParticipantRemoved => "You were removed from the call.",
            Self::RoomDeleted | Self::RoomClosed => "The call was closed.",
            Self::JoinFailure | Self::SignalClose | Self::ConnectionTimeout | Self::StateMismatch => {
                "The connection to the video server was lost. Check your connection, then rejoin."
            }
            Self::MediaFailure => {
                "Audio and video could not get through your network. Try another network, then rejoin."
            }
            Self::UserRejected | Self::UserUnavailable | Self::SipTrunkFailure | Self::AgentError | Self::Unknown => {
                "The call was disconnected. Rejoin to continue your date."
            }
        }
    }
}

/// A track's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    pub(crate) fn from_sdk(value: &str) -> Option<Self> {
        match value {
            "audio" => Some(Self::Audio),
            "video" => Some(Self::Video),
            _ => None,
        }
    }

    /// The SDK's name, also the key of its `createLocalTracks` options.
    pub(crate) fn sdk_name(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_states_map_from_the_sdk_strings() {
        assert_eq!(ConnectionState::from_sdk("connected"), Some(ConnectionState::Connected));
        assert_eq!(ConnectionState::from_sdk("signalReconnecting"), Some(ConnectionState::SignalReconnecting));
        assert_eq!(ConnectionState::from_sdk("Connected"), None);
    }

    #[test]
    fn qualities_map_and_unknown_values_are_unknown() {
        assert_eq!(ConnectionQuality::from_sdk("excellent"), ConnectionQuality::Excellent);
        assert_eq!(ConnectionQuality::from_sdk("lost"), ConnectionQuality::Lost);
        assert_eq!(ConnectionQuality::from_sdk("superb"), ConnectionQuality::Unknown);
    }

    #[test]
    fn disconnect_reasons_follow_the_protocol_numbers() {
        assert_eq!(DisconnectReason::from_sdk(Some(1.0)), DisconnectReason::ClientInitiated);
        assert_eq!(DisconnectReason::from_sdk(Some(2.0)), DisconnectReason::DuplicateIdentity);
        assert_eq!(DisconnectReason::from_sdk(Some(3.0)), DisconnectReason::ServerShutdown);
        assert_eq!(DisconnectReason::from_sdk(Some(14.0)), DisconnectReason::ConnectionTimeout);
        assert_eq!(DisconnectReason::from_sdk(Some(16.0)), DisconnectReason::AgentError);
        for unknown in [None, Some(17.0), Some(-1.0), Some(2.5)] {
            assert_eq!(DisconnectReason::from_sdk(unknown), DisconnectReason::Unknown);
        }
        assert!(DisconnectReason::DuplicateIdentity.sentence().contains("another tab"));
    }

    #[test]
    fn each_disconnect_reason_has_its_own_name() {
        let mut names: Vec<_> = (0..17).map(|n| DisconnectReason::from_sdk(Some(f64::from(n))).name()).collect();
        assert_eq!(names[3], "server_shutdown");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 17);
    }

    #[test]
    fn track_kinds() {
        assert_eq!(TrackKind::from_sdk("video"), Some(TrackKind::Video));
        assert_eq!(TrackKind::from_sdk("data"), None);
        for kind in [TrackKind::Audio, TrackKind::Video] {
            assert_eq!(TrackKind::from_sdk(kind.sdk_name()), Some(kind));
        }
    }
}
