//! `/video-date/:date_id`: the date page.

use leptos::prelude::*;

#[component]
pub fn VideoDatePage(date_id: String) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="date-title">
            <h1 id="date-title">"Your date"</h1>
            <p class="muted">"Date " <code>{date_id}</code></p>
        </section>
    }
}
