//! The local stack on loopback: a real livekit-server, the devserver, and (for e2e) ChromeDriver.
//! Every process is a [`ChildGuard`]: dropping the stack stops all of it.

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::paths;
use crate::process::{step_error, ChildGuard, StepError};

/// Dev-only API key pair, shared by livekit-server and the devserver's token minting. Never use it outside loopback.
pub const LIVEKIT_API_KEY: &str = "devkey";
pub const LIVEKIT_API_SECRET: &str = "video-date-dev-secret-not-for-production-0001";

/// Loopback ports of one stack. Dev and test stacks use different ones so a running dev stack does not break tests.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub livekit: u16,
    pub livekit_tcp: u16,
    pub livekit_udp: u16,
    pub devserver: u16,
    pub chromedriver: u16,
}

impl Ports {
    /// livekit-server on `base`, `base + 1` (TCP media) and `base + 2` (UDP media), the devserver on `base + 3`
    /// and ChromeDriver on `base + 4`; `None` below 1024 or where the range would pass 65535.
    pub fn from_base(base: u16) -> Option<Ports> {
        (base >= 1024 && base <= u16::MAX - 5).then_some(Ports {
            livekit: base,
            livekit_tcp: base + 1,
            livekit_udp: base + 2,
            devserver: base + 3,
            chromedriver: base + 4,
        })
    }
}

pub const DEV_PORTS: Ports =
    Ports { livekit: 7880, livekit_tcp: 7881, livekit_udp: 7882, devserver: 8787, chromedriver: 9515 };
pub const TEST_PORTS: Ports =
    Ports { livekit: 7890, livekit_tcp: 7891, livekit_udp: 7892, devserver: 8797, chromedriver: 9525 };
/// `cargo xtask bench`'s own, so it can run while a test stack is up.
pub const BENCH_PORTS: Ports =
    Ports { livekit: 7900, livekit_tcp: 7901, livekit_udp: 7902, devserver: 8807, chromedriver: 9535 };

/// What to start, and where its output goes.
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub ports: Ports,
    /// Serve the built app from this directory.
    pub dist: Option<PathBuf>,
    /// Enable the devserver's fault-injection API (tests only).
    pub faults: bool,
    pub chromedriver: bool,
    /// `None` lets servers write to this terminal (dev); `Some(dir)` writes one log file per server (tests).
    pub log_dir: Option<PathBuf>,
}

pub struct Stack {
    options: StackOptions,
    livekit: Option<ChildGuard>,
    devserver: ChildGuard,
    chromedriver: Option<ChildGuard>,
}

const READY_TIMEOUT: Duration = Duration::from_secs(30);

impl Stack {
    pub fn start(options: StackOptions) -> Result<Self, StepError> {
        if let Some(dir) = &options.log_dir {
            std::fs::create_dir_all(dir)
                .map_err(|err| step_error("stack", format!("cannot create {}: {err}", dir.display())))?;
        }
        let livekit = Some(start_livekit(&options)?);
        let devserver = start_devserver(&options)?;
        let chromedriver = options.chromedriver.then(|| start_chromedriver(&options)).transpose()?;
        Ok(Stack { options, livekit, devserver, chromedriver })
    }

    pub fn livekit_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.options.ports.livekit)
    }

    pub fn devserver_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.options.ports.devserver)
    }

    pub fn webdriver_url(&self) -> Option<String> {
        self.chromedriver.as_ref().map(|_| format!("http://127.0.0.1:{}", self.options.ports.chromedriver))
    }

    /// `cargo test` of the app's browser tests (headless Chromium) against this stack; add the test selection.
    pub fn browser_tests(&self) -> Command {
        // No `-q`: it reaches the test runner as `--quiet`, which the runner rejects.
        let mut cargo = crate::process::command("cargo");
        cargo
            .args(["test", "--package", "video-date", "--target", "wasm32-unknown-unknown"])
            .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
            .env("VIDEO_DATE_TEST_DEVSERVER", self.devserver_url())
            .env("VIDEO_DATE_TEST_LIVEKIT", self.livekit_url());
        cargo
    }

    /// Stops livekit-server (for tests of what users see when the SFU goes away).
    pub fn stop_livekit(&mut self) {
        self.livekit = None;
    }

    pub fn start_livekit(&mut self) -> Result<(), StepError> {
        if self.livekit.is_none() {
            self.livekit = Some(start_livekit(&self.options)?);
        }
        Ok(())
    }

    /// Blocks until a server dies (the dev command's Ctrl-C also reaches the servers, which then exit).
    /// Returns which server exited and how.
    pub fn wait_for_exit(&mut self) -> (&'static str, std::process::ExitStatus) {
        loop {
            let guards = [self.livekit.as_mut(), Some(&mut self.devserver), self.chromedriver.as_mut()];
            for guard in guards.into_iter().flatten() {
                if let Some(status) = guard.exited() {
                    return (guard.name, status);
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The livekit-server config for loopback-only WebRTC (see reference/livekit.md §3): an explicit node IP
/// disables STUN lookups, and loopback candidates must be allowed for a browser on the same host.
pub fn livekit_config(ports: Ports) -> String {
    format!(
        "port: {port}
bind_addresses: [127.0.0.1]
rtc:
  tcp_port: {tcp}
  udp_port: {udp}
  use_external_ip: false
  node_ip: 127.0.0.1
  enable_loopback_candidate: true
  ips:
    includes: [127.0.0.1/32]
keys:
  {LIVEKIT_API_KEY}: {LIVEKIT_API_SECRET}
room:
  auto_create: true
  empty_timeout: 60
logging:
  level: info
",
        port = ports.livekit,
        tcp = ports.livekit_tcp,
        udp = ports.livekit_udp,
    )
}

fn start_livekit(options: &StackOptions) -> Result<ChildGuard, StepError> {
    let mut command = Command::new(paths::livekit_server_bin());
    command.arg("--config-body").arg(livekit_config(options.ports));
    spawn_and_wait("livekit-server", command, options, options.ports.livekit)
}

fn start_devserver(options: &StackOptions) -> Result<ChildGuard, StepError> {
    let mut command = Command::new(paths::devserver_bin());
    command
        .arg("--addr")
        .arg(format!("127.0.0.1:{}", options.ports.devserver))
        .arg("--livekit-url")
        .arg(format!("ws://127.0.0.1:{}", options.ports.livekit))
        .env("LIVEKIT_API_KEY", LIVEKIT_API_KEY)
        .env("LIVEKIT_API_SECRET", LIVEKIT_API_SECRET);
    if let Some(dist) = &options.dist {
        command.arg("--dist").arg(dist);
    }
    if options.faults {
        command.arg("--faults");
    }
    spawn_and_wait("devserver", command, options, options.ports.devserver)
}

fn start_chromedriver(options: &StackOptions) -> Result<ChildGuard, StepError> {
    let mut command = Command::new(paths::CHROMEDRIVER);
    command.arg(format!("--port={}", options.ports.chromedriver));
    spawn_and_wait("chromedriver", command, options, options.ports.chromedriver)
}

fn spawn_and_wait(
    name: &'static str,
    mut command: Command,
    options: &StackOptions,
    port: u16,
) -> Result<ChildGuard, StepError> {
    if let Some(dir) = &options.log_dir {
        let log = dir.join(format!("{name}.log"));
        let file = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|err| step_error(name, format!("cannot open {}: {err}", log.display())))?;
        let stderr = file.try_clone().map_err(|err| step_error(name, err.to_string()))?;
        command.stdout(file).stderr(stderr);
    }
    command.stdin(Stdio::null());
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    // Readiness is "the port answers", so a server left over on it would pass for ours.
    if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
        let holder = crate::port_holder::describe(port).unwrap_or_else(|| "another process".to_owned());
        return Err(step_error(
            name,
            format!("port {port} is already in use by {holder}; stop it (another `cargo xtask dev` or test run?) and try again"),
        ));
    }
    let mut guard = ChildGuard::spawn(name, &mut command)?;
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = guard.exited() {
            return Err(step_error(name, format!("exited during start-up ({status}); see its log")));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(guard);
        }
        if Instant::now() > deadline {
            return Err(step_error(name, format!("did not open port {port} within {READY_TIMEOUT:?}")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
