//! The call: the partner large, you small, the controls, both connection qualities, and every overlay.

use leptos::prelude::*;

use super::call_state::{CallPhase, CallSignals};
use super::date_view::EndDateButton;
use crate::date::{PartnerLink, PartnerNotice};
use crate::metrics::{self, Metric};
use crate::time;

/// The elements the page attaches tracks to.
#[derive(Clone, Copy)]
pub(crate) struct CallElements {
    pub(crate) partner_video: NodeRef<leptos::html::Video>,
    pub(crate) partner_audio: NodeRef<leptos::html::Audio>,
    pub(crate) own_video: NodeRef<leptos::html::Video>,
}

impl CallElements {
    pub(crate) fn new() -> Self {
        CallElements { partner_video: NodeRef::new(), partner_audio: NodeRef::new(), own_video: NodeRef::new() }
    }
}

/// Said once, when the partner's connection drops; the overlay counts the grace window down.
pub(crate) const PARTNER_DROPPED: &str = "Your date's connection dropped. Waiting up to 30 seconds for them to come back…";

/// What the controls do; the page owns the room.
#[derive(Clone, Copy)]
pub(crate) struct CallActions {
    pub(crate) toggle_microphone: Callback<()>,
    pub(crate) toggle_camera: Callback<()>,
    pub(crate) start_audio: Callback<()>,
    pub(crate) leave: Callback<()>,
    pub(crate) end_date: Callback<()>,
    pub(crate) rejoin: Callback<()>,
}

/// The call: the partner's video large with what is going on over it, your own small, the date's countdown, both
/// connection qualities and the controls.
#[component]
pub(crate) fn CallView(
    /// What the room's events wrote.
    signals: CallSignals,
    /// Where the page attaches the tracks.
    elements: CallElements,
    /// What the controls do.
    actions: CallActions,
    /// The countdown (`mm:ss`) while the date is live.
    #[prop(into)]
    timer: Signal<Option<String>>,
    /// The device's `Date.now()`, ticking: the partner's grace window counts down on it.
    #[prop(into)]
    now_ms: Signal<f64>,
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
                    on:loadeddata=move |_| metrics::record(Metric::JoinToFirstFrame { ms: time::elapsed_ms(signals.joined_at.get_value()) })></video>
                <audio node_ref=elements.partner_audio autoplay=true></audio>
                <video node_ref=elements.own_video class="own-video" autoplay=true muted=true playsinline=true aria-label="Your video"></video>
                {move || {
                    let message = match (phase.get(), partner.get().notice(now_ms.get())) {
                        (CallPhase::Connected, PartnerNotice::Dropped { seconds_left }) => Some(format!(
                            "Your date's connection dropped — waiting up to {seconds_left} s for them to come back…"
                        )),
                        (CallPhase::Connected, PartnerNotice::Left) => Some("Your date left the call.".to_owned()),
                        (CallPhase::Connected, PartnerNotice::None) if partner.get() == PartnerLink::NotJoined => {
                            Some("Your date hasn't joined yet. Hang tight.".to_owned())
                        }
                        (CallPhase::Connected, PartnerNotice::None) if signals.partner_camera_off.get() => {
                            Some("Your date turned their camera off.".to_owned())
                        }
                        (CallPhase::Connected, PartnerNotice::None) => None,
                        (other, _) => Some(other.sentence()),
                    };
                    message.map(|m| view! { <p class="overlay" data-phase=phase.get().name()>{m}</p> })
                }}
                {move || timer.get().map(|t| view! { <p class="timer" aria-label="Time left">{t}</p> })}
            </div>
            <p class="qualities">
                "Your connection: " <span class="quality-own">{move || local_quality.get().label()}</span>
                // Only someone who joined has a connection to speak of.
                {move || partner.get().has_joined().then(|| view! {
                    " · Your date's: " <span class="quality-partner">{move || partner_quality.get().label()}</span>
                })}
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
                <EndDateButton on_end=actions.end_date/>
            </div>
        </section>
    }
}
