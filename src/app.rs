//! The app shell: loads the config once, then shows the page for the current path.

use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

use crate::components::error_panel::ErrorPanel;
use tracing_subscriber::layer::SubscriberExt;
use tracing_wasm::{ConsoleConfig, WASMLayer, WASMLayerConfigBuilder};

use crate::config::{self, Config, ConfigError, LogLevel};
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

/// The whole app: "Loading settings…", then the page for the current path, or why the settings failed.
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

/// The page for `route`, with the loaded config in context and the console logging at its level.
#[component]
fn Configured(
    /// The loaded settings.
    config: Config,
    /// Which page to show.
    route: Route,
) -> impl IntoView {
    log_to_console(config.log_level);
    tracing::info!(livekit_url = %config.livekit_url, "config loaded");
    provide_context(config);
    match route {
        Route::Home => view! { <Home/> }.into_any(),
        Route::VideoDate { date_id } => view! { <VideoDatePage date_id/> }.into_any(),
        Route::SignIn { next } => view! { <SignIn next/> }.into_any(),
        Route::NotFound => view! { <NotFound/> }.into_any(),
    }
}

/// Sends tracing's events at `level` and above to the browser console. A page loads its config once; a global
/// subscriber can be set once, so when the app is mounted again in the same page the first one stays.
fn log_to_console(level: LogLevel) {
    let config = WASMLayerConfigBuilder::new()
        .set_max_level(level.into())
        // Timings would add a performance mark per event and span, which nothing reads and nothing clears.
        .set_report_logs_in_timings(false)
        .set_console_config(ConsoleConfig::ReportWithoutConsoleColor)
        .build();
    let subscriber = tracing_subscriber::registry().with(WASMLayer::new(config));
    let _already_set = tracing::subscriber::set_global_default(subscriber);
}
