//! Helpers for the e2e scenarios: the stack, browsers, and a tiny libtest-compatible runner.

pub mod browser;
pub mod person;
pub mod runner;

pub use xtask::stack::{Stack, StackOptions, TEST_PORTS};

/// The running stack as the scenarios see it: its addresses, and livekit-server to stop and start.
pub struct Suite {
    stack: std::sync::Mutex<Stack>,
    pub devserver: String,
    pub livekit: String,
    pub webdriver: String,
}

impl Suite {
    pub fn start() -> Result<Self, xtask::process::StepError> {
        let stack = start_stack()?;
        Ok(Suite {
            devserver: stack.devserver_url(),
            livekit: stack.livekit_url(),
            webdriver: stack.webdriver_url().unwrap_or_default(),
            stack: std::sync::Mutex::new(stack),
        })
    }

    /// Kills livekit-server (as a crash would), waits `down_for`, and starts it again on the same ports.
    pub async fn restart_livekit(&self, down_for: std::time::Duration) -> Result<(), String> {
        self.stack.lock().map_err(|_| "stack lock poisoned")?.stop_livekit();
        tokio::time::sleep(down_for).await;
        self.stack.lock().map_err(|_| "stack lock poisoned")?.start_livekit().map_err(|err| err.to_string())
    }
}

/// Starts the full test stack serving the release build from `dist/`.
pub fn start_stack() -> Result<Stack, xtask::process::StepError> {
    Stack::start(StackOptions {
        ports: TEST_PORTS,
        dist: Some(xtask::paths::dist_dir()),
        faults: true,
        chromedriver: true,
        log_dir: Some(xtask::paths::artifacts_dir().join("logs").join("e2e")),
    })
}
