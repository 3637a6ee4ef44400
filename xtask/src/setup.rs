//! The idempotent set-up both README commands start with: installs only what is missing, outside the clone.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::build::SHIPPED_WASM;
use crate::engine::Engine;
use crate::paths;
use crate::process::{command, output_of, run, step_error, StepError};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const GECKODRIVER_VERSION: &str = "0.37.1";
pub const LIVEKIT_SERVER_VERSION: &str = "1.13.5";
const LIVEKIT_SERVER_MODULE: &str = "github.com/livekit/livekit-server/cmd/server";
pub const TOXIPROXY_VERSION: &str = "2.5.0";
const TOXIPROXY_MODULE: &str = "github.com/Shopify/toxiproxy/v2";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The SDK bundle the Rust bindings import; generated, never committed.
pub const LIVEKIT_BUNDLE: &str = "js/livekit-client.js";
const LIVEKIT_ENTRY: &str = "js/livekit-client.entry.js";
const NO_WEBRTC_ADAPTER: &str = "js/no-webrtc-adapter.js";

/// One set-up step: installs what it names if it is missing.
type Step = fn() -> Result<(), StepError>;

pub fn run_all() -> Result<(), StepError> {
    let started = Instant::now();
    std::fs::create_dir_all(paths::tools_bin())
        .map_err(|err| step_error("cache", format!("cannot create {}: {err}", paths::tools_bin().display())))?;
    let steps: [(&str, Step); 15] = [
        ("wasm-target", wasm_target),
        ("release-toolchain", release_toolchain),
        ("wasm-bindgen-cli", wasm_bindgen_cli),
        ("trunk", trunk),
        ("chromium", chromium),
        ("firefox", firefox),
        ("geckodriver", geckodriver),
        ("postgresql", postgresql),
        ("cluster-servers", cluster_servers),
        ("npm", npm_packages),
        ("livekit-bundle", livekit_bundle),
        ("livekit-server", livekit_server),
        ("toxiproxy", toxiproxy),
        ("cargo-fetch", cargo_fetch),
        ("std-fetch", std_sources_fetch),
    ];
    for (name, step) in steps {
        let step_started = Instant::now();
        step()?;
        // Only steps that did work take long; their times are what the README's fresh-machine figures come from.
        let seconds = step_started.elapsed().as_secs_f64();
        if seconds >= 2.0 {
            println!("==> setup {name}: done in {seconds:.0} s");
        }
    }
    println!("==> setup: everything present ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

fn announce(step: &str, what: &str) {
    println!("==> setup {step}: {what}");
}

fn wasm_target() -> Result<(), StepError> {
    let installed = output_of(Path::new("rustup"), &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    announce("wasm-target", "rustup target add wasm32-unknown-unknown");
    run("wasm-target", Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The pinned nightly (with std's sources) that release wasm builds use; see [`SHIPPED_WASM`].
fn release_toolchain() -> Result<(), StepError> {
    let toolchain = SHIPPED_WASM.toolchain;
    let components = output_of(Path::new("rustup"), &["component", "list", "--installed", "--toolchain", toolchain]);
    if components.is_some_and(|installed| installed.lines().any(|line| line.starts_with("rust-src"))) {
        return Ok(());
    }
    announce("release-toolchain", &format!("rustup toolchain install {toolchain} with rust-src (about 1 minute)"));
    let install = ["toolchain", "install", toolchain, "--profile", "minimal", "--component", "rust-src"];
    run("release-toolchain", Command::new("rustup").args(install))
}

/// The exact version in Cargo.lock: Trunk and the test runner refuse any other.
pub fn wasm_bindgen_version() -> Result<String, StepError> {
    let lock = std::fs::read_to_string(paths::repo_root().join("Cargo.lock"))
        .map_err(|err| step_error("wasm-bindgen-cli", format!("cannot read Cargo.lock: {err}")))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err(step_error("wasm-bindgen-cli", "Cargo.lock has no wasm-bindgen package"))
}

fn wasm_bindgen_cli() -> Result<(), StepError> {
    let version = wasm_bindgen_version()?;
    let bin = paths::tools_bin().join("wasm-bindgen");
    if output_of(&bin, &["--version"]).is_some_and(|v| v == format!("wasm-bindgen {version}"))
        && paths::tools_bin().join("wasm-bindgen-test-runner").exists()
    {
        return Ok(());
    }
    announce("wasm-bindgen-cli", &format!("cargo install wasm-bindgen-cli {version} (about 4 minutes)"));
    // No --locked: one of its locked dependencies is missing from the registry mirror.
    cargo_install("wasm-bindgen-cli", &["wasm-bindgen-cli", "--version", &version])
}

fn trunk() -> Result<(), StepError> {
    let bin = paths::tools_bin().join("trunk");
    if output_of(&bin, &["--version"]).is_some_and(|v| v == format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    announce("trunk", &format!("cargo install trunk {TRUNK_VERSION} --locked (about 11 minutes)"));
    cargo_install("trunk", &["trunk", "--version", TRUNK_VERSION, "--locked"])
}

fn cargo_install(step: &str, args: &[&str]) -> Result<(), StepError> {
    let root = paths::tools_dir();
    let mut install = Command::new("cargo");
    install.arg("install").args(args).arg("--root").arg(&root);
    // A private target dir keeps tool builds from invalidating the project's.
    install.env("CARGO_TARGET_DIR", paths::cache_dir().join("tool-builds"));
    run(step, &mut install)
}

fn chromium() -> Result<(), StepError> {
    if Path::new(paths::CHROMIUM).exists() && Path::new(paths::CHROMEDRIVER).exists() {
        return Ok(());
    }
    apt_install("chromium", &["chromium", "chromium-driver"])
}

fn firefox() -> Result<(), StepError> {
    if Path::new(paths::FIREFOX).exists() {
        return Ok(());
    }
    apt_install("firefox", &["firefox-esr"])
}

fn geckodriver() -> Result<(), StepError> {
    let bin = Engine::Firefox.driver_bin();
    if output_of(&bin, &["--version"]).is_some_and(|v| v.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}"))) {
        return Ok(());
    }
    announce("geckodriver", &format!("cargo install geckodriver {GECKODRIVER_VERSION} --locked (about 5 minutes)"));
    cargo_install("geckodriver", &["geckodriver", "--version", GECKODRIVER_VERSION, "--locked"])
}

/// Debian's Postgres 15: the tests and the dev stack start throwaway clusters of it (`postgres.rs`).
fn postgresql() -> Result<(), StepError> {
    if Path::new(crate::postgres::BIN_DIR).join("postgres").exists() {
        return Ok(());
    }
    apt_install("postgresql", &["postgresql-15"])
}

/// Redis and haproxy for the LiveKit cluster the `e2e-cluster` suite runs on (`crate::cluster`).
fn cluster_servers() -> Result<(), StepError> {
    if Path::new(paths::REDIS_SERVER).exists() && Path::new(paths::HAPROXY).exists() {
        return Ok(());
    }
    apt_install("cluster-servers", &["redis-server", "haproxy"])
}

/// `apt-get install` of Debian packages (with `sudo` when not root), refreshing the package lists once if needed.
fn apt_install(step: &str, packages: &[&str]) -> Result<(), StepError> {
    announce(step, &format!("apt-get install -y {}", packages.join(" ")));
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut cmd = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
        if sudo {
            cmd.arg("apt-get");
        }
        // Another apt (unattended upgrades, a parallel set-up) holds the lock for a while: wait, do not fail.
        cmd.args(["-o", "DPkg::Lock::Timeout=600"]).args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    let install: Vec<&str> = ["install", "-y", "--no-install-recommends"].iter().chain(packages).copied().collect();
    if run(step, &mut apt(&install)).is_err() {
        run(step, &mut apt(&["update"]))?;
        run(step, &mut apt(&install))?;
    }
    Ok(())
}

pub(crate) fn is_root() -> bool {
    output_of(Path::new("id"), &["-u"]).is_some_and(|uid| uid == "0")
}

/// The app's JS packages, then the bench's React page's (kept apart so that its React and supabase-js never
/// reach the app's bundle).
fn npm_packages() -> Result<(), StepError> {
    let root = paths::repo_root();
    npm_ci("npm", &root, "livekit-client, esbuild, binaryen")?;
    npm_ci("npm-react-page", &paths::react_page_dir(), "react, react-dom, supabase-js, livekit-client")
}

/// `npm ci` in `dir` only when its package-lock.json differs from what was last installed there.
fn npm_ci(step: &str, dir: &Path, what: &str) -> Result<(), StepError> {
    let lock = read(&dir.join("package-lock.json"), step)?;
    let stamp = dir.join("node_modules").join(".video-date-installed-lock");
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    announce(step, &format!("npm ci in {} ({what})", dir.display()));
    run(step, command("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))?;
    std::fs::write(&stamp, lock).map_err(|err| step_error(step, format!("cannot write {}: {err}", stamp.display())))
}

/// Minifies the SDK to the names we bind; rewritten only when its bytes change, so cargo does not rebuild.
fn livekit_bundle() -> Result<(), StepError> {
    let root = paths::repo_root();
    let fresh = paths::cache_dir().join("livekit-client.js");
    run(
        "livekit-bundle",
        command(paths::node_bin().join("esbuild"))
            .arg(LIVEKIT_ENTRY)
            .args(["--bundle", "--format=esm", "--minify", "--target=es2020", "--legal-comments=none", "--log-level=warning"])
            .arg(format!("--alias:webrtc-adapter=./{NO_WEBRTC_ADAPTER}"))
            .arg(format!("--outfile={}", fresh.display())),
    )?;
    let bundle = read(&fresh, "livekit-bundle")?;
    let target = root.join(LIVEKIT_BUNDLE);
    if std::fs::read_to_string(&target).is_ok_and(|current| current == bundle) {
        return Ok(());
    }
    announce("livekit-bundle", &format!("wrote {LIVEKIT_BUNDLE} ({} KB minified)", bundle.len() / 1024));
    std::fs::write(&target, bundle).map_err(|err| step_error("livekit-bundle", format!("cannot write {LIVEKIT_BUNDLE}: {err}")))
}

fn livekit_server() -> Result<(), StepError> {
    let bin = paths::livekit_server_bin();
    if output_of(&bin, &["--version"]).is_some_and(|v| v.ends_with(LIVEKIT_SERVER_VERSION)) {
        return Ok(());
    }
    announce("livekit-server", &format!("go install {LIVEKIT_SERVER_MODULE}@v{LIVEKIT_SERVER_VERSION} (several minutes)"));
    go_install("livekit-server", &format!("{LIVEKIT_SERVER_MODULE}@v{LIVEKIT_SERVER_VERSION}"), &bin)
}

/// toxiproxy's server, for the signal-path faults of the `e2e-cluster` suite. Its `-version` says only
/// "git" when built by `go install`, so the module version comes from the binary's build info.
fn toxiproxy() -> Result<(), StepError> {
    let bin = paths::toxiproxy_bin();
    let build_info = output_of(Path::new("go"), &["version", "-m", &bin.to_string_lossy()]).unwrap_or_default();
    if build_info.lines().any(|line| line.split_whitespace().take(3).eq(["mod", TOXIPROXY_MODULE, &format!("v{TOXIPROXY_VERSION}")])) {
        return Ok(());
    }
    announce("toxiproxy", &format!("go install {TOXIPROXY_MODULE}/cmd/server@v{TOXIPROXY_VERSION} (about 2 minutes)"));
    go_install("toxiproxy", &format!("{TOXIPROXY_MODULE}/cmd/server@v{TOXIPROXY_VERSION}"), &bin)
}

/// `go install package@version` with Go's caches under ours, then moves the binary to `bin`. Each step has
/// its own GOBIN: livekit's and toxiproxy's main packages are both named `server`.
fn go_install(step: &str, package: &str, bin: &Path) -> Result<(), StepError> {
    let go_cache = paths::cache_dir().join("go");
    let gobin = go_cache.join(format!("bin-{step}"));
    run(
        step,
        Command::new("go")
            .args(["install", package])
            .env("GOBIN", &gobin)
            .env("GOPATH", &go_cache)
            .env("GOMODCACHE", go_cache.join("mod"))
            .env("GOCACHE", go_cache.join("build"))
            .env("GOTOOLCHAIN", "local"),
    )?;
    // The built binary is named after its package (`server`); give it a name that says what it is.
    std::fs::rename(gobin.join("server"), bin)
        .map_err(|err| step_error(step, format!("cannot move the built binary to {}: {err}", bin.display())))
}

/// Trunk builds offline, so every crate must be downloaded first.
fn cargo_fetch() -> Result<(), StepError> {
    run("cargo-fetch", command("cargo").args(["fetch", "--quiet"]))
}

/// The release build rebuilds std (`-Zbuild-std`) and Trunk runs cargo offline, so std's own dependencies
/// (`wasip1`, `compiler_builtins`, ...) must be in the cargo home too; `cargo fetch` of the workspace never
/// downloads them.
fn std_sources_fetch() -> Result<(), StepError> {
    let toolchain = SHIPPED_WASM.toolchain;
    let sysroot = output_of(Path::new("rustc"), &[&format!("+{toolchain}"), "--print", "sysroot"])
        .ok_or_else(|| step_error("std-fetch", format!("`rustc +{toolchain} --print sysroot` failed")))?;
    let manifest = Path::new(&sysroot).join("lib/rustlib/src/rust/library/Cargo.toml");
    run(
        "std-fetch",
        Command::new("cargo")
            .arg(format!("+{toolchain}"))
            .args(["fetch", "--quiet", "--manifest-path"])
            .arg(&manifest),
    )
}

fn read(path: &Path, step: &str) -> Result<String, StepError> {
    std::fs::read_to_string(path).map_err(|err| step_error(step, format!("cannot read {}: {err}", path.display())))
}
