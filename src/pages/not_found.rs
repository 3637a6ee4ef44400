use leptos::prelude::*;

use crate::components::error_panel::ErrorPanel;

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    view! { <ErrorPanel title="Page not found" message="Check the link to your date and try again."/> }
}
