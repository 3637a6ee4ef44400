//! `cargo xtask bench`'s browser figures: start-up and join of the release build on the local stack, each run in a
//! fresh headless Chromium (cold cache), timed inside the page. Prints one `Timing` line per figure on stdout
//! (progress goes to stderr); asserts nothing.

use std::process::ExitCode;
use std::time::Duration;

use e2e::browser::{Engine, Permissions};
use e2e::person::{ConsoleLog, Person};
use e2e::{browser, Stack, StackOptions};
use fantoccini::Client;
use serde_json::{json, Value};
use xtask::bench::timing::Timing;
use xtask::paths;
use xtask::stack::BENCH_PORTS;

const RUNS: usize = 10;
const EMAIL: &str = "alice@example.com";
/// How long a page may take to reach a figure's end before the run counts as failed; under WebDriver's default
/// 30 s script timeout, so the page's own answer says which figure it was.
const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

/// Calls `done(performance.now())` the moment `ready()` holds, watching every DOM change, or `done({error})`
/// after `timeoutMs` with what the page shows and logged meanwhile. Shared by both timed scripts.
const WHEN_READY: &str = r#"
function whenReady(ready, timeoutMs, done) {
  const logged = [];
  const originals = {};
  for (const level of ['error', 'warn', 'info', 'log']) {
    originals[level] = console[level];
    console[level] = (...args) => { logged.push(args.join(' ')); originals[level].apply(console, args); };
  }
  const finish = (answer) => { observer.disconnect(); clearTimeout(timer); Object.assign(console, originals); done(answer); };
  const timer = setTimeout(() => finish({
    error: `not reached in ${timeoutMs} ms; the page shows: ${document.body.innerText.slice(0, 300)}; it logged: ${logged.join(' / ').slice(0, 600)}`,
  }), timeoutMs);
  const observer = new MutationObserver(() => { if (ready()) finish(performance.now()); });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}
"#;

/// Navigation start (the page's time origin) to first paint and to "Join the date" being enabled; `{late}` if it
/// was enabled before the script ran, because then the moment was missed.
const START_UP: &str = r#"
const [timeoutMs, done] = arguments;
const joinEnabled = () => document.querySelector('button.primary:not([disabled])');
if (joinEnabled()) { done({ late: true }); return; }
whenReady(joinEnabled, timeoutMs, (interactive) => {
  const paints = performance.getEntriesByType('paint');
  const firstPaint = paints.find((p) => p.name === 'first-paint') || paints[0];
  done(typeof interactive === 'number' ? { interactive, firstPaint: firstPaint ? firstPaint.startTime : null } : interactive);
});
"#;

/// "Join the date" clicked to the call connected (the overlay gone: bob is already in the room) and to bob's first
/// video frame shown. Polled every 5 ms: a frame arriving is not a DOM mutation.
const JOIN: &str = r#"
const [timeoutMs, done] = arguments;
const connected = () => document.querySelector('section.call') && !document.querySelector('[data-phase]');
const frame = () => { const v = document.querySelector('video.partner-video'); return v && v.videoWidth > 0; };
const clicked = performance.now();
const seen = {};
const poll = setInterval(() => {
  const now = performance.now() - clicked;
  if (seen.join === undefined && connected()) seen.join = now;
  if (seen.frame === undefined && frame()) seen.frame = now;
  if (seen.join !== undefined && seen.frame !== undefined) { clearInterval(poll); done(seen); }
  else if (now > timeoutMs) { clearInterval(poll); done({ error: `not joined within ${timeoutMs} ms: ${document.body.innerText.slice(0, 300)}` }); }
}, 5);
document.querySelector('button.primary:not([disabled])').click();
"#;

/// Drops every realtime socket (devserver fault) and times until the page's metrics count a new subscription.
const REALTIME_RECOVERY: &str = r#"
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

/// One run's start-up samples, in milliseconds.
struct StartUp {
    first_paint: f64,
    interactive: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    // The e2e stack's set-up on ports of its own; fault injection only for the realtime recovery figure.
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
    let mut start_ups = Vec::with_capacity(RUNS);
    // Joining is timed until it first fails: the start-up figures are still worth having, and every
    // further attempt would only wait out the same timeout.
    let mut joins: Result<Vec<(f64, f64)>, String> = Ok(Vec::with_capacity(RUNS));
    let mut recoveries: Result<Vec<f64>, String> = Err("no run joined".into());
    let Some(webdriver) = stack.webdriver_url(Engine::Chromium) else {
        return failed(0, "the bench stack has no chromedriver");
    };
    // Bob waits in the call, so each of alice's joins also has a partner's first frame to time.
    let bob = match bob_in_the_call(&webdriver, &stack.devserver_url()).await {
        Ok(bob) => bob,
        Err(why) => return failed(0, &why),
    };
    for number in 1..=RUNS {
        let client = match browser::open(&webdriver, Engine::Chromium, Permissions::Granted).await {
            Ok(client) => client,
            Err(why) => return failed(number, &why),
        };
        let start_up = start_up(&client, &stack.devserver_url()).await;
        let join = match (&start_up, &joins) {
            (Ok(_), Ok(_)) => Some(
                timed(&client, JOIN, "join")
                    .await
                    .and_then(|answer| Ok((number_in(&answer, "join")?, number_in(&answer, "frame")?))),
            ),
            _ => None,
        };
        if number == RUNS && matches!(join, Some(Ok(_))) {
            recoveries = realtime_recoveries(&client).await;
        }
        let _ = client.close().await;
        let start_up = match start_up {
            Ok(start_up) => start_up,
            Err(why) => return failed(number, &why),
        };
        eprintln!("bench run {number}/{RUNS}: first paint {:.0} ms, interactive {:.0} ms", start_up.first_paint, start_up.interactive);
        start_ups.push(start_up);
        match (join, &mut joins) {
            (Some(Ok((join, frame))), Ok(samples)) => {
                eprintln!("bench run {number}/{RUNS}: join {join:.0} ms, first partner frame {frame:.0} ms");
                samples.push((join, frame));
            }
            (Some(Err(why)), _) => {
                eprintln!("bench run {number}/{RUNS}: join failed: {why}");
                joins = Err(format!("run {number}: {why}"));
            }
            _ => {}
        }
    }
    bob.close().await;
    drop(stack);
    let join_figure = |pick: fn(&(f64, f64)) -> f64| joins.clone().map(|samples| samples.iter().map(pick).collect());
    let sampled = |pick: fn(&StartUp) -> f64| Ok(start_ups.iter().map(pick).collect());
    let timings = [
        Timing { label: "navigation → first paint".into(), samples_ms: sampled(|s| s.first_paint) },
        Timing {
            label: "navigation → pre-join interactive (\"Join the date\" enabled)".into(),
            samples_ms: sampled(|s| s.interactive),
        },
        Timing { label: "\"Join the date\" clicked → call connected".into(), samples_ms: join_figure(|j| j.0) },
        Timing {
            label: "\"Join the date\" clicked → partner's first video frame".into(),
            samples_ms: join_figure(|j| j.1),
        },
        Timing {
            label: "realtime socket dropped → subscribed again (the policy's first retry waits 0–1000 ms)".into(),
            samples_ms: recoveries,
        },
    ];
    for timing in timings {
        println!("{}", timing.to_line());
    }
    ExitCode::SUCCESS
}

async fn bob_in_the_call(webdriver: &str, devserver: &str) -> Result<Person, String> {
    let client = browser::open(webdriver, Engine::Chromium, Permissions::Granted).await?;
    let bob = Person::new("bob", Engine::Chromium, client, ConsoleLog::ChromeDriver);
    bob.open_date_as(devserver, "bob@example.com").await?;
    bob.join().await?;
    bob.wait_for_text("hasn't joined yet", PAGE_TIMEOUT).await?;
    Ok(bob)
}

/// Drops alice's realtime socket [`DROPS`] times and times each recovery.
async fn realtime_recoveries(client: &Client) -> Result<Vec<f64>, String> {
    let mut samples = Vec::with_capacity(DROPS);
    for _ in 0..DROPS {
        let answer = client
            .execute_async(REALTIME_RECOVERY, vec![json!(PAGE_TIMEOUT.as_millis() as u64)])
            .await
            .map_err(|err| format!("realtime recovery script: {err}"))?;
        if let Some(error) = answer.get("error") {
            return Err(format!("realtime recovery: {error}"));
        }
        samples.push(number_in(&answer, "recovery")?);
    }
    Ok(samples)
}

fn failed(number: usize, why: &str) -> ExitCode {
    eprintln!("bench run {number}/{RUNS} failed: {why}");
    ExitCode::FAILURE
}

async fn start_up(client: &Client, devserver: &str) -> Result<StartUp, String> {
    Person::new("alice", Engine::Chromium, client.clone(), ConsoleLog::ChromeDriver).open_date_as(devserver, EMAIL).await?;
    let answer = timed(client, START_UP, "start-up").await?;
    Ok(StartUp { first_paint: number_in(&answer, "firstPaint")?, interactive: number_in(&answer, "interactive")? })
}

/// Runs one timed script with [`WHEN_READY`] in scope and turns its `{error}` or `{late}` answers into errors.
async fn timed(client: &Client, script: &str, what: &str) -> Result<Value, String> {
    let answer = client
        .execute_async(&format!("{WHEN_READY}\n{script}"), vec![json!(PAGE_TIMEOUT.as_millis() as u64)])
        .await
        .map_err(|err| format!("{what} script: {err}"))?;
    if let Some(error) = answer.get("error") {
        return Err(format!("{what}: {error}"));
    }
    if answer.get("late").is_some() {
        return Err(format!("{what}: the page was ready before the bench could watch it, so the time is unknown"));
    }
    Ok(answer)
}

fn number_in(answer: &Value, field: &str) -> Result<f64, String> {
    answer.get(field).and_then(Value::as_f64).ok_or_else(|| format!("the page reported no {field}: {answer}"))
}
