//! The notice shown while live updates are down.

use leptos::prelude::*;

use crate::realtime::RealtimeStatus;

/// Says so when live updates (partner left, date ended) are not coming through: nothing while connecting or
/// subscribed, the next retry while retrying, and a "Try again" button once the channel gave up.
#[component]
pub fn RealtimeNotice(
    /// The realtime channel's status, which the notice shows.
    #[prop(into)]
    status: Signal<RealtimeStatus>,
    /// "Try again" was clicked after the channel gave up.
    retry: Callback<()>,
) -> impl IntoView {
    move || match status.get() {
        RealtimeStatus::Connecting | RealtimeStatus::Subscribed => None,
        RealtimeStatus::Retrying { attempt, max_attempts, delay_ms } => Some(view! {
            <p class="realtime-notice" data-realtime="retrying">
                {format!("Live updates are offline. Retrying in {} s (attempt {attempt} of {max_attempts}).", delay_ms.div_ceil(1000))}
            </p>
        }.into_any()),
        RealtimeStatus::GaveUp { attempts } => Some(view! {
            <p class="realtime-notice" data-realtime="gave-up" role="alert">
                {format!("Live updates stopped after {attempts} tries, so you may not see if the date ends. ")}
                <button type="button" on:click=move |_| retry.run(())>"Try again"</button>
            </p>
        }.into_any()),
    }
}

