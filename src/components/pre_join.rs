//! Pre-join: camera and microphone preview, device pickers, mute toggles, and a clear screen when the
//! devices can't be used, with a way to try again.

use leptos::prelude::*;

use crate::livekit::{MediaDeviceFailure, TrackKind};
use crate::media::{list_devices, open_preview, Device, MediaChoice, Preview};
use crate::task::{current_owner, spawn_in};

/// What the person chose before joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinChoice {
    pub(crate) devices: MediaChoice,
    pub(crate) camera_on: bool,
    pub(crate) microphone_on: bool,
}

/// "Join the date" clicked: the choices, and the preview with its camera and microphone still open, for the call
/// to publish (dropping it turns them off).
pub(crate) struct Joining {
    pub(crate) choice: JoinChoice,
    pub(crate) preview: Option<Preview>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PreviewState {
    Asking,
    Ready,
    Failed(MediaDeviceFailure),
}

/// The pre-join screen: the camera preview, mute toggles and device pickers, or what went wrong with the
/// devices and "Try again"; "Join the date" is enabled once the preview runs.
#[component]
pub(crate) fn PreJoin(
    /// "Join the date" was clicked, with the devices and toggles chosen and the preview handed over.
    on_join: Callback<Joining>,
    /// Receives each status sentence for the page's live region.
    #[prop(into)]
    announce: WriteSignal<String>,
) -> impl IntoView {
    let state = RwSignal::new(PreviewState::Asking);
    let choice = RwSignal::new(MediaChoice::default());
    let camera_on = RwSignal::new(true);
    let microphone_on = RwSignal::new(true);
    let cameras = RwSignal::new(Vec::<Device>::new());
    let microphones = RwSignal::new(Vec::<Device>::new());
    let preview = StoredValue::new_local(None::<Preview>);
    let video = NodeRef::<leptos::html::Video>::new();
    let owner = StoredValue::new_local(current_owner());

    let open = move || {
        state.set(PreviewState::Asking);
        announce.set("Asking for your camera and microphone…".into());
        preview.set_value(None);
        spawn_in(&owner.get_value(), async move {
            match open_preview(&choice.get_untracked()).await {
                Ok(opened) => {
                    if let Some(element) = video.get_untracked() {
                        element.set_src_object(Some(opened.stream()));
                    }
                    opened.set_enabled(TrackKind::Video, camera_on.get_untracked());
                    opened.set_enabled(TrackKind::Audio, microphone_on.get_untracked());
                    preview.set_value(Some(opened));
                    let (found_cameras, found_microphones) = list_devices().await;
                    cameras.set(found_cameras);
                    microphones.set(found_microphones);
                    state.set(PreviewState::Ready);
                    announce.set("Your camera is on. Join when you're ready.".into());
                }
                Err(failure) => {
                    state.set(PreviewState::Failed(failure));
                    announce.set(failure.to_string());
                }
            }
        });
    };
    open();
    on_cleanup(move || preview.set_value(None));

    let toggle = move |signal: RwSignal<bool>, kind: TrackKind| {
        signal.update(|on| *on = !*on);
        preview.with_value(|p| {
            if let Some(p) = p {
                p.set_enabled(kind, signal.get_untracked());
            }
        });
    };
    let join = move |_| {
        let choice = JoinChoice {
            devices: choice.get_untracked(),
            camera_on: camera_on.get_untracked(),
            microphone_on: microphone_on.get_untracked(),
        };
        on_join.run(Joining { choice, preview: preview.try_update_value(Option::take).flatten() });
    };
    let pick = move |kind: TrackKind, id: String| {
        choice.update(|c| c.choose(kind, id));
        open();
    };

    view! {
        <section class="pre-join" aria-labelledby="pre-join-title">
            <h2 id="pre-join-title">"Ready to meet?"</h2>
            <div class="preview">
                <video node_ref=video class="self-view" autoplay=true muted=true playsinline=true aria-label="Your camera preview"></video>
                {move || match state.get() {
                    PreviewState::Asking => view! { <p class="overlay">"Asking for your camera and microphone…"</p> }.into_any(),
                    PreviewState::Failed(failure) => view! {
                        <div class="overlay device-error" role="alert">
                            <p>{failure.to_string()}</p>
                            <button type="button" on:click=move |_| open()>"Try again"</button>
                        </div>
                    }.into_any(),
                    PreviewState::Ready => ().into_any(),
                }}
            </div>
            <div class="controls">
                <button type="button" aria-pressed=move || microphone_on.get().to_string() on:click=move |_| toggle(microphone_on, TrackKind::Audio)>
                    {move || if microphone_on.get() { "Mute microphone" } else { "Unmute microphone" }}
                </button>
                <button type="button" aria-pressed=move || camera_on.get().to_string() on:click=move |_| toggle(camera_on, TrackKind::Video)>
                    {move || if camera_on.get() { "Turn camera off" } else { "Turn camera on" }}
                </button>
            </div>
            <div class="pickers">
                {[("Camera", cameras, TrackKind::Video), ("Microphone", microphones, TrackKind::Audio)]
                    .into_iter()
                    .map(|(label, devices, kind)| view! {
                        <DevicePicker label devices choice kind on_pick=Callback::new(move |id| pick(kind, id))/>
                    })
                    .collect_view()}
            </div>
            <button type="button" class="primary" disabled=move || state.get() != PreviewState::Ready on:click=join>
                "Join the date"
            </button>
        </section>
    }
}

/// A labelled list of the cameras (`Video`) or microphones (`Audio`), with the one in `choice` selected.
#[component]
fn DevicePicker(
    /// The visible label, e.g. "Camera".
    label: &'static str,
    /// The devices of this kind the browser lists.
    #[prop(into)]
    devices: Signal<Vec<Device>>,
    /// The current choice, whose device of this kind is shown selected.
    #[prop(into)]
    choice: Signal<MediaChoice>,
    /// Which device of `choice` this picker shows.
    kind: TrackKind,
    /// A device was picked: its id, or `""` for the browser's default.
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="picker">
            {label}
            <select on:change=move |ev| on_pick.run(event_target_value(&ev))>
                <option value="">"Default"</option>
                // Rebuilt by position rather than keyed (`<For>`): a handful of options, and keyed diffing costs
                // about 2 KB of wasm. Each option says whether it is the chosen one, so a device plugged in or
                // out (the list shifts) never shows someone else's device as chosen.
                {move || {
                    let chosen = choice.with(|c| c.device(kind).map(str::to_owned));
                    devices
                        .get()
                        .into_iter()
                        .map(|device| {
                            let is_chosen = chosen.as_deref() == Some(device.id.as_str());
                            view! { <option value=device.id prop:selected=is_chosen>{device.label}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}
