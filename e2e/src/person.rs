//! One simulated person: a headless browser session on the app, with the steps the scenarios share.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use xtask::engine::Engine;
use serde_json::{json, Value};

/// The devserver's seeded date, which alice and bob share.
pub const DATE_PATH: &str = "/video-date/d47e0000-0000-4000-8000-000000000001";
/// Where the app (like supabase-js) keeps the session for the devserver's `supabase_url` 127.0.0.1.
pub const SESSION_KEY: &str = "sb-127-auth-token";
pub const ANON_KEY: &str = "dev-anon-key";

/// Signs in with the devserver's password grant and stores the answer where the app looks for its session.
const SIGN_IN: &str = r#"
const [email, anonKey, sessionKey, done] = arguments;
fetch('/auth/v1/token?grant_type=password', {
  method: 'POST',
  headers: { apikey: anonKey, 'content-type': 'application/json' },
  body: JSON.stringify({ email, password: 'password' }),
})
  .then(async (answer) => {
    if (!answer.ok) throw new Error(`sign-in answered HTTP ${answer.status}`);
    localStorage.setItem(sessionKey, await answer.text());
    done(null);
  })
  .catch((err) => done(String(err)));
"#;

/// Where a person's console lines can be read back.
#[derive(Debug, Clone)]
pub enum ConsoleLog {
    /// ChromeDriver's log endpoint.
    ChromeDriver,
    /// geckodriver has no log endpoint; Firefox copies the console to its stdout (`browser::capabilities`),
    /// which lands in geckodriver's log file. This session's lines are those written after `from`: a
    /// geckodriver runs one session at a time.
    GeckodriverFile { path: PathBuf, from: u64 },
}

impl ConsoleLog {
    /// Remembers where geckodriver's log ends now, so the lines of a session started now can be read later.
    pub fn geckodriver_from_now(path: PathBuf) -> Self {
        let from = std::fs::metadata(&path).map_or(0, |meta| meta.len());
        ConsoleLog::GeckodriverFile { path, from }
    }
}

/// One console line: what it says, and whether the page printed it (rather than the browser).
struct ConsoleLine {
    level: String,
    message: String,
    from_the_page: bool,
}

pub struct Person {
    pub name: &'static str,
    pub engine: Engine,
    pub client: Client,
    console: ConsoleLog,
}

impl Person {
    pub fn new(name: &'static str, engine: Engine, client: Client, console: ConsoleLog) -> Self {
        Person { name, engine, client, console }
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.client.goto(url).await.map_err(|err| format!("{}: cannot open {url}: {err}", self.name))
    }

    /// Signs in as `email` on a same-origin page that is not the app (so the app's files stay uncached for
    /// the bench), then opens the seeded date.
    pub async fn open_date_as(&self, devserver: &str, email: &str) -> Result<(), String> {
        self.sign_in(devserver, email).await?;
        self.open_date(devserver).await
    }

    pub async fn open_date(&self, devserver: &str) -> Result<(), String> {
        self.goto(&format!("{devserver}{DATE_PATH}")).await
    }

    pub async fn sign_in(&self, devserver: &str, email: &str) -> Result<(), String> {
        self.goto(&format!("{devserver}/config.json")).await?;
        let answer = self
            .client
            .execute_async(SIGN_IN, vec![json!(email), json!(ANON_KEY), json!(SESSION_KEY)])
            .await
            .map_err(|err| format!("{}: sign-in script failed: {err}", self.name))?;
        match answer.as_str() {
            Some(why) => Err(format!("{}: {why}", self.name)),
            None => Ok(()),
        }
    }

    pub async fn text(&self) -> String {
        let answer = self.client.execute("return document.body.innerText", vec![]).await;
        answer.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    pub async fn wait_for_text(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{}: {needle:?} not shown within {timeout:?}; the page shows: {}", self.name, text.replace('\n', " ")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `script` (a JS expression) is truthy.
    pub async fn wait_until(&self, script: &str, what: &str, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let holds = self.js(&format!("return Boolean({script})")).await?;
            if holds == Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{}: {what} did not happen within {timeout:?}; the page shows: {}", self.name, self.text().await.replace('\n', " ")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script`, which calls its last argument with the answer.
    pub async fn run_async(&self, script: &str, what: &str) -> Result<Value, String> {
        self.client.execute_async(script, vec![]).await.map_err(|err| format!("{}: {what}: {err}", self.name))
    }

    pub async fn js(&self, script: &str) -> Result<Value, String> {
        self.client.execute(script, vec![]).await.map_err(|err| format!("{}: script failed: {err}", self.name))
    }

    pub async fn click(&self, css: &str, timeout: Duration) -> Result<(), String> {
        let element = self
            .client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await
            .map_err(|err| format!("{}: no {css} to click: {err}", self.name))?;
        element.click().await.map_err(|err| format!("{}: clicking {css}: {err}", self.name))
    }

    /// Clicks the enabled "Join the date" button.
    pub async fn join(&self) -> Result<(), String> {
        self.click("button.primary:not([disabled])", Duration::from_secs(20)).await
    }

    /// The app's metrics snapshot (`window.videoDateMetrics()`).
    pub async fn metrics(&self) -> Result<Value, String> {
        let json = self.js("return window.videoDateMetrics()").await?;
        serde_json::from_str(json.as_str().unwrap_or("null")).map_err(|err| format!("{}: metrics: {err}", self.name))
    }

    /// Saves what this window shows as `artifacts/states/<state>.png`: the README links one per state of the date.
    pub async fn screenshot_state(&self, state: &str) -> Result<(), String> {
        let dir = xtask::paths::artifacts_dir().join("states");
        std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        // A click scrolls the window; the state's sentence and controls are at the top.
        self.js("window.scrollTo(0, 0)").await?;
        let png = self.client.screenshot().await.map_err(|err| format!("{}: screenshot: {err}", self.name))?;
        std::fs::write(dir.join(format!("{state}.png")), png).map_err(|err| format!("{state}.png: {err}"))
    }

    /// Saves a screenshot and the console log under `artifacts/e2e/<scenario>/`, and fails if anything the page
    /// logged holds something shaped like a JWT (a LiveKit token or a session), or if the page's
    /// Content-Security-Policy refused anything: every scenario runs the page, the SDK and the call under it.
    ///
    /// The browser's own network-error lines are the exception, and are counted instead: LiveKit's signalling
    /// protocol carries the token in the WebSocket URL (`?access_token=`; browsers cannot set headers on a
    /// WebSocket), and browsers print a failed connection's URL. No page code can suppress those lines; they
    /// appear only when the server refuses the connection. The saved log has every JWT replaced.
    pub async fn save_artifacts(&self, scenario: &str) -> Result<(), String> {
        let dir = xtask::paths::artifacts_dir().join("e2e").join(scenario);
        std::fs::create_dir_all(&dir).map_err(|err| err.to_string())?;
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{}.png", self.name)), png);
        }
        let lines = self.console_lines().await?;
        let (mut saved, mut from_the_page, mut from_the_browser) = (String::new(), 0, 0);
        for line in &lines {
            let redacted = redact_jwts(&line.message);
            let holds_token = redacted != line.message;
            if holds_token && line.from_the_page {
                from_the_page += 1;
            } else if holds_token {
                from_the_browser += 1;
            }
            saved.push_str(&format!("{} {redacted}\n", line.level));
        }
        std::fs::write(dir.join(format!("{}-console.log", self.name)), saved).map_err(|err| err.to_string())?;
        if from_the_browser > 0 {
            let name = self.name;
            println!("  {name}: {from_the_browser} of the browser's network-error lines showed a refused token URL");
        }
        if from_the_page > 0 {
            return Err(format!("{}: {from_the_page} lines the page logged hold a token (artifacts/e2e/{scenario})", self.name));
        }
        let violations = self.csp_violations().await?;
        if !violations.is_empty() {
            return Err(format!("{}: the Content-Security-Policy refused: {}", self.name, violations.join("; ")));
        }
        Ok(())
    }

    async fn console_lines(&self) -> Result<Vec<ConsoleLine>, String> {
        match &self.console {
            ConsoleLog::ChromeDriver => {
                let entries = self.client.issue_cmd(BrowserLog).await;
                let entries = entries.map_err(|err| format!("{}: console log: {err}", self.name))?;
                let entries = entries.as_array().cloned().unwrap_or_default();
                Ok(entries
                    .iter()
                    .map(|entry| ConsoleLine {
                        level: entry["level"].as_str().unwrap_or_default().to_owned(),
                        message: entry["message"].as_str().unwrap_or_default().to_owned(),
                        from_the_page: entry["source"].as_str() == Some("console-api"),
                    })
                    .collect())
            }
            ConsoleLog::GeckodriverFile { path, from } => {
                let log = std::fs::read(path);
                let log = log.map_err(|err| format!("{}: cannot read {}: {err}", self.name, path.display()))?;
                let since = log.get(usize::try_from(*from).unwrap_or(usize::MAX)..).unwrap_or_default();
                Ok(String::from_utf8_lossy(since).lines().map(firefox_console_line).collect())
            }
        }
    }

    /// What the page's Content-Security-Policy refused since this window opened the origin
    /// ([`crate::browser::open`] records it in Chromium).
    pub async fn csp_violations(&self) -> Result<Vec<String>, String> {
        let script = format!("return JSON.parse(sessionStorage.getItem('{}') || '[]')", crate::browser::CSP_VIOLATIONS_KEY);
        let seen = self.js(&script).await?;
        Ok(seen.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect())
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Kills this window's Firefox with SIGKILL, as a dead battery or a lost network would end it: no leave
    /// reaches the video server, whose side of the connections simply stops. Firefox only: geckodriver reports
    /// the browser's process id (`moz:processID`), and its content processes exit with it.
    pub async fn crash(self) -> Result<(), String> {
        let pid = self
            .client
            .capabilities()
            .and_then(|capabilities| capabilities.get("moz:processID"))
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("{}: no moz:processID in the session's capabilities (Firefox only)", self.name))?;
        let status = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        match status {
            Ok(status) if status.success() => {
                // The session is gone with the browser; ending it frees geckodriver for the next window.
                let _ = self.client.close().await;
                Ok(())
            }
            other => Err(format!("{}: kill -KILL {pid}: {other:?}", self.name)),
        }
    }
}

/// Firefox prints the page's console calls as `console.<level>: <message>`; anything else in geckodriver's log
/// comes from the browser or the driver.
fn firefox_console_line(line: &str) -> ConsoleLine {
    match line.strip_prefix("console.").and_then(|rest| rest.split_once(": ")) {
        Some((level, message)) => {
            ConsoleLine { level: level.to_uppercase(), message: message.to_owned(), from_the_page: true }
        }
        None => ConsoleLine { level: "BROWSER".into(), message: line.to_owned(), from_the_page: false },
    }
}

/// Replaces every compact JWT (`eyJ…` in three dot-separated base64url parts). Other base64 that happens to
/// contain `eyJ`, like the SDK's `join_request` blob, has no dots and is kept.
fn redact_jwts(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find("eyJ") {
        let tail = &rest[start..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(tail.len());
        let candidate = &tail[..end];
        out.push_str(&rest[..start]);
        out.push_str(if candidate.matches('.').count() >= 2 { "<redacted>" } else { candidate });
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_jwts;

    #[test]
    fn only_three_part_tokens_are_redacted() {
        assert_eq!(redact_jwts("url?access_token=eyJhbGc.eyJzdWI.c2ln&x=1"), "url?access_token=<redacted>&x=1");
        assert_eq!(redact_jwts("join_request=CAESeyJabc_-Q"), "join_request=CAESeyJabc_-Q");
        assert_eq!(redact_jwts("no tokens"), "no tokens");
    }
}

/// ChromeDriver's `POST /session/{id}/se/log {"type": "browser"}`.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}
