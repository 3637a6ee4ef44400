//! A LiveKit room: connect, media, and a guaranteed disconnect when dropped.

use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::error::{ConnectError, ErrorFields, MediaDeviceFailure};
use super::events::{error_name, EventSubscription, RoomEvent};
use super::sys;
use super::types::ConnectionState;
use crate::token::Token;

/// Options for a new room.
#[derive(Debug, Clone, Copy)]
pub struct RoomOptions {
    /// Lower the quality of video nobody is watching at full size.
    pub adaptive_stream: bool,
    /// Stop sending layers nobody subscribes to.
    pub dynacast: bool,
}

impl Default for RoomOptions {
    fn default() -> Self {
        RoomOptions { adaptive_stream: true, dynacast: true }
    }
}

/// A LiveKit room handle. Dropping it disconnects and stops every local track, so leaving the page in any
/// state turns the camera off. Drop its [`EventSubscription`]s first (declare them before the room in a struct).
pub struct Room {
    inner: sys::Room,
}

impl Room {
    pub fn new(options: RoomOptions) -> Self {
        let js = Object::new();
        set(&js, "adaptiveStream", &options.adaptive_stream.into());
        set(&js, "dynacast", &options.dynacast.into());
        Room { inner: sys::Room::new(&js) }
    }

    /// `None` only if the SDK reports a state this build does not know (a newer SDK).
    pub fn state(&self) -> Option<ConnectionState> {
        ConnectionState::from_sdk(&self.inner.state())
    }

    /// Connects with auto-subscribe on; the SDK's error is classified, never passed through raw.
    pub async fn connect(&self, url: &str, token: &Token) -> Result<(), ConnectError> {
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

    pub fn subscribe(&self, handler: impl Fn(RoomEvent) + 'static) -> EventSubscription {
        EventSubscription::new(&self.inner, Rc::new(handler))
    }

    /// Turns the camera on (the given device, or the default) or off.
    pub async fn set_camera_enabled(&self, enabled: bool, device_id: Option<&str>) -> Result<(), MediaDeviceFailure> {
        let options = capture_options(device_id);
        media_result(JsFuture::from(self.inner.local_participant().set_camera_enabled(enabled, &options)).await)
    }

    pub async fn set_microphone_enabled(&self, enabled: bool, device_id: Option<&str>) -> Result<(), MediaDeviceFailure> {
        let options = capture_options(device_id);
        media_result(JsFuture::from(self.inner.local_participant().set_microphone_enabled(enabled, &options)).await)
    }

    /// Switches a live call to another camera (`"videoinput"`) or microphone (`"audioinput"`).
    pub async fn switch_device(&self, kind: &str, device_id: &str) -> bool {
        JsFuture::from(self.inner.switch_active_device(kind, device_id)).await.is_ok()
    }

    /// Shows the local camera in `element`; false while no camera track is published.
    pub fn attach_local_camera(&self, element: &web_sys::HtmlMediaElement) -> bool {
        let track = self.inner.local_participant().get_track_publication("camera").and_then(|p| p.track());
        track.map(|track| track.attach(element)).is_some()
    }

    pub fn is_camera_enabled(&self) -> bool {
        self.inner.local_participant().is_camera_enabled()
    }

    pub fn is_microphone_enabled(&self) -> bool {
        self.inner.local_participant().is_microphone_enabled()
    }

    pub fn local_identity(&self) -> String {
        self.inner.local_participant().identity()
    }

    pub fn remote_identities(&self) -> Vec<String> {
        self.inner.remote_participants().keys().into_iter().filter_map(|k| k.ok()?.as_string()).collect()
    }

    pub fn can_playback_audio(&self) -> bool {
        self.inner.can_playback_audio()
    }

    /// Must run inside a click handler: browsers only unblock audio on a user gesture.
    pub async fn start_audio(&self) -> bool {
        JsFuture::from(self.inner.start_audio()).await.is_ok()
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        // The promise settles on its own; the SDK stops the tracks synchronously when it starts.
        let _ = self.inner.disconnect(true);
    }
}

fn media_result(result: Result<JsValue, JsValue>) -> Result<(), MediaDeviceFailure> {
    result.map(drop).map_err(|err| MediaDeviceFailure::from_error_name(&error_name(&err)))
}

fn capture_options(device_id: Option<&str>) -> JsValue {
    device_id.map_or(JsValue::UNDEFINED, |id| {
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
