//! The app shell: loads the config once, then routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::error_panel::ErrorPanel;
use crate::config::{self, Config};
use crate::logging;
use crate::pages::{home::Home, not_found::NotFound, video_date::VideoDatePage};

/// Root element id; the e2e smoke test and the stylesheet look for it.
pub const ROOT_ID: &str = "app";

#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(config::load);
    view! {
        <main id=ROOT_ID class="app">
            <Suspense fallback=|| view! { <p class="status" role="status">"Loading settings…"</p> }>
                {move || Suspend::new(async move {
                    match config.await {
                        Ok(config) => view! { <ConfiguredApp config/> }.into_any(),
                        Err(err) => view! { <ErrorPanel title="This page can't start" message=err.to_string()/> }
                            .into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn ConfiguredApp(config: Config) -> impl IntoView {
    logging::init(config.log_level);
    tracing::info!(livekit_url = %config.livekit_url, "config loaded");
    provide_context(config);
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/video-date/:date_id") view=VideoDatePage/>
            </Routes>
        </Router>
    }
}
