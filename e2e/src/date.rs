//! Steps two people take on the devserver's seeded date, shared by the e2e suites (`tests/e2e.rs` on one
//! livekit-server, `tests/cluster.rs` on the LiveKit cluster).

use std::future::Future;
use std::time::Duration;

use serde_json::{json, Value};

use crate::browser::{Engine, Permissions};
use crate::person::Person;
use crate::runner::ScenarioResult;

pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";
pub const SOON: Duration = Duration::from_secs(10);
pub const CALL: Duration = Duration::from_secs(25);

/// Where a suite's scenarios find the app, and how they open a browser window on it.
pub trait Site {
    fn devserver(&self) -> &str;
    fn person(&self, name: &'static str, engine: Engine, permissions: Permissions) -> impl Future<Output = Result<Person, String>>;
}

/// Which engine each person's browser runs.
#[derive(Debug, Clone, Copy)]
pub struct Engines {
    pub alice: Engine,
    pub bob: Engine,
}

/// Saves each window's artifacts, closes them, and keeps the first failure.
pub async fn finish(scenario: &str, people: Vec<Person>, result: ScenarioResult) -> ScenarioResult {
    let mut outcome = result;
    for person in people {
        let saved = person.save_artifacts(scenario).await;
        outcome = outcome.and(saved);
        person.close().await;
    }
    outcome
}

/// How long the seeded date runs once live unless a scenario says otherwise (the migration's default).
pub const TEN_MINUTES: u32 = 600;

/// A clean slate: no queued faults, and the date scheduled again, to run `seconds` once live.
pub async fn reset(stack: &impl Site, someone: &Person, seconds: u32) -> ScenarioResult {
    devserver_call(someone, "DELETE", "/__faults", Value::Null).await?;
    // The devserver's fixture (with `--faults` only): nobody may write the row directly.
    let body = json!({ "duration_seconds": seconds });
    devserver_call(someone, "POST", "/__video_dates/d47e0000-0000-4000-8000-000000000001/reset", body)
        .await
        .map(|_| ())
        .map_err(|err| format!("reset the date via {}: {err}", stack.devserver()))
}

const CALL_DEVSERVER: &str = r#"
const [method, path, body, done] = arguments;
fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === null ? undefined : JSON.stringify(body) })
  .then(async (r) => done({ status: r.status, body: await r.text() }))
  .catch((e) => done({ status: 0, body: String(e) }));
"#;

/// Calls the devserver's test API from a window on its origin (so no HTTP client is needed here).
pub async fn devserver_call(someone: &Person, method: &str, path: &str, body: Value) -> Result<Value, String> {
    let answer = someone
        .client
        .execute_async(CALL_DEVSERVER, vec![json!(method), json!(path), body])
        .await
        .map_err(|err| format!("{method} {path}: {err}"))?;
    match answer["status"].as_u64() {
        Some(200..=299) => Ok(serde_json::from_str(answer["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)),
        _ => Err(format!("{method} {path} answered {answer}")),
    }
}

pub async fn token_requests(someone: &Person) -> Result<u64, String> {
    let report = devserver_call(someone, "GET", "/__faults", Value::Null).await?;
    report["token_requests"].as_u64().ok_or_else(|| format!("no token_requests in {report}"))
}

/// The date page fetches its token while the pre-join screen shows, so a token fault meant for a join must be
/// queued before that page opens: waits until every open page (`someone`'s and `others'`) has its token, so none
/// of them takes the fault, queues `fault` (`count` included), and opens the date again for `someone`, whose new
/// page takes it. Returns the devserver's token request count from before the new page.
pub async fn reopen_with_token_fault(
    stack: &impl Site,
    someone: &Person,
    others: &[&Person],
    fault: Value,
) -> Result<u64, String> {
    for page in others.iter().copied().chain([someone]) {
        let fetched = "window.videoDateMetrics && JSON.parse(window.videoDateMetrics()).token_fetches >= 1";
        page.wait_until(fetched, "its pre-join token fetched", SOON).await?;
    }
    devserver_call(someone, "POST", "/__faults", fault).await?;
    let before = token_requests(someone).await?;
    someone.open_date(stack.devserver()).await?;
    Ok(before)
}

/// Runs `scenario` with alice and bob signed in on the date's pre-join screen (faults cleared, a ten-minute
/// date scheduled), then [`finish`]es under `name`: both windows' artifacts saved and closed, however it ended.
pub async fn with_two_people(
    stack: &impl Site,
    engines: Engines,
    name: &str,
    scenario: impl AsyncFnOnce(&Person, &Person) -> ScenarioResult,
) -> ScenarioResult {
    with_two_people_on_a_date_of(stack, engines, TEN_MINUTES, name, scenario).await
}

/// [`with_two_people`] on a date that runs `seconds` once both have joined.
pub async fn with_two_people_on_a_date_of(
    stack: &impl Site,
    engines: Engines,
    seconds: u32,
    name: &str,
    scenario: impl AsyncFnOnce(&Person, &Person) -> ScenarioResult,
) -> ScenarioResult {
    let (alice, bob) = two_people_on_a_date_of(stack, engines, seconds).await?;
    let result = scenario(&alice, &bob).await;
    finish(name, vec![alice, bob], result).await
}

/// Alice and Bob signed in on the date's pre-join screen, with faults cleared and a ten-minute date scheduled,
/// for a scenario that finishes the windows itself (one of them crashes); the others use [`with_two_people`].
pub async fn two_people(stack: &impl Site, engines: Engines) -> Result<(Person, Person), String> {
    two_people_on_a_date_of(stack, engines, TEN_MINUTES).await
}

/// [`two_people`] on a date that runs `seconds` once both have joined.
async fn two_people_on_a_date_of(
    stack: &impl Site,
    engines: Engines,
    seconds: u32,
) -> Result<(Person, Person), String> {
    let alice = stack.person("alice", engines.alice, Permissions::Granted).await?;
    let bob = match stack.person("bob", engines.bob, Permissions::Granted).await {
        Ok(bob) => bob,
        Err(err) => {
            alice.close().await;
            return Err(err);
        }
    };
    let opened = async {
        alice.sign_in(stack.devserver(), ALICE).await?;
        reset(stack, &alice, seconds).await?;
        alice.open_date(stack.devserver()).await?;
        bob.open_date_as(stack.devserver(), BOB).await
    }
    .await;
    match opened {
        Ok(()) => Ok((alice, bob)),
        Err(err) => {
            let _already_failing = finish("setup", vec![alice, bob], Ok(())).await;
            Err(err)
        }
    }
}

pub const PARTNER_VIDEO_PLAYING: &str = "(() => { const v = document.querySelector('video.partner-video'); \
    return v && v.videoWidth > 0 && v.currentTime > 0.5; })()";
pub const PARTNER_VIDEO_PLAYING_UNCOVERED: &str = "(() => { const v = document.querySelector('video.partner-video'); \
    return v && v.videoWidth > 0 && !document.querySelector('[data-phase]'); })()";

pub async fn both_in_call(alice: &Person, bob: &Person) -> ScenarioResult {
    alice.join().await?;
    bob.join().await?;
    for (me, partner) in [(alice, "bob"), (bob, "alice")] {
        me.wait_until(PARTNER_VIDEO_PLAYING, &format!("{partner}'s video playing"), CALL).await?;
    }
    Ok(())
}

/// "End date", then "Yes, end it": the page asks once before ending the date for both.
pub async fn end_the_date(someone: &Person) -> ScenarioResult {
    someone.click(".controls button.danger", SOON).await?;
    someone.click(".confirm-end button.danger", SOON).await
}
