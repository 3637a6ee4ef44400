//! The call: the partner large, you small, the controls, both connection qualities, and every overlay.

use leptos::prelude::*;

use super::call_state::{CallPhase, CallSignals, Partner};
use crate::metrics::{self, Metric};

/// The elements the page attaches tracks to.
#[derive(Clone, Copy)]
pub struct CallElements {
    pub partner_video: NodeRef<leptos::html::Video>,
    pub partner_audio: NodeRef<leptos::html::Audio>,
    pub own_video: NodeRef<leptos::html::Video>,
}

impl CallElements {
    pub fn new() -> Self {
        CallElements { partner_video: NodeRef::new(), partner_audio: NodeRef::new(), own_video: NodeRef::new() }
    }
}

pub const PARTNER_DROPPED: &str = "Your date's connection dropped. Waiting for them to come back…";

/// What the controls do; the page owns the room.
#[derive(Clone, Copy)]
pub struct CallActions {
    pub toggle_microphone: Callback<()>,
    pub toggle_camera: Callback<()>,
    pub start_audio: Callback<()>,
    pub leave: Callback<()>,
    pub end_date: Callback<()>,
    pub rejoin: Callback<()>,
}

#[component]
pub fn CallView(
    signals: CallSignals,
    elements: CallElements,
    actions: CallActions,
    #[prop(into)] timer: Signal<Option<String>>,
) -> impl IntoView {
    let CallSignals {
        phase,
        partner,
        local_quality,
        partner_quality,
        audio_blocked,
        microphone_on,
        camera_on,
        device_problem,
        ..
    } = signals;
    let in_call = move || !matches!(phase.get(), CallPhase::Disconnected(_) | CallPhase::Failed(_));
    view! {
        <section class="call" aria-label="Video call">
            <div class="stage">
                <video node_ref=elements.partner_video class="partner-video" autoplay=true playsinline=true aria-label="Your date's video"
                    on:loadeddata=move |_| metrics::record(Metric::JoinToFirstFrame { ms: metrics::elapsed_ms(signals.joined_at.get_value()) })></video>
                <audio node_ref=elements.partner_audio autoplay=true></audio>
                <video node_ref=elements.own_video class="own-video" autoplay=true muted=true playsinline=true aria-label="Your video"></video>
                {move || {
                    let message = match (phase.get(), partner.get()) {
                        (CallPhase::Connected, Partner::NotJoined) => Some("Your date hasn't joined yet. Hang tight.".to_owned()),
                        (CallPhase::Connected, Partner::Left) => Some("Your date left the call.".to_owned()),
                        (CallPhase::Connected, Partner::Dropped) => Some(PARTNER_DROPPED.to_owned()),
                        (CallPhase::Connected, Partner::Present) if signals.partner_camera_off.get() => {
                            Some("Your date turned their camera off.".to_owned())
                        }
                        (CallPhase::Connected, Partner::Present) => None,
                        (other, _) => Some(other.sentence()),
                    };
                    message.map(|m| view! { <p class="overlay" data-phase=phase.get().name()>{m}</p> })
                }}
                {move || timer.get().map(|t| view! { <p class="timer" aria-label="Time left">{t}</p> })}
            </div>
            <p class="qualities">
                "Your connection: " <span class="quality-own">{move || local_quality.get().label()}</span>
                " · Your date's: " <span class="quality-partner">{move || partner_quality.get().label()}</span>
            </p>
            {move || device_problem.get().map(|p| view! { <p class="device-error" role="alert">{p}</p> })}
            {move || audio_blocked.get().then(|| view! {
                <button type="button" class="primary" on:click=move |_| actions.start_audio.run(())>
                    "Your browser blocked the sound. Click to hear your date."
                </button>
            })}
            <div class="controls">
                <button type="button" disabled=move || !in_call() aria-pressed=move || (!microphone_on.get()).to_string()
                    on:click=move |_| actions.toggle_microphone.run(())>
                    {move || if microphone_on.get() { "Mute" } else { "Unmute" }}
                </button>
                <button type="button" class="camera-toggle" disabled=move || !in_call() aria-pressed=move || (!camera_on.get()).to_string()
                    on:click=move |_| actions.toggle_camera.run(())>
                    {move || if camera_on.get() { "Camera off" } else { "Camera on" }}
                </button>
                {move || if in_call() {
                    view! { <button type="button" class="leave" on:click=move |_| actions.leave.run(())>"Leave"</button> }.into_any()
                } else {
                    view! { <button type="button" on:click=move |_| actions.rejoin.run(())>"Rejoin"</button> }.into_any()
                }}
                <button type="button" class="danger" on:click=move |_| actions.end_date.run(())>"End date"</button>
            </div>
        </section>
    }
}
