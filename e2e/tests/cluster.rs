//! The `e2e-cluster` suite: alice and bob on a LiveKit cluster (two nodes sharing Redis, behind haproxy and
//! toxiproxy; `xtask/src/cluster.rs`), through node loss, a Redis restart and a bad signal path. Alice's
//! signal connection lands on node A and bob's on node B. Each scenario ends in a named state within a bound;
//! where the call can go on, it ends with both people's frames advancing again, and the time from the fault to
//! that moment is printed, one `recovery` line per scenario at the end.

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use e2e::browser::Engine;
use e2e::cluster::{ClusterSuite, Node};
use e2e::date::{
    reopen_with_token_fault, token_requests, with_two_people, Engines, CALL, PARTNER_VIDEO_PLAYING, SOON,
};
use e2e::person::{Person, DATE_PATH};
use e2e::runner::{run_all, Scenario, ScenarioResult};
use serde_json::{json, Value};

/// The cluster runs ChromeDriver only: the faults are on the servers, not in the browser.
const CHROMIUM: Engines = Engines { alice: Engine::Chromium, bob: Engine::Chromium };

/// How long a call may take to come back after a fault before the scenario fails.
const RECOVERY: Duration = Duration::from_secs(45);

struct Context {
    suite: ClusterSuite,
    /// (what, seconds from the fault to both people's frames advancing again)
    recoveries: Mutex<Vec<(&'static str, f64)>>,
}

impl Context {
    fn record(&self, what: &'static str, seconds: f64) {
        if let Ok(mut recoveries) = self.recoveries.lock() {
            recoveries.push((what, seconds));
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let suite = match ClusterSuite::start() {
        Ok(suite) => suite,
        Err(err) => {
            eprintln!("e2e-cluster: cannot start the cluster: {err} (logs in artifacts/logs/e2e-cluster; run `cargo xtask test e2e-cluster`)");
            return ExitCode::FAILURE;
        }
    };
    let context = Context { suite, recoveries: Mutex::new(Vec::new()) };
    let scenarios: &[(&str, Scenario<Context>)] = &[
        ("signals_on_two_nodes_meet_and_see_each_other", |c| Box::pin(two_nodes(c))),
        ("room_node_killed_mid_call_both_are_back_on_the_other_node", |c| Box::pin(node_killed(c))),
        ("room_node_shut_down_mid_call_the_pages_join_again", |c| Box::pin(node_shut_down(c))),
        ("redis_restarted_mid_call_the_call_continues", |c| Box::pin(redis_restarted(c))),
        ("signal_latency_300_ms_each_way_joining_still_works", |c| Box::pin(signal_latency(c))),
        ("signal_path_cut_for_10_s_reconnecting_then_back_clock_unaffected", |c| Box::pin(signal_cut(c))),
        ("token_endpoint_slower_than_the_client_a_sentence_and_a_working_retry", |c| Box::pin(slow_token(c))),
    ];
    let ok = run_all(&context, scenarios).await;
    for (what, seconds) in context.recoveries.lock().map(|r| r.clone()).unwrap_or_default() {
        println!("recovery {what}: {seconds:.1} s");
    }
    drop(context);
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The date's LiveKit room, as the devserver names it.
fn room() -> String {
    format!("video-date-{}", DATE_PATH.rsplit('/').next().unwrap_or_default())
}

/// Undoes what an earlier scenario (even a failed one) left: signal faults, a stopped node or Redis, and
/// its people still listed in the room (a closed window's participant lingers until its node notices), who
/// would otherwise be seen leaving in the next scenario.
async fn heal(context: &Context) -> ScenarioResult {
    context.suite.with(|cluster| {
        cluster.clear_signal_faults()?;
        cluster.ensure_running()
    })?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left_over = context.suite.with(|cluster| cluster.participants_in(&room()))?;
        if left_over == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{left_over} participants of the last scenario are still in the room after 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Heals what the last scenario left, then runs `scenario` with alice and bob in Chromium (see
/// [`with_two_people`]).
async fn healed(
    context: &Context,
    name: &str,
    scenario: impl AsyncFnOnce(&Person, &Person) -> ScenarioResult,
) -> ScenarioResult {
    heal(context).await?;
    with_two_people(&context.suite, CHROMIUM, name, scenario).await
}

/// Joins `someone` with a token whose `serverUrl` lands their signal connection on `node` (while it is up); the
/// page fetches its token before "Join", so it is opened again once the fault is queued (`other`'s page keeps its own).
async fn join_via(context: &Context, someone: &Person, other: &Person, node: Node) -> ScenarioResult {
    let url = context.suite.with(|cluster| Ok(cluster.livekit_url_via(node)))?;
    let fault = json!({"token": {"kind": "server_url", "url": url}});
    let before = reopen_with_token_fault(&context.suite, someone, &[other], fault).await?;
    someone.join().await?;
    let deadline = Instant::now() + SOON;
    while token_requests(someone).await? == before {
        if Instant::now() > deadline {
            return Err(format!("{}: no token fetched within {SOON:?} of joining", someone.name));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Alice joins through node A, bob through node B; both see the other's video playing.
async fn routed_call(context: &Context, alice: &Person, bob: &Person) -> ScenarioResult {
    join_via(context, alice, bob, Node::A).await?;
    join_via(context, bob, alice, Node::B).await?;
    for (me, partner) in [(alice, "bob"), (bob, "alice")] {
        me.wait_until(PARTNER_VIDEO_PLAYING, &format!("{partner}'s video playing"), CALL).await?;
    }
    Ok(())
}

/// The page's metrics have a join-to-connected time once its room connected.
const CONNECTED: &str = "JSON.parse(window.videoDateMetrics()).join_to_connected_ms != null";

const PROBE: &str = "const v = document.querySelector('video.partner-video'); \
    const overlay = document.querySelector('[data-phase]'); \
    return { frames: v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0, \
             overlay: overlay ? overlay.textContent : null, \
             left: document.body.innerText.includes('Your date left') };";

/// One person's view of the call while a fault plays out.
struct Watch<'a> {
    person: &'a Person,
    frames: u64,
    last_advance: Instant,
    disrupted: bool,
    /// Since when the partner's frames advance with nothing over the call, if they do now.
    fine_since: Option<Instant>,
}

/// Watches both people from `fault_at` until each has been disrupted (if `expect_disruption`) and then shows
/// the partner's frames advancing with nothing over the call for two seconds, for at least `at_least` and at
/// most [`RECOVERY`]. Fails the moment a page says the partner left. Returns the seconds from the fault to
/// the later of the two people's frames advancing again (0 when neither call was disrupted).
async fn recovery(people: [&Person; 2], fault_at: Instant, expect_disruption: bool, at_least: Duration) -> Result<f64, String> {
    const SETTLED: Duration = Duration::from_secs(2);
    const STALLED: Duration = Duration::from_secs(1);
    let mut watches: Vec<Watch> = people
        .into_iter()
        .map(|person| Watch { person, frames: 0, last_advance: fault_at, disrupted: false, fine_since: None })
        .collect();
    loop {
        for watch in &mut watches {
            let sample = watch.person.js(PROBE).await?;
            let now = Instant::now();
            if sample["left"] == Value::Bool(true) {
                return Err(format!("{}'s page said the partner left during the recovery", watch.person.name));
            }
            let frames = sample["frames"].as_u64().unwrap_or(0);
            if frames != watch.frames {
                watch.frames = frames;
                watch.last_advance = now;
            }
            let troubled = !sample["overlay"].is_null() || now - watch.last_advance > STALLED;
            if troubled {
                watch.disrupted = true;
                watch.fine_since = None;
            } else if watch.fine_since.is_none() && (watch.disrupted || !expect_disruption) {
                watch.fine_since = Some(watch.last_advance);
            }
        }
        let now = Instant::now();
        let settled = watches.iter().all(|w| w.fine_since.is_some_and(|since| now - since >= SETTLED));
        if settled && now - fault_at >= at_least {
            let back = watches.iter().filter(|w| w.disrupted).filter_map(|w| w.fine_since).max();
            return Ok(back.map_or(0.0, |at| at.saturating_duration_since(fault_at).as_secs_f64()));
        }
        if now - fault_at > RECOVERY {
            let states: Vec<String> = watches
                .iter()
                .map(|w| format!("{}: disrupted {}, fine {}", w.person.name, w.disrupted, w.fine_since.is_some()))
                .collect();
            let texts = [watches[0].person.text().await, watches[1].person.text().await];
            return Err(format!(
                "the call did not come back within {RECOVERY:?} ({}); the pages show: {:?}",
                states.join("; "),
                texts.map(|t| t.replace('\n', " "))
            ));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn two_nodes(context: &Context) -> ScenarioResult {
    healed(context, "cluster_two_nodes", async |alice, bob| {
        let started = Instant::now();
        routed_call(context, alice, bob).await?;
        let (a, b) = context.suite.with(|cluster| {
            Ok((cluster.signal_connections(Node::A, Node::A)?, cluster.signal_connections(Node::B, Node::B)?))
        })?;
        if a == 0 || b == 0 {
            return Err(format!("expected alice's signal on node A and bob's on node B, haproxy has {a} and {b}"));
        }
        let host = context.suite.with(|cluster| cluster.node_hosting(&room()))?;
        println!("  signal: alice on A, bob on B; the room is on {}", host.map_or("no node", Node::name));
        context.record("two nodes: join to both frames", started.elapsed().as_secs_f64());
        Ok(())
    })
    .await
}

/// The node hosting the room, which the fault scenarios take down.
fn hosting_node(context: &Context) -> Result<Node, String> {
    context.suite.with(|cluster| cluster.node_hosting(&room()))?.ok_or_else(|| format!("no running node hosts {}", room()))
}

async fn node_killed(context: &Context) -> ScenarioResult {
    healed(context, "cluster_node_killed", async |alice, bob| {
        routed_call(context, alice, bob).await?;
        let host = hosting_node(context)?;
        let fault_at = Instant::now();
        context.suite.with(|cluster| {
            cluster.kill_node(host);
            Ok(())
        })?;
        println!("  killed {} (SIGKILL), which hosted the room", host.name());
        let seconds = recovery([alice, bob], fault_at, true, Duration::ZERO).await?;
        let now_on = hosting_node(context)?;
        if now_on == host {
            return Err(format!("the room is still placed on the killed {}", host.name()));
        }
        context.record("room node killed (SIGKILL)", seconds);
        Ok(())
    })
    .await
}

async fn node_shut_down(context: &Context) -> ScenarioResult {
    healed(context, "cluster_node_shut_down", async |alice, bob| {
        routed_call(context, alice, bob).await?;
        let host = hosting_node(context)?;
        let fault_at = Instant::now();
        context.suite.with(|cluster| cluster.shut_down_node(host))?;
        println!("  shut {} down (SIGTERM twice: drain, then SERVER_SHUTDOWN)", host.name());
        let seconds = recovery([alice, bob], fault_at, true, Duration::ZERO).await?;
        // A page told SERVER_SHUTDOWN joins again (a second connect, with a fresh token). One whose signal
        // connection was on the stopping node may lose the message with the connection; the SDK then
        // reconnects by itself, which `recovery` saw. The page on the other node is always told.
        let mut told = 0;
        for me in [alice, bob] {
            let metrics = me.metrics().await?;
            if metrics["disconnect_reasons"]["server_shutdown"].as_u64().unwrap_or(0) == 0 {
                println!("  {}: the shutdown message was lost with its connection; the SDK reconnected", me.name);
                continue;
            }
            told += 1;
            if metrics["connects"].as_u64().unwrap_or(0) < 2 {
                return Err(format!("{} was told SERVER_SHUTDOWN but did not join again: {metrics}", me.name));
            }
            println!("  {}: told SERVER_SHUTDOWN, joined again with a fresh token", me.name);
        }
        if told == 0 {
            return Err("neither page was told SERVER_SHUTDOWN".into());
        }
        context.record("room node shut down (SIGTERM x2)", seconds);
        Ok(())
    })
    .await
}

async fn redis_restarted(context: &Context) -> ScenarioResult {
    healed(context, "cluster_redis_restarted", async |alice, bob| {
        routed_call(context, alice, bob).await?;
        let fault_at = Instant::now();
        context.suite.with(|cluster| cluster.restart_redis())?;
        let seconds = recovery([alice, bob], fault_at, false, Duration::from_secs(10)).await?;
        // Signalling works again too: a camera turned off reaches the other side through the nodes.
        bob.click("button.camera-toggle:not([disabled])", SOON).await?;
        alice.wait_for_text("Your date turned their camera off.", SOON).await?;
        context.record("Redis restarted (SHUTDOWN SAVE)", seconds);
        Ok(())
    })
    .await
}

async fn signal_latency(context: &Context) -> ScenarioResult {
    healed(context, "cluster_signal_latency", async |alice, bob| {
        context.suite.with(|cluster| cluster.add_signal_latency(300))?;
        let started = Instant::now();
        routed_call(context, alice, bob).await?;
        let seconds = started.elapsed().as_secs_f64();
        println!("  join with 300 ms each way on the signal path: {seconds:.1} s to both people's video playing");
        context.record("signal latency 300 ms each way: join to both frames", seconds);
        Ok(())
    })
    .await
}

/// Seconds left on the date's timer (`mm:ss`), as `someone` sees it.
async fn timer_seconds(someone: &Person) -> Result<i64, String> {
    let text = someone.js("return document.querySelector('.timer')?.textContent ?? ''").await?;
    let text = text.as_str().unwrap_or_default();
    let mut parts = text.split(':').map(|part| part.trim().parse::<i64>());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(m)), Some(Ok(s)), None) => Ok(m * 60 + s),
        _ => Err(format!("{}: the timer shows {text:?}", someone.name)),
    }
}

async fn signal_cut(context: &Context) -> ScenarioResult {
    healed(context, "cluster_signal_cut", async |alice, bob| {
        // Both joined through `join_date`, so the date is live and its timer counts from the server's `ends_at`.
        routed_call(context, alice, bob).await?;
        alice.wait_until("document.querySelector('.timer')", "the date's timer", SOON).await?;
        let (left_before, read_at) = (timer_seconds(alice).await?, Instant::now());
        let fault_at = Instant::now();
        context.suite.with(|cluster| cluster.set_signal_path(false))?;
        for me in [alice, bob] {
            me.wait_for_text("Reconnecting", SOON).await?;
        }
        tokio::time::sleep(Duration::from_secs(10).saturating_sub(fault_at.elapsed())).await;
        context.suite.with(|cluster| cluster.set_signal_path(true))?;
        let seconds = recovery([alice, bob], fault_at, true, Duration::ZERO).await?;
        let expected = left_before - read_at.elapsed().as_secs() as i64;
        let shown = timer_seconds(alice).await?;
        if (shown - expected).abs() > 2 {
            return Err(format!("the date's timer shows {shown} s left after the cut, expected about {expected} s"));
        }
        context.record("signal path cut for 10 s", seconds);
        Ok(())
    })
    .await
}

async fn slow_token(context: &Context) -> ScenarioResult {
    healed(context, "cluster_slow_token", async |alice, bob| {
        join_via(context, bob, alice, Node::B).await?;
        bob.wait_until(CONNECTED, "bob connected", CALL).await?;
        // The page gives the token endpoint 10 s (src/token/source.rs), twice: the fetch while the pre-join screen
        // shows, then the one "Join" makes after it failed.
        let fault = json!({"token": {"kind": "delay", "ms": 12000}, "count": 2});
        let fault_at = Instant::now();
        reopen_with_token_fault(&context.suite, alice, &[bob], fault).await?;
        alice.join().await?;
        alice.wait_for_text("did not answer within", Duration::from_secs(25)).await?;
        println!("  alice: {}", alice.text().await.lines().find(|l| l.contains("did not answer")).unwrap_or_default());
        alice
            .js("[...document.querySelectorAll('button')].find((b) => b.textContent === 'Rejoin').click()")
            .await?;
        alice.join().await?;
        let seconds = recovery([alice, bob], fault_at, false, Duration::ZERO).await?;
        context.record("token endpoint slower than the client (retry included)", seconds);
        Ok(())
    })
    .await
}
