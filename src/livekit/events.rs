//! `RoomEvent`s as one Rust enum, and listener handles that unsubscribe when dropped.

use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::MediaDeviceFailure;
use super::sys;
use super::types::{ConnectionQuality, ConnectionState, DisconnectReason, TrackKind};

/// A remote participant's track, to show or play.
#[derive(Debug, Clone)]
pub struct RemoteTrack(sys::Track);

impl RemoteTrack {
    pub fn kind(&self) -> Option<TrackKind> {
        TrackKind::from_sdk(&self.0.kind())
    }

    pub fn attach(&self, element: &web_sys::HtmlMediaElement) {
        self.0.attach(element);
    }

    pub fn detach(&self, element: &web_sys::HtmlMediaElement) {
        self.0.detach(element);
    }
}

#[derive(Debug, Clone)]
pub enum RoomEvent {
    Connected,
    Reconnecting,
    /// Only the signalling connection is resuming; media may still flow.
    SignalReconnecting,
    Reconnected,
    Disconnected(DisconnectReason),
    ConnectionStateChanged(ConnectionState),
    ConnectionQualityChanged { quality: ConnectionQuality, identity: String, is_local: bool },
    ParticipantConnected { identity: String },
    /// `reason` is `None` when the SDK itself dropped the participant, as it does for everyone when its own
    /// connection starts over, and when the server gave none.
    ParticipantDisconnected { identity: String, reason: Option<DisconnectReason> },
    TrackSubscribed { identity: String, track: RemoteTrack },
    TrackUnsubscribed { identity: String, track: RemoteTrack },
    TrackSubscriptionFailed { identity: String },
    /// Someone turned a camera off or muted a microphone (`kind` is `None` for a kind this build does not know).
    TrackMuted { identity: String, kind: Option<TrackKind> },
    TrackUnmuted { identity: String, kind: Option<TrackKind> },
    MediaDevicesError(MediaDeviceFailure),
    ActiveDeviceChanged { kind: String, device_id: String },
    /// `false` when the browser blocked playback until the person clicks.
    AudioPlaybackChanged { playing: bool },
}

/// The SDK's event names (`RoomEvent` string values; two differ from their key names).
const EVENT_NAMES: [&str; 17] = [
    "connected",
    "reconnecting",
    "signalReconnecting",
    "reconnected",
    "disconnected",
    "connectionStateChanged",
    "connectionQualityChanged",
    "participantConnected",
    "participantDisconnected",
    "trackSubscribed",
    "trackUnsubscribed",
    "trackSubscriptionFailed",
    "trackMuted",
    "trackUnmuted",
    "mediaDevicesError",
    "activeDeviceChanged",
    "audioPlaybackChanged",
];

type Listener = Closure<dyn FnMut(JsValue, JsValue, JsValue)>;

/// Listens to every room event while it lives; dropping it removes each listener from the room.
pub struct EventSubscription {
    room: sys::Room,
    listeners: Vec<(&'static str, Listener)>,
}

impl EventSubscription {
    pub(super) fn new(room: &sys::Room, handler: Rc<dyn Fn(RoomEvent)>) -> Self {
        let listeners = EVENT_NAMES
            .iter()
            .map(|&name| {
                let handler = handler.clone();
                let listener: Listener = Closure::new(move |a: JsValue, b: JsValue, c: JsValue| {
                    if let Some(event) = decode(name, a, b, c) {
                        handler(event);
                    }
                });
                room.on(name, listener.as_ref().unchecked_ref());
                (name, listener)
            })
            .collect();
        EventSubscription { room: room.clone(), listeners }
    }
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        for (name, listener) in &self.listeners {
            self.room.off(name, listener.as_ref().unchecked_ref());
        }
    }
}

fn decode(name: &str, a: JsValue, b: JsValue, c: JsValue) -> Option<RoomEvent> {
    Some(match name {
        "connected" => RoomEvent::Connected,
        "reconnecting" => RoomEvent::Reconnecting,
        "signalReconnecting" => RoomEvent::SignalReconnecting,
        "reconnected" => RoomEvent::Reconnected,
        "disconnected" => RoomEvent::Disconnected(DisconnectReason::from_sdk(a.as_f64())),
        "connectionStateChanged" => RoomEvent::ConnectionStateChanged(ConnectionState::from_sdk(&a.as_string()?)?),
        "connectionQualityChanged" => {
            let participant: sys::Participant = b.unchecked_into();
            RoomEvent::ConnectionQualityChanged {
                quality: ConnectionQuality::from_sdk(&a.as_string().unwrap_or_default()),
                identity: participant.identity(),
                is_local: participant.is_local(),
            }
        }
        "participantConnected" => RoomEvent::ParticipantConnected { identity: identity_of(a) },
        "participantDisconnected" => RoomEvent::ParticipantDisconnected {
            identity: identity_of(a),
            reason: b.as_f64().map(|n| DisconnectReason::from_sdk(Some(n))),
        },
        "trackSubscribed" => RoomEvent::TrackSubscribed { identity: identity_of(c), track: RemoteTrack(a.unchecked_into()) },
        "trackUnsubscribed" => RoomEvent::TrackUnsubscribed { identity: identity_of(c), track: RemoteTrack(a.unchecked_into()) },
        "trackSubscriptionFailed" => RoomEvent::TrackSubscriptionFailed { identity: identity_of(b) },
        "trackMuted" => RoomEvent::TrackMuted { identity: identity_of(b), kind: publication_kind(&a) },
        "trackUnmuted" => RoomEvent::TrackUnmuted { identity: identity_of(b), kind: publication_kind(&a) },
        "mediaDevicesError" => RoomEvent::MediaDevicesError(MediaDeviceFailure::from_error_name(&error_name(&a))),
        "activeDeviceChanged" => RoomEvent::ActiveDeviceChanged {
            kind: a.as_string().unwrap_or_default(),
            device_id: b.as_string().unwrap_or_default(),
        },
        "audioPlaybackChanged" => RoomEvent::AudioPlaybackChanged { playing: a.as_bool().unwrap_or(false) },
        _ => return None,
    })
}

fn publication_kind(publication: &JsValue) -> Option<TrackKind> {
    publication.is_object().then(|| TrackKind::from_sdk(&publication.unchecked_ref::<sys::TrackPublication>().kind()))?
}

fn identity_of(participant: JsValue) -> String {
    if participant.is_object() {
        participant.unchecked_into::<sys::Participant>().identity()
    } else {
        String::new()
    }
}

pub(super) fn error_name(error: &JsValue) -> String {
    Reflect::get(error, &JsValue::from_str("name")).ok().and_then(|v| v.as_string()).unwrap_or_default()
}
