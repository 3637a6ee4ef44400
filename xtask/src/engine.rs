//! The browser engines the browser and e2e suites run in, and what a page is answered when it asks for the
//! camera and microphone. Both suites read their capabilities from the same files, so they never disagree.

use std::path::PathBuf;

use crate::paths;

/// A browser engine and the WebDriver server that drives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Chromium, Engine::Firefox];

    /// Lower case, as the summary lines and log file names use it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }

    pub fn driver_name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromedriver",
            Engine::Firefox => "geckodriver",
        }
    }

    pub fn driver_bin(self) -> PathBuf {
        match self {
            Engine::Chromium => PathBuf::from(paths::CHROMEDRIVER),
            Engine::Firefox => paths::tools_bin().join("geckodriver"),
        }
    }

    /// The variable through which wasm-bindgen-test-runner is told which driver to start. It prefers
    /// `GECKODRIVER` whenever it is set, so a Chromium run must also unset it (see `Stack::browser_tests`).
    pub fn driver_env(self) -> &'static str {
        match self {
            Engine::Chromium => "CHROMEDRIVER",
            Engine::Firefox => "GECKODRIVER",
        }
    }

    /// This engine's own key in `webdriver*.json`; each driver ignores the other's.
    pub fn options_key(self) -> &'static str {
        match self {
            Engine::Chromium => "goog:chromeOptions",
            Engine::Firefox => "moz:firefoxOptions",
        }
    }
}

/// What the browser answers a page that asks for the camera and microphone (the fake devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permissions {
    Granted,
    /// As if the person had clicked "Block": the browser itself refuses, no page script involved.
    Denied,
}

impl Permissions {
    /// The capabilities for this answer, in both engines: read by wasm-bindgen-test-runner (through
    /// `WASM_BINDGEN_TEST_WEBDRIVER_JSON`) and by the e2e suite.
    pub fn webdriver_json(self) -> PathBuf {
        paths::repo_root().join(match self {
            Permissions::Granted => "webdriver.json",
            Permissions::Denied => "webdriver-denied.json",
        })
    }
}
