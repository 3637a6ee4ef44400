use leptos::prelude::*;

/// Announces status changes to screen readers; visually it is the status line under the header.
#[component]
pub(crate) fn LiveRegion(
    /// The sentence to announce; each change is read out.
    #[prop(into)]
    message: Signal<String>,
) -> impl IntoView {
    view! { <p class="live-region" role="status" aria-live="polite" aria-atomic="true">{message}</p> }
}
