//! The app shell: loads the config once, then shows the page for the current path.

use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

use crate::components::error_panel::ErrorPanel;
use crate::config::{self, Config, ConfigError};
use crate::logging;
use crate::pages::{home::Home, not_found::NotFound, sign_in::SignIn, video_date::VideoDatePage};
use crate::routes::Route;

/// Root element id; the e2e smoke test and the stylesheet look for it.
pub const ROOT_ID: &str = "app";

#[derive(Debug, Clone)]
enum ConfigState {
    Loading,
    Ready(Config),
    Failed(ConfigError),
}

#[component]
pub fn App() -> impl IntoView {
    let state = RwSignal::new(ConfigState::Loading);
    spawn_local_scoped_with_cancellation(async move {
        let loaded = config::load().await;
        state.set(match loaded {
            Ok(config) => ConfigState::Ready(config),
            Err(err) => ConfigState::Failed(err),
        });
    });
    let location = window().location();
    let route = Route::from_location(&location.pathname().unwrap_or_default(), &location.search().unwrap_or_default());
    view! {
        <main id=ROOT_ID class="app">
            {move || match state.get() {
                ConfigState::Loading => view! { <p class="status" role="status">"Loading settings…"</p> }.into_any(),
                ConfigState::Failed(err) => {
                    view! { <ErrorPanel title="This page can't start" message=err.to_string()/> }.into_any()
                }
                ConfigState::Ready(config) => view! { <Configured config route=route.clone()/> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Configured(config: Config, route: Route) -> impl IntoView {
    logging::init(config.log_level);
    logging::info!("config loaded livekit_url={}", config.livekit_url);
    provide_context(config);
    match route {
        Route::Home => view! { <Home/> }.into_any(),
        Route::VideoDate { date_id } => view! { <VideoDatePage date_id/> }.into_any(),
        Route::SignIn { next } => view! { <SignIn next/> }.into_any(),
        Route::NotFound => view! { <NotFound/> }.into_any(),
    }
}
