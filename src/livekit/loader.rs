//! Loading `livekit-client` on demand: the app starts without it, and the date page loads it while the pre-join
//! screen shows (see `js/livekit-loader.js`). A failed load is an [`SdkLoadError`]; asking again retries.

use js_sys::Reflect;
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::sys;

/// Where the built app has the SDK: `xtask/src/build.rs` names the file by its content hash and passes its
/// address in at compile time, so a page never runs a stale copy and the file can be cached forever. Builds that
/// do not go through xtask (clippy, the browser tests, whose runner serves the crate root) load it from where
/// `cargo xtask setup` generates it.
pub const SDK_URL: &str = match option_env!("VIDEO_DATE_LIVEKIT_SDK") {
    Some(url) => url,
    None => "/js/livekit-client.js",
};

/// Where a page loads the SDK from, as a Leptos context: [`SDK_URL`] unless whoever mounts the page provides
/// another (the browser tests do, to leave the page while the SDK is still on its way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkUrl(
    /// The module's address, absolute or relative to the page.
    pub String,
);

impl Default for SdkUrl {
    fn default() -> Self {
        SdkUrl(SDK_URL.to_owned())
    }
}

/// The loaded SDK: what makes rooms and local tracks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Livekit {
    pub(super) module: sys::Sdk,
}

/// The SDK did not load (not found, a network error, a file the browser could not run). `reason` is the
/// browser's error name (`TypeError` for the first two), for logs; the sentence is for people.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("The video call could not be loaded, so you can't join yet. Check your connection and try again.")]
pub struct SdkLoadError {
    /// The browser's error name (`TypeError`, `SyntaxError`, …), or `unknown`.
    pub reason: String,
}

impl SdkLoadError {
    /// The stable name logs and metrics use.
    pub(crate) fn kind(&self) -> &'static str {
        "sdk_load_failed"
    }
}

/// How far a page's load of the SDK has got: only a failure is shown (with a way to try again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SdkState {
    /// On its way (or not asked for yet).
    Loading,
    /// Arrived: rooms can be made.
    Loaded,
    /// Did not load; asking again retries.
    Failed(SdkLoadError),
}

/// Starts loading the SDK from `url` without waiting for it, so a later [`load`] finds it arrived or on its way.
/// Nothing on the Rust side waits: leaving the page leaves only the browser's fetch, which has nothing to run.
pub(crate) fn start_loading(url: &str) {
    // The loader handles the rejection itself (it forgets the failed load); this promise is not needed here.
    let _ = sys::load_livekit_client(url);
}

/// The SDK from `url`, loading it unless it already arrived (one load per address per page; a failed load is
/// tried again). Dropping the future abandons only the wait.
pub async fn load(url: &str) -> Result<Livekit, SdkLoadError> {
    match JsFuture::from(sys::load_livekit_client(url)).await {
        Ok(module) => Ok(Livekit { module: module.unchecked_into() }),
        Err(error) => {
            let reason = Reflect::get(&error, &JsValue::from_str("name")).ok().and_then(|name| name.as_string());
            let failure = SdkLoadError { reason: reason.unwrap_or_else(|| "unknown".into()) };
            tracing::warn!(kind = failure.kind(), reason = %failure.reason, "livekit-client did not load");
            Err(failure)
        }
    }
}
