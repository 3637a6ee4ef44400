//! Mounting the date page against the test stack, signed in as someone.

use std::time::Duration;

use leptos::prelude::*;
use video_date::config::{Config, LogLevel};
use video_date::livekit::SdkUrl;
use video_date::pages::video_date::VideoDatePage;

use super::devserver::{ANON_KEY, DEVSERVER, LIVEKIT};

pub const DATE_ID: &str = "d47e0000-0000-4000-8000-000000000001";

pub fn config() -> Config {
    Config {
        livekit_url: LIVEKIT.to_owned(),
        token_endpoint: format!("{DEVSERVER}/api/livekit-token"),
        supabase_url: DEVSERVER.to_owned(),
        supabase_anon_key: ANON_KEY.to_owned(),
        log_level: LogLevel::Info,
        metrics_endpoint: None,
        home_url: "/".to_owned(),
    }
}

/// Signs in through the app's own sign-in (which stores the session where the page reads it).
pub async fn sign_in_as(email: &str) -> video_date::supabase::session::Session {
    video_date::supabase::session::sign_in(&config(), email, "password").await.expect("sign in")
}

pub fn sign_out() {
    video_date::supabase::session::clear(&config());
}

pub struct MountedPage {
    pub host: web_sys::HtmlElement,
    /// The parent owner, cleaned up on unmount the way Leptos cleans up a child view it replaces;
    /// dropping the mount handle alone only detaches the DOM.
    owner: Owner,
    handle: Option<UnmountHandle<leptos::tachys::view::any_view::AnyViewState>>,
}

impl MountedPage {
    pub fn text(&self) -> String {
        self.host.text_content().unwrap_or_default()
    }

    pub async fn wait_for_text(&self, needle: &str, timeout: Duration) {
        super::poll(&format!("{needle:?}"), timeout, || {
            let text = self.text();
            std::future::ready(if text.contains(needle) { Ok(()) } else { Err(format!("page says: {text}")) })
        })
        .await
    }

    pub async fn click(&self, selector: &str, timeout: Duration) {
        use wasm_bindgen::JsCast;
        let button = super::wait_for(&self.host, selector, timeout).await;
        button.unchecked_into::<web_sys::HtmlElement>().click();
    }

    pub fn unmount(mut self) {
        self.owner.cleanup();
        self.handle.take();
        self.host.remove();
    }
}

pub fn mount_page(date_id: &str) -> MountedPage {
    mount_page_with(date_id, config())
}

/// The page with its own config (a metrics endpoint, for instance).
pub fn mount_page_with(date_id: &str, config: Config) -> MountedPage {
    mount(date_id, config, SdkUrl::default())
}

/// The page loading the SDK from `sdk_url` instead of where the runner serves it.
pub fn mount_page_loading_sdk_from(date_id: &str, sdk_url: &str) -> MountedPage {
    mount(date_id, config(), SdkUrl(sdk_url.to_owned()))
}

fn mount(date_id: &str, config: Config, sdk_url: SdkUrl) -> MountedPage {
    let host = super::host();
    let date_id = date_id.to_owned();
    let owner = Owner::new();
    let handle = owner.with(|| {
        mount_to(host.clone(), move || {
            provide_context(config.clone());
            provide_context(sdk_url.clone());
            view! { <VideoDatePage date_id=date_id.clone()/> }.into_any()
        })
    });
    MountedPage { host, owner, handle: Some(handle) }
}
