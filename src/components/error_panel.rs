use leptos::prelude::*;

/// A failure the person has to act on: what happened, and what to do about it.
#[component]
pub(crate) fn ErrorPanel(#[prop(into)] title: String, #[prop(into)] message: String) -> impl IntoView {
    view! {
        <section class="panel error" role="alert">
            <h1>{title}</h1>
            <p>{message}</p>
        </section>
    }
}
