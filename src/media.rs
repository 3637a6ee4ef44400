//! Camera and microphone for the pre-join preview, as RAII handles: a [`Preview`] stops its tracks when
//! dropped, and a request abandoned mid-prompt stops the stream that arrives after it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::livekit::{MediaDeviceFailure, TrackKind};

/// Which devices to open; `None` is the browser's default, a device id pins one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MediaChoice {
    pub(crate) camera: Option<String>,
    pub(crate) microphone: Option<String>,
}

impl MediaChoice {
    /// The chosen camera (`Video`) or microphone (`Audio`).
    pub(crate) fn device(&self, kind: TrackKind) -> Option<&str> {
        match kind {
            TrackKind::Video => self.camera.as_deref(),
            TrackKind::Audio => self.microphone.as_deref(),
        }
    }

    /// Pins the camera or microphone to `device_id`; an empty id goes back to the browser's default.
    pub(crate) fn choose(&mut self, kind: TrackKind, device_id: String) {
        let slot = match kind {
            TrackKind::Video => &mut self.camera,
            TrackKind::Audio => &mut self.microphone,
        };
        *slot = Some(device_id).filter(|id| !id.is_empty());
    }
}

/// A live camera + microphone stream; dropping it turns the devices off.
#[must_use = "the camera and microphone are turned off when this is dropped"]
pub(crate) struct Preview {
    stream: web_sys::MediaStream,
}

impl Preview {
    pub(crate) fn stream(&self) -> &web_sys::MediaStream {
        &self.stream
    }

    /// Hands the live tracks to whoever publishes them (a room): they leave the preview's stream, so dropping the
    /// preview no longer stops them.
    pub(crate) fn into_tracks(self) -> Vec<web_sys::MediaStreamTrack> {
        let tracks: Vec<web_sys::MediaStreamTrack> =
            self.stream.get_tracks().iter().map(JsCast::unchecked_into).collect();
        for track in &tracks {
            self.stream.remove_track(track);
        }
        tracks
    }

    /// Enables or mutes the tracks of one kind without releasing the device.
    pub(crate) fn set_enabled(&self, kind: TrackKind, enabled: bool) {
        for track in self.stream.get_tracks().iter() {
            let track: web_sys::MediaStreamTrack = track.unchecked_into();
            // The SDK's track kinds are the browser's `MediaStreamTrack.kind`.
            if TrackKind::from_sdk(&track.kind()) == Some(kind) {
                track.set_enabled(enabled);
            }
        }
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        stop_all(&self.stream);
    }
}

fn stop_all(stream: &web_sys::MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
    }
}

/// Owns a requested stream from the moment the browser delivers it, even if the task awaiting it was
/// cancelled in between: dropping the handoff stops whatever it still holds or receives later.
#[derive(Default)]
struct Handoff {
    abandoned: Cell<bool>,
    stream: RefCell<Option<web_sys::MediaStream>>,
}

#[must_use = "the request is abandoned (its stream stopped) when this is dropped"]
struct AbandonOnDrop(Rc<Handoff>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.abandoned.set(true);
        if let Some(stream) = self.0.stream.borrow_mut().take() {
            stop_all(&stream);
        }
    }
}

/// Asks for camera and microphone. The browser may prompt; dropping the future meanwhile is safe.
pub(crate) async fn open_preview(choice: &MediaChoice) -> Result<Preview, MediaDeviceFailure> {
    let devices = web_sys::window()
        .ok_or(MediaDeviceFailure::Other)?
        .navigator()
        .media_devices()
        .map_err(|_| MediaDeviceFailure::NotFound)?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&camera_constraints(choice.camera.as_deref()));
    constraints.set_audio(&device_constraint(choice.microphone.as_deref()));
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|err| MediaDeviceFailure::from_error_name(&error_name(&err)))?;
    let handoff = Rc::new(Handoff::default());
    let guard = AbandonOnDrop(handoff.clone());
    let receive = Closure::once_into_js(move |stream: JsValue| {
        let stream: web_sys::MediaStream = stream.unchecked_into();
        if handoff.abandoned.get() {
            stop_all(&stream);
        } else {
            *handoff.stream.borrow_mut() = Some(stream);
        }
    });
    // Called through JS so the one-shot closure is freed once the promise resolves.
    if let Ok(then) = Reflect::get(&promise, &"then".into()) {
        let _ = then.unchecked_into::<js_sys::Function>().call1(&promise, &receive);
    }
    match JsFuture::from(promise).await {
        Ok(_) => {
            let stream = guard.0.stream.borrow_mut().take().ok_or(MediaDeviceFailure::Other)?;
            Ok(Preview { stream })
        }
        Err(err) => {
            let failure = MediaDeviceFailure::from_error_name(&error_name(&err));
            tracing::warn!(failure = failure.kind(), "camera or microphone unavailable");
            Err(failure)
        }
    }
}

/// The camera as the call sends it: the preview's track is the one published, so it asks for what
/// livekit-client's `createLocalTracks` asks for by default (720p at 30 fps, ideally), on the chosen device.
fn camera_constraints(device_id: Option<&str>) -> JsValue {
    let constraints = Object::new();
    for (name, value) in [("width", 1280), ("height", 720), ("frameRate", 30)] {
        let _ = Reflect::set(&constraints, &name.into(), &value.into());
    }
    if let Some(id) = device_id {
        let _ = Reflect::set(&constraints, &"deviceId".into(), &exact(id));
    }
    constraints.into()
}

fn device_constraint(device_id: Option<&str>) -> JsValue {
    match device_id {
        None => JsValue::TRUE,
        Some(id) => {
            let constraint = Object::new();
            let _ = Reflect::set(&constraint, &"deviceId".into(), &exact(id));
            constraint.into()
        }
    }
}

/// `{exact: id}`: the chosen device or a failure, never another one.
fn exact(id: &str) -> JsValue {
    let exact = Object::new();
    let _ = Reflect::set(&exact, &"exact".into(), &id.into());
    exact.into()
}

fn error_name(error: &JsValue) -> String {
    Reflect::get(error, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// A camera or microphone the person can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Device {
    pub(crate) id: String,
    pub(crate) label: String,
}

/// Cameras and microphones, labelled (labels are only visible once permission was given).
pub(crate) async fn list_devices() -> (Vec<Device>, Vec<Device>) {
    let Some(devices) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(promise) = devices.enumerate_devices() else { return (Vec::new(), Vec::new()) };
    let Ok(list) = JsFuture::from(promise).await else { return (Vec::new(), Vec::new()) };
    let (mut cameras, mut microphones) = (Vec::new(), Vec::new());
    for info in js_sys::Array::from(&list).iter() {
        let info: web_sys::MediaDeviceInfo = info.unchecked_into();
        let numbered = |n: usize, what: &str| format!("{what} {}", n + 1);
        match info.kind() {
            web_sys::MediaDeviceKind::Videoinput => {
                let label =
                    Some(info.label()).filter(|l| !l.is_empty()).unwrap_or_else(|| numbered(cameras.len(), "Camera"));
                cameras.push(Device { id: info.device_id(), label });
            }
            web_sys::MediaDeviceKind::Audioinput => {
                let label = Some(info.label())
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| numbered(microphones.len(), "Microphone"));
                microphones.push(Device { id: info.device_id(), label });
            }
            _ => {}
        }
    }
    (cameras, microphones)
}
