//! A headless Chromium session per simulated person, with the same flags as the browser suite.

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// The repo's `webdriver.json` (shared with the wasm-bindgen test runner) plus headless mode.
pub fn capabilities() -> Result<serde_json::Map<String, Value>, String> {
    let path = xtask::paths::repo_root().join("webdriver.json");
    let text = std::fs::read_to_string(&path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let mut caps: Value = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    let args = caps
        .pointer_mut("/goog:chromeOptions/args")
        .and_then(Value::as_array_mut)
        .ok_or("webdriver.json has no goog:chromeOptions.args")?;
    args.push(json!("--headless=new"));
    args.push(json!("--disable-dev-shm-usage"));
    caps.as_object().cloned().ok_or_else(|| "webdriver.json is not an object".into())
}

pub async fn open(webdriver_url: &str) -> Result<Client, String> {
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities()?);
    builder.connect(webdriver_url).await.map_err(|err| format!("cannot start Chromium over WebDriver: {err}"))
}
