use leptos::prelude::*;

use crate::components::error_panel::ErrorPanel;

/// Any path the app does not know: "Page not found".
#[component]
pub(crate) fn NotFound() -> impl IntoView {
    view! { <ErrorPanel title="Page not found" message="Check the link to your date and try again."/> }
}
