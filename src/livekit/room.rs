//! A LiveKit room: connect, media, and a guaranteed disconnect when dropped.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::error::{ConnectError, ErrorFields, MediaDeviceFailure};
use super::events::{error_name, EventSubscription, RoomEvent};
use super::loader::Livekit;
use super::sys;
use super::types::{ConnectionState, TrackKind};
use crate::token::Token;

/// Options for a new room.
#[derive(Debug, Clone, Copy)]
pub struct RoomOptions {
    /// Lower the quality of video nobody is watching at full size.
    pub(crate) adaptive_stream: bool,
    /// Stop sending layers nobody subscribes to.
    pub(crate) dynacast: bool,
}

impl Default for RoomOptions {
    fn default() -> Self {
        RoomOptions { adaptive_stream: true, dynacast: true }
    }
}

/// A LiveKit room handle. Dropping it disconnects and stops every local track, so leaving the page in any
/// state turns the camera off. Drop its [`EventSubscription`]s first (declare them before the room in a struct).
#[must_use = "the room disconnects and stops its tracks when this is dropped"]
pub struct Room {
    inner: sys::Room,
    /// The SDK the room came from, which also opens its camera and microphone.
    sdk: Livekit,
    /// The camera and microphone tracks this room opened, kept from the moment the browser delivers them;
    /// dropping the room stops each of them.
    local_tracks: Rc<RefCell<Vec<sys::Track>>>,
    /// Set on drop: a camera or microphone that finishes starting after that is stopped at once.
    dropped: Rc<Cell<bool>>,
}

/// Which local media to publish, and from which devices (`None`: the browser's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaRequest {
    pub camera: bool,
    pub microphone: bool,
    pub camera_device: Option<String>,
    pub microphone_device: Option<String>,
    /// Tracks already open (the pre-join preview's), published instead of opening their device a second time;
    /// the room owns them from the call on. One of a kind not wanted is stopped.
    pub opened: Vec<web_sys::MediaStreamTrack>,
}

impl Room {
    /// A room of `sdk`, not yet connected; nothing is opened until it connects or [`Room::publish_media`] runs.
    pub fn new(sdk: &Livekit, options: RoomOptions) -> Self {
        let js = Object::new();
        set(&js, "adaptiveStream", &options.adaptive_stream.into());
        set(&js, "dynacast", &options.dynacast.into());
        let inner = sys::new_room(&sdk.module, &js);
        Room { inner, sdk: sdk.clone(), local_tracks: Rc::default(), dropped: Rc::default() }
    }

    /// Before "Join": starts opening the way to the server `url` (DNS, TCP, TLS) so that connecting later is
    /// quicker, and returns at once: "Join" must not wait for a server slow to answer a warm-up. Does nothing
    /// once connecting; the SDK catches and logs a failure itself (without the token), which only costs the head
    /// start.
    pub(crate) fn prepare_connection(&self, url: &str, token: &Token) {
        let _ = self.inner.prepare_connection(url, token.jwt().expose());
    }

    /// `None` only if the SDK reports a state this build does not know (a newer SDK).
    pub fn state(&self) -> Option<ConnectionState> {
        ConnectionState::from_sdk(&self.inner.state())
    }

    /// Connects with auto-subscribe on; the SDK's error is classified, never passed through raw.
    pub(crate) async fn connect(&self, url: &str, token: &Token) -> Result<(), ConnectError> {
        let options = Object::new();
        set(&options, "autoSubscribe", &true.into());
        JsFuture::from(self.inner.connect(url, token.jwt().expose(), &options))
            .await
            .map(drop)
            .map_err(|err| ConnectError::classify(&error_fields(&err)))
    }

    /// Disconnects and stops local tracks; resolves once the SDK is done.
    pub async fn disconnect(&self) {
        let _ = JsFuture::from(self.inner.disconnect(true)).await;
    }

    pub(crate) fn subscribe(&self, handler: impl Fn(RoomEvent) + 'static) -> EventSubscription {
        EventSubscription::new(&self.inner, Rc::new(handler))
    }

    /// Publishes the camera and/or microphone: a live track of `opened`, or else the device opened now (a device id,
    /// or the default). The tracks are the room's: dropping the room stops them, even if they were still starting.
    /// One device failing does not keep the other from publishing; the first failure is returned.
    pub async fn publish_media(&self, request: &MediaRequest) -> Result<(), MediaDeviceFailure> {
        // Adopted before the first await, so the tracks always have an owner that stops them.
        let mut adopted = Vec::new();
        for track in &request.opened {
            let wanted = match TrackKind::from_sdk(&track.kind()) {
                Some(TrackKind::Audio) => request.microphone,
                Some(TrackKind::Video) => request.camera,
                None => false,
            };
            if wanted && track.ready_state() == web_sys::MediaStreamTrackState::Live {
                track.set_enabled(true);
                let adopted_track = sys::adopt_local_track(&self.sdk.module, track);
                self.local_tracks.borrow_mut().push(adopted_track.clone());
                adopted.push(adopted_track);
            } else {
                track.stop();
            }
        }
        let mut outcome = Ok(());
        for (kind, wanted, device_id) in [
            (TrackKind::Audio, request.microphone, request.microphone_device.as_deref()),
            (TrackKind::Video, request.camera, request.camera_device.as_deref()),
        ] {
            let already_open = adopted.iter().find(|track| TrackKind::from_sdk(&track.kind()) == Some(kind));
            let published = match already_open {
                Some(track) => self.publish(track).await,
                None if wanted => self.publish_one(kind, device_id).await,
                None => Ok(()),
            };
            outcome = outcome.and(published);
        }
        outcome
    }

    async fn publish(&self, track: &sys::Track) -> Result<(), MediaDeviceFailure> {
        JsFuture::from(self.inner.local_participant().publish_track(track)).await.map(drop).map_err(|_| MediaDeviceFailure::Other)
    }

    async fn publish_one(&self, kind: TrackKind, device_id: Option<&str>) -> Result<(), MediaDeviceFailure> {
        let other = match kind {
            TrackKind::Audio => TrackKind::Video,
            TrackKind::Video => TrackKind::Audio,
        };
        let options = Object::new();
        set(&options, other.sdk_name(), &false.into());
        set(&options, kind.sdk_name(), &capture_options(device_id));
        let promise = self.sdk.module.create_local_tracks(&options);
        let (dropped, owned) = (self.dropped.clone(), self.local_tracks.clone());
        // Take the tracks as soon as they exist (this task may be cancelled before it resumes); if the
        // room is already gone, stop them instead.
        let receive = Closure::once_into_js(move |tracks: JsValue| {
            for track in js_sys::Array::from(&tracks).iter() {
                let track: sys::Track = track.unchecked_into();
                if dropped.get() {
                    track.media_stream_track().stop();
                } else {
                    owned.borrow_mut().push(track);
                }
            }
        });
        if let Ok(then) = Reflect::get(&promise, &JsValue::from_str("then")) {
            let _ = then.unchecked_into::<js_sys::Function>().call1(&promise, &receive);
        }
        let tracks = JsFuture::from(promise).await.map_err(|err| MediaDeviceFailure::from_error_name(&error_name(&err)))?;
        for track in js_sys::Array::from(&tracks).iter() {
            self.publish(&track.unchecked_into()).await?;
        }
        Ok(())
    }

    /// Mutes (camera: also turns it off) or unmutes our published track of `kind`.
    pub(crate) async fn set_muted(&self, kind: TrackKind, muted: bool) -> bool {
        let Some(track) = self.local_track(kind) else { return false };
        let promise = if muted { track.mute() } else { track.unmute() };
        JsFuture::from(promise).await.is_ok()
    }

    fn local_track(&self, kind: TrackKind) -> Option<sys::Track> {
        self.local_tracks.borrow().iter().find(|t| TrackKind::from_sdk(&t.kind()) == Some(kind)).cloned()
    }

    /// Shows the local camera in `element` (when there is one); true if a camera track is published.
    pub(crate) fn attach_local_camera_to(&self, element: Option<impl AsRef<web_sys::HtmlMediaElement>>) -> bool {
        let Some(track) = self.local_track(TrackKind::Video) else { return false };
        if let Some(element) = element {
            track.attach(element.as_ref());
        }
        true
    }

    pub(crate) fn has_local(&self, kind: TrackKind) -> bool {
        self.local_track(kind).is_some()
    }

    /// Whether our camera is published and not muted, as the SDK sees it.
    pub fn is_camera_enabled(&self) -> bool {
        self.inner.local_participant().is_camera_enabled()
    }

    pub(crate) fn remote_identities(&self) -> Vec<String> {
        self.inner.remote_participants().keys().into_iter().filter_map(|k| k.ok()?.as_string()).collect()
    }

    pub(crate) fn can_playback_audio(&self) -> bool {
        self.inner.can_playback_audio()
    }

    /// Must run inside a click handler: browsers only unblock audio on a user gesture.
    pub(crate) async fn start_audio(&self) -> bool {
        JsFuture::from(self.inner.start_audio()).await.is_ok()
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        self.dropped.set(true);
        // Disconnect first: it unpublishes and stops the published tracks. What was still starting (not yet
        // published) is stopped once the disconnect has settled, at the browser track (see `sys::Track`).
        let tracks = self.local_tracks.clone();
        let stop_the_rest = Closure::once_into_js(move |_: JsValue| {
            for track in tracks.borrow().iter() {
                track.media_stream_track().stop();
            }
        });
        let disconnected = self.inner.disconnect(true);
        if let Ok(then) = Reflect::get(&disconnected, &JsValue::from_str("then")) {
            let _ = then.unchecked_into::<js_sys::Function>().call2(&disconnected, &stop_the_rest, &stop_the_rest);
        }
    }
}

/// `true` (the default device) or `{deviceId}`.
fn capture_options(device_id: Option<&str>) -> JsValue {
    device_id.map_or(JsValue::TRUE, |id| {
        let options = Object::new();
        set(&options, "deviceId", &id.into());
        options.into()
    })
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

fn error_fields(error: &JsValue) -> ErrorFields {
    let field = |key: &str| Reflect::get(error, &JsValue::from_str(key)).ok();
    ErrorFields {
        name: field("name").and_then(|v| v.as_string()),
        message: field("message").and_then(|v| v.as_string()).or_else(|| error.as_string()).unwrap_or_default(),
        reason: field("reason").and_then(|v| v.as_f64()),
        status: field("status").and_then(|v| v.as_f64()),
    }
}
