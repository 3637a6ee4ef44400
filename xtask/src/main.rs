//! `cargo xtask <command>`: the README's commands.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use xtask::build::{build_app, build_devserver, Profile};
use xtask::engine::{Engine, Permissions};
use xtask::paths;
use xtask::postgres::Cluster;
use xtask::process::{command, describe, step_error, StepError};
use xtask::scratch::{self, RunScratch};
use xtask::stack::{Ports, Stack, StackOptions, DEV_PORTS, TEST_PORTS};
use xtask::{bench, setup, supervise};

const USAGE: &str = "usage: cargo xtask <setup|dev|test|build-release|bench>
  setup          install what is missing (idempotent)
  dev [--port-base N]
                 set up, build, start livekit-server + devserver + the app; Ctrl-C (or SIGTERM/SIGHUP) stops
                 all; --port-base N moves livekit to N..N+2 and the devserver to N+3
  test [SUITE..] set up, then run clippy (native and wasm), the native, browser (both engines), e2e and
                 e2e-cluster suites, or only the named ones (clippy, clippy-native, clippy-wasm, native, browser,
                 browser-chromium, browser-firefox, e2e, e2e-cluster)
  build-release  set up, then build the release app into dist/
  bench [PART..] set up, build, measure sizes, release settings, the app side by side with the React page, and
                 leaks (or only the named parts: sizes, profiles, side-by-side, leaks); print and write BENCHMARKS.md";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let run: fn() -> Result<(), StepError> = match task.as_str() {
        "setup" => setup::run_all,
        "dev" => dev,
        "test" => test,
        "build-release" => || setup::run_all().and_then(|()| build_app(Profile::Release)),
        "bench" => bench::run,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    scratch::prune_stale_target_dirs();
    let result = RunScratch::enter().and_then(|_scratch| {
        supervise::install(scratch::remove_own).map_err(|err| step_error("signals", err.to_string()))?;
        let result = run();
        supervise::yield_to_stop();
        result
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask {task}: {err}");
            ExitCode::FAILURE
        }
    }
}

fn dev() -> Result<(), StepError> {
    let ports = match std::env::args().skip(2).collect::<Vec<_>>().as_slice() {
        [] => DEV_PORTS,
        [flag, base] if flag == "--port-base" => base
            .parse()
            .ok()
            .and_then(Ports::from_base)
            .ok_or_else(|| step_error("dev", format!("--port-base wants a port from 1024 to 65530, not `{base}`")))?,
        other => return Err(step_error("dev", format!("unexpected arguments {other:?}; see `cargo xtask help`"))),
    };
    setup::run_all()?;
    build_devserver()?;
    build_app(Profile::Debug)?;
    let mut stack = Stack::start(StackOptions {
        ports,
        dist: Some(paths::dist_dir()),
        faults: false,
        webdrivers: &[],
        log_dir: None,
    })?;
    let app = stack.devserver_url();
    println!();
    println!("video-date is running:");
    println!("  app             {app}/video-date/<date id>   (the devserver prints the seeded date id)");
    println!("  livekit-server  {}", stack.livekit_url());
    println!("  devserver       {app}   (token API, Supabase stand-in)");
    println!(
        "Sign in as alice@example.com or bob@example.com, password `password`; open a second window for the other one."
    );
    println!("Press Ctrl-C to stop everything.");
    // A stop signal is handled by `supervise`, which stops every server and exits; here only a server that
    // exits by itself ends the wait.
    match stack.wait_for_exit() {
        (name, status) if status.success() => {
            println!("{name} stopped; everything else is stopped too.");
            Ok(())
        }
        (name, status) => Err(step_error("dev", format!("{name} exited ({status}); stopped the rest"))),
    }
}

/// The migrated database the native suite's tests copy (`devserver/tests/common/mod.rs`).
const TEST_TEMPLATE: &str = "video_date_template";

/// One suite's outcome, from the libtest `test result:` lines it printed.
struct SuiteResult {
    name: String,
    passed: u32,
    failed: u32,
    succeeded: bool,
    seconds: f64,
}

/// The suites `cargo xtask test` runs, in order; `cargo xtask test <suite>..` runs only those named.
const SUITES: [&str; 9] = [
    "clippy",
    "clippy-native",
    "clippy-wasm",
    "native",
    "browser",
    "browser-chromium",
    "browser-firefox",
    "e2e",
    "e2e-cluster",
];

fn test() -> Result<(), StepError> {
    let only: Vec<String> = std::env::args().skip(2).collect();
    if let Some(unknown) = only.iter().find(|name| !SUITES.contains(&name.as_str())) {
        return Err(step_error("test", format!("no suite named `{unknown}`; the suites are {}", SUITES.join(", "))));
    }
    let wanted = |suite: &str| only.is_empty() || only.iter().any(|name| name == suite);
    setup::run_all()?;
    build_devserver()?;
    let mut results = Vec::new();
    // Lints first: they are the quickest to fail.
    if wanted("clippy") || wanted("clippy-native") {
        let mut clippy = command("cargo");
        clippy.args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
        results.push(run_check("clippy-native".into(), &mut clippy)?);
    }
    if wanted("clippy") || wanted("clippy-wasm") {
        let mut clippy = command("cargo");
        clippy.args(["clippy", "--package", "video-date", "--target", "wasm32-unknown-unknown", "--all-targets"]);
        results.push(run_check("clippy-wasm".into(), clippy.args(["--", "-D", "warnings"]))?);
    }
    if wanted("native") {
        // The SQL suite and the devserver's tests make their own databases from this migrated template.
        let logs = paths::artifacts_dir().join("logs").join("native");
        std::fs::create_dir_all(&logs)
            .map_err(|err| step_error("native", format!("cannot create {}: {err}", logs.display())))?;
        let postgres = Cluster::start(Some(&logs.join("postgres.log")))?;
        postgres.create_database(TEST_TEMPLATE)?;
        let mut cargo = command("cargo");
        cargo.args(["test", "--workspace", "--exclude", "e2e"]).env("VIDEO_DATE_TEST_DATABASE", postgres.url(TEST_TEMPLATE));
        results.push(run_suite("native".into(), &mut cargo)?);
    }
    let engine_wanted = |engine: &Engine| wanted("browser") || wanted(&format!("browser-{}", engine.name()));
    let engines: Vec<Engine> = Engine::ALL.into_iter().filter(engine_wanted).collect();
    if !engines.is_empty() {
        let stack = Stack::start(StackOptions {
            ports: TEST_PORTS,
            dist: None,
            faults: true,
            webdrivers: &[],
            log_dir: Some(paths::artifacts_dir().join("logs").join("browser")),
        })?;
        for engine in engines {
            results.push(browser_suite(&stack, engine)?);
        }
    }
    if wanted("e2e") || wanted("e2e-cluster") {
        build_app(Profile::Release)?;
    }
    if wanted("e2e") {
        let e2e = ["test", "--package", "e2e", "--lib", "--bins", "--test", "e2e"];
        results.push(run_suite("e2e".into(), command("cargo").args(e2e))?);
    }
    if wanted("e2e-cluster") {
        // Its own stack: two livekit-server nodes, Redis, haproxy and toxiproxy (xtask/src/cluster.rs).
        let cluster = ["test", "--package", "e2e", "--test", "cluster"];
        results.push(run_suite("e2e-cluster".into(), command("cargo").args(cluster))?);
    }

    println!();
    for r in &results {
        let verdict = if r.succeeded && r.failed == 0 && r.passed > 0 { "ok" } else { "FAILED" };
        println!(
            "suite {:<16} {verdict:<6} {:>4} passed {:>3} failed  {:>6.1} s",
            r.name, r.passed, r.failed, r.seconds
        );
    }
    let bad: Vec<_> =
        results.iter().filter(|r| !r.succeeded || r.failed > 0 || r.passed == 0).map(|r| r.name.as_str()).collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(step_error("test", format!("failing or empty suites: {}", bad.join(", "))))
    }
}

/// The browser tests that need the browser itself to refuse camera and microphone (`webdriver-denied.json`):
/// the test binary, and the start of each test's name in it (the runner's `--skip` matches names only).
const DENIED_MEDIA_TESTS: &str = "media_denied";

/// The browser suite in one engine: every test with camera and microphone granted, then
/// [`DENIED_MEDIA_TESTS`] with them denied, counted as one suite named after the engine.
fn browser_suite(stack: &Stack, engine: Engine) -> Result<SuiteResult, StepError> {
    let name = format!("browser-{}", engine.name());
    let mut granted = stack.browser_tests(engine, Permissions::Granted);
    granted.args(["--tests", "--", "--skip", DENIED_MEDIA_TESTS]);
    let granted = run_suite(name.clone(), &mut granted)?;
    let mut denied = stack.browser_tests(engine, Permissions::Denied);
    denied.args(["--test", DENIED_MEDIA_TESTS]);
    Ok(granted.and(run_suite(name, &mut denied)?))
}

impl SuiteResult {
    /// Two runs of one suite as one.
    fn and(self, other: SuiteResult) -> SuiteResult {
        SuiteResult {
            name: self.name,
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
            succeeded: self.succeeded && other.succeeded,
            seconds: self.seconds + other.seconds,
        }
    }
}

/// Runs a libtest-style suite, echoing its output and adding up its `test result:` lines.
fn run_suite(name: String, command: &mut Command) -> Result<SuiteResult, StepError> {
    println!("==> suite {name}: {}", describe(command));
    let started = Instant::now();
    let mut child = xtask::process::spawn(&name, command.stdout(Stdio::piped()))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(counts) = line.strip_prefix("test result: ") {
                passed += count_before(counts, " passed");
                failed += count_before(counts, " failed");
            }
        }
    }
    let status = child.wait();
    supervise::forget(child.id());
    let status = status.map_err(|err| step_error(&name, err.to_string()))?;
    Ok(SuiteResult { name, passed, failed, succeeded: status.success(), seconds: started.elapsed().as_secs_f64() })
}

/// Runs a check that passes or fails as a whole (clippy prints no `test result:` line), counted as one test.
fn run_check(name: String, command: &mut Command) -> Result<SuiteResult, StepError> {
    let result = run_suite(name, command)?;
    let (passed, failed) = if result.succeeded { (1, 0) } else { (0, 1) };
    Ok(SuiteResult { passed, failed, ..result })
}

/// In "ok. 3 passed; 0 failed; …", the number before `label`.
fn count_before(counts: &str, label: &str) -> u32 {
    counts
        .split(';')
        .find_map(|part| part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(label))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::count_before;

    #[test]
    fn counts_come_from_libtest_result_lines() {
        let line = "ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(count_before(line, " passed"), 12);
        assert_eq!(count_before(line, " failed"), 0);
        assert_eq!(count_before("FAILED. 3 passed; 2 failed; 0 ignored", " failed"), 2);
    }
}
