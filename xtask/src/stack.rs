//! The local stack on loopback: a throwaway Postgres with the migrations, a real livekit-server, the devserver
//! on that Postgres, and (for e2e) ChromeDriver and geckodriver. Every process is a [`ChildGuard`] or a
//! [`Cluster`]: dropping the stack stops all of it.

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::engine::{Engine, Permissions};
use crate::paths;
use crate::postgres::Cluster;
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
    pub geckodriver: u16,
}

impl Ports {
    /// livekit-server on `base`, `base + 1` (TCP media) and `base + 2` (UDP media), the devserver on `base + 3`,
    /// ChromeDriver on `base + 4` and geckodriver on `base + 5`; `None` below 1024 or where the range would pass 65535.
    pub fn from_base(base: u16) -> Option<Ports> {
        (1024..=u16::MAX - 5).contains(&base).then_some(Ports {
            livekit: base,
            livekit_tcp: base + 1,
            livekit_udp: base + 2,
            devserver: base + 3,
            chromedriver: base + 4,
            geckodriver: base + 5,
        })
    }
}

pub const DEV_PORTS: Ports = Ports {
    livekit: 7880,
    livekit_tcp: 7881,
    livekit_udp: 7882,
    devserver: 8787,
    chromedriver: 9515,
    geckodriver: 9516,
};
pub const TEST_PORTS: Ports = Ports {
    livekit: 7890,
    livekit_tcp: 7891,
    livekit_udp: 7892,
    devserver: 8797,
    chromedriver: 9525,
    geckodriver: 9526,
};
/// `cargo xtask bench`'s own, so it can run while a test stack is up.
pub const BENCH_PORTS: Ports = Ports {
    livekit: 7900,
    livekit_tcp: 7901,
    livekit_udp: 7902,
    devserver: 8807,
    chromedriver: 9535,
    geckodriver: 9536,
};

/// What to start, and where its output goes.
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub ports: Ports,
    /// Serve the built app from this directory.
    pub dist: Option<PathBuf>,
    /// Enable the devserver's fault-injection API (tests only).
    pub faults: bool,
    /// The engines whose WebDriver server to start (for the e2e suite and the bench).
    pub webdrivers: &'static [Engine],
    /// `None` lets servers write to this terminal (dev); `Some(dir)` writes one log file per server (tests).
    pub log_dir: Option<PathBuf>,
}

/// The dev stack's database: the shim, the migrations, then the devserver's seed.
const DATABASE: &str = "video_date";

/// Field order is drop order: the devserver goes before its database.
pub struct Stack {
    options: StackOptions,
    livekit: Option<ChildGuard>,
    devserver: ChildGuard,
    webdrivers: Vec<(Engine, ChildGuard)>,
    _postgres: Cluster,
}

const READY_TIMEOUT: Duration = Duration::from_secs(30);

impl Stack {
    pub fn start(options: StackOptions) -> Result<Self, StepError> {
        create_log_dir(&options)?;
        let (postgres, database_url) = start_postgres(&options)?;
        let livekit = Some(start_livekit(&options)?);
        let livekit_url = format!("ws://127.0.0.1:{}", options.ports.livekit);
        let devserver = start_devserver(&options, &livekit_url, &[], &database_url)?;
        let webdrivers = options.webdrivers.iter().map(|&engine| Ok((engine, start_webdriver(&options, engine)?)));
        let webdrivers = webdrivers.collect::<Result<_, StepError>>()?;
        Ok(Stack { options, livekit, devserver, webdrivers, _postgres: postgres })
    }

    pub fn livekit_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.options.ports.livekit)
    }

    pub fn devserver_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.options.ports.devserver)
    }

    /// The WebDriver server of `engine`, if this stack started one.
    pub fn webdriver_url(&self, engine: Engine) -> Option<String> {
        self.webdrivers
            .iter()
            .any(|(started, _)| *started == engine)
            .then(|| format!("http://127.0.0.1:{}", webdriver_port(self.options.ports, engine)))
    }

    /// `cargo test` of the app's browser tests in headless `engine`, with the browser answering camera and
    /// microphone requests as `permissions` says, against this stack; add the test selection.
    pub fn browser_tests(&self, engine: Engine, permissions: Permissions) -> Command {
        // No `-q`: it reaches the test runner as `--quiet`, which the runner rejects.
        let mut cargo = crate::process::command("cargo");
        for other in Engine::ALL.into_iter().filter(|&other| other != engine) {
            cargo.env_remove(other.driver_env());
        }
        cargo
            .args(["test", "--package", "video-date", "--target", "wasm32-unknown-unknown"])
            .env(engine.driver_env(), engine.driver_bin())
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", permissions.webdriver_json())
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
            let servers = [self.livekit.as_mut(), Some(&mut self.devserver)].into_iter().flatten();
            for guard in servers.chain(self.webdrivers.iter_mut().map(|(_, guard)| guard)) {
                if let Some(status) = guard.exited() {
                    return (guard.name, status);
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

pub(crate) fn create_log_dir(options: &StackOptions) -> Result<(), StepError> {
    match &options.log_dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(|err| step_error("stack", format!("cannot create {}: {err}", dir.display()))),
        None => Ok(()),
    }
}

/// The livekit-server config for loopback-only WebRTC: an explicit node IP
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

/// A throwaway Postgres with the migrations applied, and the URL of the stack's database in it.
pub(crate) fn start_postgres(options: &StackOptions) -> Result<(Cluster, String), StepError> {
    let postgres = Cluster::start(options.log_dir.as_ref().map(|dir| dir.join("postgres.log")).as_deref())?;
    postgres.create_database(DATABASE)?;
    let url = postgres.url(DATABASE);
    Ok((postgres, url))
}

/// The devserver on `options.ports.devserver` and `database_url`, handing the app `livekit_url`; the page may
/// also connect to `other_livekit_urls` (token answers that name another server).
pub(crate) fn start_devserver(
    options: &StackOptions,
    livekit_url: &str,
    other_livekit_urls: &[String],
    database_url: &str,
) -> Result<ChildGuard, StepError> {
    let mut command = Command::new(paths::devserver_bin());
    command
        .env("DATABASE_URL", database_url)
        .arg("--addr")
        .arg(format!("127.0.0.1:{}", options.ports.devserver))
        .arg("--livekit-url")
        .arg(livekit_url)
        .env("LIVEKIT_API_KEY", LIVEKIT_API_KEY)
        .env("LIVEKIT_API_SECRET", LIVEKIT_API_SECRET);
    if let Some(dist) = &options.dist {
        command.arg("--dist").arg(dist);
    }
    for url in other_livekit_urls {
        command.arg("--connect-src").arg(url);
    }
    if options.faults {
        command.arg("--faults");
    }
    spawn_and_wait("devserver", command, options, options.ports.devserver)
}

pub(crate) fn webdriver_port(ports: Ports, engine: Engine) -> u16 {
    match engine {
        Engine::Chromium => ports.chromedriver,
        Engine::Firefox => ports.geckodriver,
    }
}

pub(crate) fn start_webdriver(options: &StackOptions, engine: Engine) -> Result<ChildGuard, StepError> {
    let port = webdriver_port(options.ports, engine);
    let mut command = Command::new(engine.driver_bin());
    command.arg(format!("--port={port}"));
    if engine == Engine::Firefox {
        // Its WebDriver BiDi socket defaults to 9222 for every instance; let the system pick a free one.
        command.args(["--host=127.0.0.1", "--websocket-port=0"]);
    }
    spawn_and_wait(engine.driver_name(), command, options, port)
}

/// Spawns `command` with its output in `options.log_dir`, and returns once `port` answers on loopback.
pub(crate) fn spawn_and_wait(
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
