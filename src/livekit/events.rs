//! `RoomEvent`s as one Rust enum, and listener handles that unsubscribe when dropped.

use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::MediaDeviceFailure;
use super::sys;
use super::types::{ConnectionQuality, DisconnectReason, TrackKind};

/// A remote participant's track, to show or play.
#[derive(Debug, Clone)]
pub(crate) struct RemoteTrack(sys::Track);

impl RemoteTrack {
    pub(crate) fn kind(&self) -> Option<TrackKind> {
        TrackKind::from_sdk(&self.0.kind())
    }

    pub(crate) fn attach(&self, element: &web_sys::HtmlMediaElement) {
        self.0.attach(element);
    }
}

#[derive(Debug, Clone)]
pub(crate) enum RoomEvent {
    Connected,
    Reconnecting,
    /// Only the signalling connection is resuming; media may still flow.
    SignalReconnecting,
    Reconnected,
    Disconnected(DisconnectReason),
    ConnectionQualityChanged { quality: ConnectionQuality, identity: String, is_local: bool },
    ParticipantConnected { identity: String },
    /// `reason` is `None` when the SDK itself dropped the participant, as it does for everyone when its own
    /// connection starts over, and when the server gave none.
    ParticipantDisconnected { identity: String, reason: Option<DisconnectReason> },
    TrackSubscribed { identity: String, track: RemoteTrack },
    /// Someone turned a camera off or muted a microphone (`kind` is `None` for a kind this build does not know).
    TrackMuted { identity: String, kind: Option<TrackKind> },
    TrackUnmuted { identity: String, kind: Option<TrackKind> },
    MediaDevicesError(MediaDeviceFailure),
    /// `false` when the browser blocked playback until the person clicks.
    AudioPlaybackChanged { playing: bool },
}

/// The SDK's event names (`RoomEvent` string values; two differ from their key names).
const EVENT_NAMES: [&str; 13] = [
    "connected",
    "reconnecting",
    "signalReconnecting",
    "reconnected",
    "disconnected",
    "connectionQualityChanged",
    "participantConnected",
    "participantDisconnected",
    "trackSubscribed",
    "trackMuted",
    "trackUnmuted",
    "mediaDevicesError",
    "audioPlaybackChanged",
];

type Listener = Closure<dyn FnMut(JsValue, JsValue, JsValue)>;

/// Listens to every room event while it lives; dropping it removes each listener from the room.
#[must_use = "the room listeners are removed when this is dropped"]
pub(crate) struct EventSubscription {
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
        "trackMuted" => RoomEvent::TrackMuted { identity: identity_of(b), kind: publication_kind(&a) },
        "trackUnmuted" => RoomEvent::TrackUnmuted { identity: identity_of(b), kind: publication_kind(&a) },
        "mediaDevicesError" => RoomEvent::MediaDevicesError(MediaDeviceFailure::from_error_name(&error_name(&a))),
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
