use leptos::prelude::*;

/// `/`: says that a date is opened by its link.
#[component]
pub(crate) fn Home() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>"video-date"</h1>
            <p>"Open the link to your date, for example " <code>"/video-date/<date id>"</code> "."</p>
        </section>
    }
}
