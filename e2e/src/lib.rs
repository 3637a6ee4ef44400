//! Helpers for the e2e scenarios: the stack, browsers, and a tiny libtest-compatible runner.

pub mod browser;
pub mod person;
pub mod runner;

pub use xtask::stack::{Stack, StackOptions, TEST_PORTS};

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
