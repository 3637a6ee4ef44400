//! `/video-date/:date_id`: the date page.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn VideoDatePage() -> impl IntoView {
    let params = use_params_map();
    let date_id = move || params.read().get("date_id").unwrap_or_default();
    view! {
        <section class="panel" aria-labelledby="date-title">
            <h1 id="date-title">"Your date"</h1>
            <p class="muted">"Date " <code>{date_id}</code></p>
        </section>
    }
}
