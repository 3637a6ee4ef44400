//! A headless Chromium session per simulated person, with the same flags as the browser suite.

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// Whether the browser grants camera and microphone (the fake devices) or denies them like a person who
/// clicked "Block".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Allowed,
    Denied,
}

/// The repo's `webdriver.json` (shared with the wasm-bindgen test runner) plus headless mode and console logs.
pub fn capabilities(media: Media) -> Result<serde_json::Map<String, Value>, String> {
    let path = xtask::paths::repo_root().join("webdriver.json");
    let text = std::fs::read_to_string(&path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let mut caps: Value = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    let args = caps
        .pointer_mut("/goog:chromeOptions/args")
        .and_then(Value::as_array_mut)
        .ok_or("webdriver.json has no goog:chromeOptions.args")?;
    args.push(json!("--headless=new"));
    args.push(json!("--disable-dev-shm-usage"));
    if media == Media::Denied {
        args.retain(|arg| arg != "--use-fake-ui-for-media-stream");
        caps["goog:chromeOptions"]["prefs"] = json!({
            "profile.default_content_setting_values.media_stream_camera": 2,
            "profile.default_content_setting_values.media_stream_mic": 2,
        });
    }
    caps["goog:loggingPrefs"] = json!({"browser": "ALL"});
    caps.as_object().cloned().ok_or_else(|| "webdriver.json is not an object".into())
}

pub async fn open(webdriver_url: &str) -> Result<Client, String> {
    open_with(webdriver_url, Media::Allowed).await
}

pub async fn open_with(webdriver_url: &str, media: Media) -> Result<Client, String> {
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities(media)?);
    builder.connect(webdriver_url).await.map_err(|err| format!("cannot start Chromium over WebDriver: {err}"))
}
