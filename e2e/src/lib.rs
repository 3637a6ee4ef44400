//! Helpers for the e2e scenarios: the stack, browsers, and a tiny libtest-compatible runner.

pub mod axe;
pub mod browser;
pub mod cluster;
pub mod date;
pub mod person;
pub mod runner;

use browser::{Engine, Permissions};
use person::{ConsoleLog, Person};
pub use xtask::stack::{Stack, StackOptions, TEST_PORTS};

/// The running stack as the scenarios see it: its addresses, and livekit-server to stop and start.
pub struct Suite {
    stack: std::sync::Mutex<Stack>,
    pub devserver: String,
    pub livekit: String,
    chromedriver: String,
    geckodriver: String,
}

impl Suite {
    pub fn start() -> Result<Self, xtask::process::StepError> {
        let stack = start_stack()?;
        Ok(Suite {
            devserver: stack.devserver_url(),
            livekit: stack.livekit_url(),
            chromedriver: stack.webdriver_url(Engine::Chromium).unwrap_or_default(),
            geckodriver: stack.webdriver_url(Engine::Firefox).unwrap_or_default(),
            stack: std::sync::Mutex::new(stack),
        })
    }

    /// A new browser window in `engine`. geckodriver runs one session at a time: a scenario has at most one
    /// person in Firefox open at once.
    pub async fn person(&self, name: &'static str, engine: Engine, permissions: Permissions) -> Result<Person, String> {
        let (webdriver, console) = match engine {
            Engine::Chromium => (&self.chromedriver, ConsoleLog::ChromeDriver),
            Engine::Firefox => (&self.geckodriver, ConsoleLog::geckodriver_from_now(log_dir().join("geckodriver.log"))),
        };
        Ok(Person::new(name, engine, browser::open(webdriver, engine, permissions).await?, console))
    }

    /// Kills livekit-server (as a crash would), waits `down_for`, and starts it again on the same ports.
    pub async fn restart_livekit(&self, down_for: std::time::Duration) -> Result<(), String> {
        self.stack.lock().map_err(|_| "stack lock poisoned")?.stop_livekit();
        tokio::time::sleep(down_for).await;
        self.stack.lock().map_err(|_| "stack lock poisoned")?.start_livekit().map_err(|err| err.to_string())
    }
}

impl date::Site for Suite {
    fn devserver(&self) -> &str {
        &self.devserver
    }

    fn person(
        &self,
        name: &'static str,
        engine: Engine,
        permissions: Permissions,
    ) -> impl std::future::Future<Output = Result<Person, String>> {
        Suite::person(self, name, engine, permissions)
    }
}

/// Starts the full test stack serving the release build from `dist/`.
pub fn start_stack() -> Result<Stack, xtask::process::StepError> {
    Stack::start(StackOptions {
        ports: TEST_PORTS,
        dist: Some(xtask::paths::dist_dir()),
        faults: true,
        webdrivers: &Engine::ALL,
        log_dir: Some(log_dir()),
    })
}

fn log_dir() -> std::path::PathBuf {
    xtask::paths::artifacts_dir().join("logs").join("e2e")
}
