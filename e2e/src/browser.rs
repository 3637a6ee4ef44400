//! A headless browser session per simulated person, in either engine, with the capabilities the browser suite
//! uses (`webdriver.json`, or `webdriver-denied.json` for a person whose browser refuses the camera).

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
pub use xtask::engine::{Engine, Permissions};

/// The engine's part of the capabilities file, plus headless mode and a way to read the console log.
pub fn capabilities(engine: Engine, permissions: Permissions) -> Result<serde_json::Map<String, Value>, String> {
    let path = permissions.webdriver_json();
    let text = std::fs::read_to_string(&path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let all: Value = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    let key = engine.options_key();
    let mut options = all.get(key).cloned().ok_or_else(|| format!("{} has no {key}", path.display()))?;
    let malformed = |what: &str| format!("{} has no {key}.{what}", path.display());
    let mut caps = serde_json::Map::new();
    match engine {
        Engine::Chromium => {
            let args = options["args"].as_array_mut().ok_or_else(|| malformed("args"))?;
            args.extend([json!("--headless=new"), json!("--disable-dev-shm-usage")]);
            caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        }
        Engine::Firefox => {
            let args = options.as_object_mut().map(|o| o.entry("args").or_insert_with(|| json!([])));
            args.and_then(Value::as_array_mut).ok_or_else(|| malformed("args"))?.push(json!("-headless"));
            // geckodriver has no console-log endpoint; this pref copies the page's console to Firefox's
            // stdout, which geckodriver writes to its log (see `Person::save_artifacts`).
            let prefs = options["prefs"].as_object_mut().ok_or_else(|| malformed("prefs"))?;
            prefs.insert("devtools.console.stdout.content".into(), json!(true));
            // People sign in from `/config.json` (`Person::sign_in`); Firefox's JSON viewer would make that a
            // privileged page whose fetches fail with "NetworkError when attempting to fetch resource".
            prefs.insert("devtools.jsonview.enabled".into(), json!(false));
            caps.insert("browserName".into(), json!("firefox"));
        }
    }
    caps.insert(key.into(), options);
    Ok(caps)
}

/// A fresh browser (its own profile). Chromium also records every Content-Security-Policy violation of the pages
/// it opens (geckodriver has no DevTools endpoint to install the probe with).
pub async fn open(webdriver_url: &str, engine: Engine, permissions: Permissions) -> Result<Client, String> {
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities(engine, permissions)?);
    let client = builder
        .connect(webdriver_url)
        .await
        .map_err(|err| format!("cannot start {} over WebDriver at {webdriver_url}: {err}", engine.name()))?;
    if matches!(engine, Engine::Chromium) {
        let probe = CSP_PROBE.replace("KEY", CSP_VIOLATIONS_KEY);
        cdp(&client, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": probe })).await?;
    }
    Ok(client)
}

/// Where [`CSP_PROBE`] keeps what it saw: `sessionStorage`, so a reload of the page keeps the earlier ones.
pub const CSP_VIOLATIONS_KEY: &str = "e2e-csp-violations";

/// Runs before any script of every page (the browser's own, so outside the page's policy) and writes each
/// `securitypolicyviolation` event down as one line under `KEY` ([`CSP_VIOLATIONS_KEY`]).
const CSP_PROBE: &str = r#"
document.addEventListener('securitypolicyviolation', (event) => {
  const seen = JSON.parse(sessionStorage.getItem('KEY') || '[]');
  seen.push(`${event.effectiveDirective} refused ${event.blockedURI || 'inline code'} in ${event.sourceFile || 'the page'}:${event.lineNumber}`);
  sessionStorage.setItem('KEY', JSON.stringify(seen));
});
"#;

/// Sends one Chrome DevTools Protocol command to the session's page through ChromeDriver
/// (`POST /session/{id}/goog/cdp/execute`) and returns its result.
pub async fn cdp(client: &Client, cmd: &str, params: Value) -> Result<Value, String> {
    client
        .issue_cmd(Cdp { cmd: cmd.to_owned(), params })
        .await
        .map_err(|err| format!("DevTools command {cmd} failed: {err}"))
}

#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}
