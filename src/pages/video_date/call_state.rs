//! What the call shows, as signals the LiveKit event handler writes and the view reads.

use leptos::prelude::*;

use crate::date::PartnerLink;
use crate::livekit::{ConnectionQuality, DisconnectReason, RoomEvent, TrackKind};
use crate::metrics::{self, Metric};
use crate::time;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallPhase {
    FetchingToken,
    Connecting,
    Connected,
    Reconnecting,
    Disconnected(DisconnectReason),
    /// The connect routine gave up; the sentence says why and what to do.
    Failed(String),
}

impl CallPhase {
    /// A stable name for attributes, diagnostics and logs.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::FetchingToken => "fetching-token",
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Disconnected(_) => "disconnected",
            Self::Failed(_) => "failed",
        }
    }

    pub(crate) fn sentence(&self) -> String {
        match self {
            Self::FetchingToken => "Getting your pass to the call…".into(),
            Self::Connecting => "Connecting to the call…".into(),
            Self::Connected => "You're in the call.".into(),
            Self::Reconnecting => "Connection lost. Reconnecting…".into(),
            Self::Disconnected(reason) => reason.sentence().into(),
            Self::Failed(why) => why.clone(),
        }
    }
}

/// Every signal the call view reads. `Copy`, so event handlers and views share it freely.
#[derive(Clone, Copy)]
pub(crate) struct CallSignals {
    pub(crate) phase: RwSignal<CallPhase>,
    /// The partner in the call: a drop (their connection, or ours starting over) has a grace window before the
    /// page says they left; only a clean leave is final at once.
    pub(crate) partner: RwSignal<PartnerLink>,
    pub(crate) local_quality: RwSignal<ConnectionQuality>,
    pub(crate) partner_quality: RwSignal<ConnectionQuality>,
    pub(crate) audio_blocked: RwSignal<bool>,
    pub(crate) microphone_on: RwSignal<bool>,
    pub(crate) camera_on: RwSignal<bool>,
    pub(crate) device_problem: RwSignal<Option<String>>,
    pub(crate) partner_camera_off: RwSignal<bool>,
    /// `Date.now()` when "Join" was clicked, and when the current reconnect began.
    pub(crate) joined_at: StoredValue<f64>,
    pub(crate) reconnecting_since: StoredValue<Option<f64>>,
}

impl CallSignals {
    pub(crate) fn new() -> Self {
        CallSignals {
            phase: RwSignal::new(CallPhase::FetchingToken),
            partner: RwSignal::new(PartnerLink::NotJoined),
            local_quality: RwSignal::new(ConnectionQuality::Unknown),
            partner_quality: RwSignal::new(ConnectionQuality::Unknown),
            audio_blocked: RwSignal::new(false),
            microphone_on: RwSignal::new(true),
            camera_on: RwSignal::new(true),
            device_problem: RwSignal::new(None),
            partner_camera_off: RwSignal::new(false),
            joined_at: StoredValue::new(0.0),
            reconnecting_since: StoredValue::new(None),
        }
    }

    /// Applies a room event. `try_set` because an event may still arrive while the page is torn down.
    pub(crate) fn apply(&self, event: &RoomEvent, partner_id: &str) {
        match event {
            RoomEvent::Connected | RoomEvent::Reconnected => {
                if let Some(Some(since)) = self.reconnecting_since.try_update_value(Option::take) {
                    metrics::record(Metric::Reconnected { ms: time::elapsed_ms(since) });
                }
                self.phase.try_set(CallPhase::Connected);
            }
            RoomEvent::Reconnecting | RoomEvent::SignalReconnecting => {
                if self.reconnecting_since.try_get_value().flatten().is_none() {
                    metrics::record(Metric::Reconnecting);
                    self.reconnecting_since.try_set_value(Some(time::now_ms()));
                }
                self.phase.try_set(CallPhase::Reconnecting);
            }
            RoomEvent::Disconnected(reason) => {
                tracing::info!(reason = reason.name(), "disconnected");
                metrics::record(Metric::Disconnected { reason: reason.name() });
                self.phase.try_set(CallPhase::Disconnected(*reason));
            }
            RoomEvent::ParticipantConnected { identity } if identity == partner_id => {
                self.partner.try_update(|link| *link = link.present());
            }
            RoomEvent::ParticipantDisconnected { identity, reason } if identity == partner_id => {
                let left = *reason == Some(DisconnectReason::ClientInitiated);
                let now = time::now_ms();
                self.partner.try_update(|link| *link = if left { link.left() } else { link.dropped(now) });
            }
            RoomEvent::ConnectionQualityChanged { quality, is_local: true, .. } => {
                self.local_quality.try_set(*quality);
            }
            RoomEvent::ConnectionQualityChanged { quality, identity, .. } if identity == partner_id => {
                self.partner_quality.try_set(*quality);
            }
            RoomEvent::TrackMuted { identity, kind: Some(TrackKind::Video) } if identity == partner_id => {
                self.partner_camera_off.try_set(true);
            }
            RoomEvent::TrackUnmuted { identity, kind: Some(TrackKind::Video) } if identity == partner_id => {
                self.partner_camera_off.try_set(false);
            }
            RoomEvent::AudioPlaybackChanged { playing } => {
                self.audio_blocked.try_set(!playing);
            }
            RoomEvent::MediaDevicesError(failure) => {
                tracing::warn!(failure = failure.kind(), "media device error in the call");
                metrics::record(Metric::MediaFailure { kind: failure.kind() });
                self.device_problem.try_set(Some(failure.to_string()));
            }
            _ => {}
        }
    }
}
