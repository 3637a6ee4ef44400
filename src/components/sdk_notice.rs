//! The notice shown when livekit-client did not load.

use leptos::prelude::*;

use crate::livekit::SdkState;

/// Says so when the video call's code did not load (a sentence and "Try again"); nothing while it loads or once
/// it has loaded, since nothing before "Join" needs it.
#[component]
pub(crate) fn SdkNotice(
    /// How far the page's load of livekit-client has got.
    #[prop(into)]
    state: Signal<SdkState>,
    /// "Try again" was clicked after the load failed.
    retry: Callback<()>,
) -> impl IntoView {
    move || match state.get() {
        SdkState::Failed(failure) => Some(view! {
            <div class="panel error sdk-failed" role="alert">
                <p>{failure.to_string()}</p>
                <button type="button" on:click=move |_| retry.run(())>"Try again"</button>
            </div>
        }),
        SdkState::Loading | SdkState::Loaded => None,
    }
}
