//! `cargo xtask bench`'s browser figures: from opening the date link to the partner's first frame, for the release
//! build and for the same page in React (`bench/react/`, served under `/react/`), on one local stack, each run in a
//! fresh headless Chromium (cold cache), unthrottled and throttled through the DevTools protocol. Times are taken
//! inside the page by a probe installed before any of the page's scripts. Prints one `Timing` line per figure on
//! stdout (progress goes to stderr); asserts nothing.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use e2e::browser::{Engine, Permissions};
use e2e::person::{ConsoleLog, Person, DATE_PATH};
use e2e::{browser, Stack, StackOptions};
use fantoccini::Client;
use serde_json::{json, Value};
use xtask::bench::timing::{
    Network, Timing, BYTES_BEFORE_READY, CONNECTED, FIRST_FRAME, JOIN_TO_CONNECTED, NETWORKS, PROJECT, REACT, READY,
    REALTIME_RECOVERY,
};
use xtask::paths;
use xtask::stack::BENCH_PORTS;

/// Fresh-profile runs per page and network.
const RUNS: usize = 7;
const EMAIL: &str = "alice@example.com";
/// How long a page may take from navigation to the partner's first frame before the run counts as failed.
const PAGE_TIMEOUT: Duration = Duration::from_secs(40);

/// Installed with `Page.addScriptToEvaluateOnNewDocument`, so it runs before the page's own scripts (and, being
/// the browser's, outside the page's Content-Security-Policy). Records in `window.__bench`, on the page's clock
/// (0 = navigation start): the app's pre-join ready (and clicks "Join the date" in that same moment), connected,
/// the partner's first frame, and the bytes transferred (compressed, headers in) by then. Checks on every DOM
/// change, and every 5 ms because a frame arriving is not a DOM change.
const PROBE: &str = r#"
(() => {
  if (!document.location.pathname.includes('/video-date/')) return;
  const seen = {};
  window.__bench = seen;
  const bytes = () => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .reduce((sum, entry) => sum + (entry.transferSize || 0), 0);
  const connected = () => document.querySelector('[data-room-state="connected"]')
    || (document.querySelector('section.call') && !document.querySelector('[data-phase]'));
  const frame = () => { const v = document.querySelector('video.partner-video'); return v && v.videoWidth > 0; };
  const check = () => {
    const now = performance.now();
    if (seen.ready === undefined) {
      const join = document.querySelector('button.primary:not([disabled])');
      if (join) { seen.ready = now; seen.readyBytes = bytes(); join.click(); }
    }
    if (seen.connected === undefined && connected()) seen.connected = now;
    if (seen.frame === undefined && frame()) {
      seen.frame = now;
      seen.frameBytes = bytes();
      observer.disconnect();
      clearInterval(poll);
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  const poll = setInterval(check, 5);
})();
"#;

/// Drops every realtime socket (devserver fault) and times until the page's metrics count a new subscription.
const REALTIME_DROP: &str = r#"
const [timeoutMs, done] = arguments;
const subscriptions = () => JSON.parse(window.videoDateMetrics()).realtime_subscriptions;
const before = subscriptions();
const started = performance.now();
fetch('/__faults', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ realtime: { kind: 'drop_sockets' } }) })
  .then(() => {
    const poll = setInterval(() => {
      const elapsed = performance.now() - started;
      if (subscriptions() > before) { clearInterval(poll); done({ recovery: elapsed }); }
      else if (elapsed > timeoutMs) { clearInterval(poll); done({ error: 'not subscribed again' }); }
    }, 5);
  })
  .catch((e) => done({ error: String(e) }));
"#;

/// How many socket drops the realtime recovery figure samples.
const DROPS: usize = 5;

#[derive(Clone, Copy)]
enum Page {
    Project,
    React,
}

impl Page {
    fn name(self) -> &'static str {
        match self {
            Page::Project => PROJECT,
            Page::React => REACT,
        }
    }

    fn url(self, devserver: &str) -> String {
        match self {
            Page::Project => format!("{devserver}{DATE_PATH}"),
            Page::React => format!("{devserver}/react{DATE_PATH}"),
        }
    }
}

/// What the probe saw in one run, in milliseconds from navigation start and bytes.
struct Run {
    /// The app only: "Join the date" enabled, and the bytes transferred by then.
    ready: Option<(f64, f64)>,
    connected: f64,
    frame: f64,
    frame_bytes: f64,
}

/// Samples of one page on one network, or why its runs stopped.
struct Series {
    runs: Result<Vec<Run>, String>,
}

impl Series {
    fn add(&mut self, run: Result<Run, String>, number: usize) {
        match (run, &mut self.runs) {
            (Ok(run), Ok(runs)) => runs.push(run),
            (Err(why), Ok(_)) => self.runs = Err(format!("run {number}: {why}")),
            (_, Err(_)) => {}
        }
    }

    fn figure(&self, pick: impl Fn(&Run) -> Option<f64>) -> Result<Vec<f64>, String> {
        let runs = self.runs.as_ref().map_err(Clone::clone)?;
        runs.iter().map(|run| pick(run).ok_or_else(|| "the page reported no such moment".to_owned())).collect()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // The e2e stack's set-up on ports of its own; fault injection only for the realtime recovery figure. The
    // React page's directory reaches the devserver as DEVSERVER_REACT_DIST, set by `cargo xtask bench`.
    let stack = Stack::start(StackOptions {
        ports: BENCH_PORTS,
        dist: Some(paths::dist_dir()),
        faults: true,
        webdrivers: &[Engine::Chromium],
        log_dir: Some(paths::artifacts_dir().join("logs").join("bench")),
    });
    let stack = match stack {
        Ok(stack) => stack,
        Err(err) => {
            eprintln!("bench: cannot start the stack: {err} (logs in artifacts/logs/bench)");
            return ExitCode::FAILURE;
        }
    };
    let webdriver = stack.webdriver_url(Engine::Chromium).unwrap_or_default();
    let devserver = stack.devserver_url();
    // Bob waits in the call, so each of alice's joins has a partner's first frame to time.
    let bob = match bob_in_the_call(&webdriver, &devserver).await {
        Ok(bob) => bob,
        Err(why) => {
            eprintln!("bench: bob could not join: {why}");
            return ExitCode::FAILURE;
        }
    };
    let pages = [Page::Project, Page::React];
    let mut series: Vec<Vec<Series>> =
        NETWORKS.iter().map(|_| pages.iter().map(|_| Series { runs: Ok(Vec::new()) }).collect()).collect();
    let mut recoveries: Result<Vec<f64>, String> = Err("no run of the app joined".into());
    // The pages take turns, so a busy moment of the machine does not fall on one page only.
    for number in 1..=RUNS {
        for (network_index, network) in NETWORKS.iter().enumerate() {
            for (page_index, page) in pages.iter().enumerate() {
                if series[network_index][page_index].runs.is_err() {
                    continue;
                }
                let last_unthrottled_app_run = number == RUNS && network.throttle.is_none() && matches!(page, Page::Project);
                let run = one_run(&webdriver, &devserver, *page, network, last_unthrottled_app_run).await;
                let run = run.map(|(run, recovered)| {
                    if let Some(recovered) = recovered {
                        recoveries = recovered;
                    }
                    run
                });
                match &run {
                    Ok(run) => eprintln!(
                        "bench run {number}/{RUNS}, {}, {}: connected {:.0} ms, first frame {:.0} ms, {:.1} KB",
                        network.name,
                        page.name(),
                        run.connected,
                        run.frame,
                        run.ready.map_or(run.frame_bytes, |(_, bytes)| bytes) / 1000.0
                    ),
                    Err(why) => eprintln!("bench run {number}/{RUNS}, {}, {} failed: {why}", network.name, page.name()),
                }
                series[network_index][page_index].add(run, number);
            }
        }
    }
    bob.close().await;
    drop(stack);
    for (network, pages_series) in NETWORKS.iter().zip(&series) {
        for (page, series) in pages.iter().zip(pages_series) {
            let line = |figure: &str, samples: Result<Vec<f64>, String>| {
                Timing { network: network.name.into(), page: page.name().into(), figure: figure.into(), samples }.to_line()
            };
            // The React page has no pre-join screen: everything it needs is loaded before it shows the call.
            let bytes = series.figure(|run| Some(run.ready.map_or(run.frame_bytes, |(_, bytes)| bytes)));
            println!("{}", line(BYTES_BEFORE_READY, bytes));
            if matches!(page, Page::Project) {
                println!("{}", line(READY, series.figure(|run| run.ready.map(|(ms, _)| ms))));
            }
            println!("{}", line(CONNECTED, series.figure(|run| Some(run.connected))));
            println!("{}", line(FIRST_FRAME, series.figure(|run| Some(run.frame))));
            if matches!(page, Page::Project) {
                println!("{}", line(JOIN_TO_CONNECTED, series.figure(|run| run.ready.map(|(ms, _)| run.connected - ms))));
                if network.throttle.is_none() {
                    println!("{}", line(REALTIME_RECOVERY, recoveries.clone()));
                }
            }
        }
    }
    ExitCode::SUCCESS
}

async fn bob_in_the_call(webdriver: &str, devserver: &str) -> Result<Person, String> {
    let client = browser::open(webdriver, Engine::Chromium, Permissions::Granted).await?;
    let bob = Person::new("bob", Engine::Chromium, client, ConsoleLog::ChromeDriver);
    bob.open_date_as(devserver, "bob@example.com").await?;
    bob.join().await?;
    bob.wait_for_text("hasn't joined yet", Duration::from_secs(20)).await?;
    Ok(bob)
}

/// Alice in a fresh browser: signed in, the probe installed, the network held back, then the date link opened.
/// Returns the run and, when asked, the realtime recovery samples taken after it.
async fn one_run(
    webdriver: &str,
    devserver: &str,
    page: Page,
    network: &Network,
    realtime: bool,
) -> Result<(Run, Option<Result<Vec<f64>, String>>), String> {
    let client = browser::open(webdriver, Engine::Chromium, Permissions::Granted).await?;
    let outcome = async {
        let alice = Person::new("alice", Engine::Chromium, client.clone(), ConsoleLog::ChromeDriver);
        alice.sign_in(devserver, EMAIL).await?;
        browser::cdp(&client, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": PROBE })).await?;
        if let Some(throttle) = network.throttle {
            browser::cdp(&client, "Network.enable", json!({})).await?;
            let conditions = json!({
                "offline": false,
                "latency": throttle.round_trip_ms,
                "downloadThroughput": throttle.download_bits_per_s / 8,
                "uploadThroughput": throttle.upload_bits_per_s / 8,
            });
            browser::cdp(&client, "Network.emulateNetworkConditions", conditions).await?;
            browser::cdp(&client, "Emulation.setCPUThrottlingRate", json!({ "rate": throttle.cpu_slowdown })).await?;
        }
        alice.goto(&page.url(devserver)).await?;
        let run = wait_for_first_frame(&alice).await?;
        let recoveries = if realtime { Some(realtime_recoveries(&client).await) } else { None };
        Ok((run, recoveries))
    }
    .await;
    let _ = client.close().await;
    outcome
}

async fn wait_for_first_frame(alice: &Person) -> Result<Run, String> {
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let seen = alice.js("return window.__bench || null").await?;
        if let Some(frame) = seen.get("frame").and_then(Value::as_f64) {
            let number = |field: &str| seen.get(field).and_then(Value::as_f64);
            let ready = number("ready").zip(number("readyBytes"));
            let connected = number("connected").ok_or("the page showed a frame but never looked connected")?;
            let frame_bytes = number("frameBytes").unwrap_or_default();
            return Ok(Run { ready, connected, frame, frame_bytes });
        }
        if Instant::now() > deadline {
            let text = alice.text().await.replace('\n', " ");
            return Err(format!("no partner frame within {PAGE_TIMEOUT:?} (probe saw {seen}); the page shows: {text}"));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Drops alice's realtime socket [`DROPS`] times and times each recovery.
async fn realtime_recoveries(client: &Client) -> Result<Vec<f64>, String> {
    let mut samples = Vec::with_capacity(DROPS);
    for _ in 0..DROPS {
        let answer = client
            .execute_async(REALTIME_DROP, vec![json!(20_000)])
            .await
            .map_err(|err| format!("realtime recovery script: {err}"))?;
        if let Some(error) = answer.get("error") {
            return Err(format!("realtime recovery: {error}"));
        }
        samples.push(answer.get("recovery").and_then(Value::as_f64).ok_or_else(|| format!("no recovery in {answer}"))?);
    }
    Ok(samples)
}
