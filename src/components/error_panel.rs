use leptos::prelude::*;

/// A failure the person has to act on: what happened, and what to do about it.
#[component]
pub(crate) fn ErrorPanel(
    /// What happened, as the panel's heading.
    #[prop(into)]
    title: String,
    /// What to do about it.
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! {
        <section class="panel error" role="alert">
            <h1>{title}</h1>
            <p>{message}</p>
        </section>
    }
}
