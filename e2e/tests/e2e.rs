//! The e2e suite: two people on one date, on the release build and the real local stack, alice in headless
//! Chromium and bob in headless Firefox (and the other way round for the happy path), since a date is often
//! between two engines. Each scenario saves a screenshot and the console log of each window under artifacts/e2e/.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use e2e::axe::check_screen;
use e2e::browser::{Engine, Permissions};
use e2e::date::{
    both_in_call, devserver_call, end_the_date, finish, reopen_with_token_fault, reset, token_requests, two_people,
    with_two_people, with_two_people_on_a_date_of, Engines, ALICE, CALL, PARTNER_VIDEO_PLAYING,
    PARTNER_VIDEO_PLAYING_UNCOVERED, SOON, TEN_MINUTES,
};
use e2e::person::Person;
use e2e::runner::{run_all, Scenario, ScenarioResult};
use e2e::Suite;
use serde_json::{json, Value};


#[tokio::main]
async fn main() -> ExitCode {
    let stack = match Suite::start() {
        Ok(stack) => stack,
        Err(err) => {
            eprintln!("e2e: cannot start the stack: {err} (logs in artifacts/logs/e2e; run `cargo xtask test`)");
            return ExitCode::FAILURE;
        }
    };
    let scenarios: &[(&str, Scenario<Suite>)] = &[
        ("livekit_server_answers_on_its_port", |s| Box::pin(livekit_server_answers(s))),
        ("built_app_mounts_in_chromium", |s| Box::pin(built_app_mounts(s, Engine::Chromium))),
        ("built_app_mounts_in_firefox", |s| Box::pin(built_app_mounts(s, Engine::Firefox))),
        ("happy_path_both_see_and_hear_each_other_and_see_a_camera_turned_off", |s| Box::pin(happy_path(s, MIXED))),
        ("happy_path_with_alice_in_firefox_and_bob_in_chromium", |s| Box::pin(happy_path(s, REVERSED))),
        ("bob_leaves_and_alice_is_told", |s| Box::pin(leaving(s))),
        ("bob_s_browser_dies_alice_is_told_he_dropped_and_he_comes_back", |s| Box::pin(partner_drops(s))),
        ("alice_ends_the_date_and_bob_is_told_through_realtime", |s| Box::pin(ending(s))),
        ("more_time_by_mutual_consent_then_ended_early_and_a_match", |s| Box::pin(extension_then_match(s))),
        ("time_up_ends_the_call_for_both_and_one_no_is_not_this_time", |s| Box::pin(time_up_no_match(s))),
        ("a_bad_first_token_is_retried_exactly_once", |s| Box::pin(token_retry(s))),
        ("tokens_refused_twice_ask_bob_in_firefox_to_sign_in_again", |s| Box::pin(token_refused(s))),
        ("realtime_sockets_dropped_mid_call_recover", |s| Box::pin(realtime_restart(s))),
        ("a_camera_chromium_denies_gets_the_denied_screen", |s| Box::pin(camera_denied(s, Engine::Chromium))),
        ("a_camera_firefox_denies_gets_the_denied_screen", |s| Box::pin(camera_denied(s, Engine::Firefox))),
        // Last: it restarts livekit-server.
        ("livekit_restarted_mid_call_is_reconnected_or_explained", |s| Box::pin(livekit_restart(s))),
    ];
    let ok = run_all(&stack, scenarios).await;
    drop(stack);
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

async fn livekit_server_answers(stack: &Suite) -> ScenarioResult {
    let address = stack.livekit.replace("ws://", "");
    let mut socket = TcpStream::connect(&address).map_err(|err| format!("connect {address}: {err}"))?;
    socket.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    write!(socket, "GET / HTTP/1.0\r\nHost: {address}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut reply = String::new();
    socket.read_to_string(&mut reply).map_err(|e| e.to_string())?;
    if reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("livekit-server answered: {}", reply.lines().next().unwrap_or("nothing")))
    }
}

async fn built_app_mounts(stack: &Suite, engine: Engine) -> ScenarioResult {
    let person = stack.person("visitor", engine, Permissions::Granted).await?;
    let result = async {
        person.goto(&format!("{}/video-date/smoke-test", stack.devserver)).await?;
        person.wait_for_text("Your date", SOON).await?;
        check_screen(&person, "signed-out", "You are not signed in").await?;
        person.click("a.primary", SOON).await?;
        check_screen(&person, "sign-in", "Password").await?;
        // The app ran under the policy, and it is the strict one.
        let policy = devserver_header(&person, "/video-date/smoke-test", "content-security-policy").await?;
        if !policy.contains("'wasm-unsafe-eval'") || policy.contains("unsafe-inline") || !policy.contains("'sha256-") {
            return Err(format!("the page's Content-Security-Policy is not the strict one: {policy:?}"));
        }
        if engine != Engine::Chromium {
            return Ok(());
        }
        // Chromium's probe sees a refusal (then forgets it, so that `finish` checks the page's own).
        person.js("const s = document.createElement('script'); s.textContent = '1'; document.head.append(s)").await?;
        let key = e2e::browser::CSP_VIOLATIONS_KEY;
        person.wait_until(&format!("sessionStorage.getItem('{key}')"), "an inline script refused", SOON).await?;
        person.js(&format!("sessionStorage.removeItem('{key}')")).await.map(drop)
    }
    .await;
    finish(&format!("built_app_mounts_in_{}", engine.name()), vec![person], result).await
}

const MIXED: Engines = Engines { alice: Engine::Chromium, bob: Engine::Firefox };
const REVERSED: Engines = Engines { alice: Engine::Firefox, bob: Engine::Chromium };

/// A response header of a GET from the window's origin.
async fn devserver_header(someone: &Person, path: &str, name: &str) -> Result<String, String> {
    let script = "const [path, name, done] = arguments; \
                  fetch(path).then((r) => done(r.headers.get(name) || '')).catch((e) => done(String(e)));";
    let answer = someone.client.execute_async(script, vec![json!(path), json!(name)]).await;
    answer.map_err(|err| format!("GET {path}: {err}"))?.as_str().map(str::to_owned).ok_or_else(|| format!("GET {path}: no answer"))
}

const PARTNER_AUDIO_SUBSCRIBED: &str = "(() => { const a = document.querySelector('.call audio'); \
    return a && a.srcObject && a.srcObject.getAudioTracks().length > 0; })()";
/// A remote track is muted until its packets arrive. Measuring loudness is not an option in both engines:
/// headless Firefox without a sound device keeps every AudioContext suspended, so an analyser hears nothing.
const PARTNER_AUDIO_RECEIVED: &str = "(() => { const a = document.querySelector('.call audio'); \
    const t = a && a.srcObject && a.srcObject.getAudioTracks()[0]; \
    return t && t.readyState === 'live' && !t.muted && !a.paused; })()";

/// Frames of the partner's video presented to the screen in one second (`requestVideoFrameCallback`, in
/// Chromium and in Firefox 132+), with the element's playback counters for the record: for a MediaStream,
/// Firefox's `getVideoPlaybackQuality().totalVideoFrames` stays 0 while frames are shown, so it cannot be the
/// measure.
const COUNT_PARTNER_FRAMES: &str = r#"
const done = arguments[arguments.length - 1];
const video = document.querySelector('video.partner-video');
if (!video || !video.requestVideoFrameCallback) return done({ presented: 0, why: 'no video or no requestVideoFrameCallback' });
const quality = () => (video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : {});
const [timeBefore, qualityBefore] = [video.currentTime, quality()];
let presented = 0;
const until = performance.now() + 1000;
const report = () => done({
  presented,
  seconds: video.currentTime - timeBefore,
  totalVideoFrames: (quality().totalVideoFrames ?? NaN) - (qualityBefore.totalVideoFrames ?? NaN),
  droppedVideoFrames: (quality().droppedVideoFrames ?? NaN) - (qualityBefore.droppedVideoFrames ?? NaN),
});
const tick = () => { presented += 1; if (performance.now() < until) video.requestVideoFrameCallback(tick); else report(); };
video.requestVideoFrameCallback(tick);
setTimeout(report, 3000);
"#;

async fn happy_path(stack: &Suite, engines: Engines) -> ScenarioResult {
    let scenario = format!("happy_path_alice_in_{}_bob_in_{}", engines.alice.name(), engines.bob.name());
    with_two_people(stack, engines, &scenario, async |alice, bob| {
        check_screen(alice, "pre-join", "Join the date").await?;
        check_screen(bob, "pre-join", "Join the date").await?;
        both_in_call(alice, bob).await?;
        check_screen(alice, "in-call", "You're in the call").await?;
        for me in [alice, bob] {
            let frames = me.run_async(COUNT_PARTNER_FRAMES, "count the partner's frames").await?;
            println!("  {} ({}): {frames}", me.name, me.engine.name());
            if frames["presented"].as_u64().unwrap_or(0) < 2 {
                return Err(format!("{}: the partner's frames do not advance ({frames})", me.name));
            }
            me.wait_until(PARTNER_AUDIO_SUBSCRIBED, "the partner's audio subscribed", SOON).await?;
            me.wait_until(PARTNER_AUDIO_RECEIVED, "the partner's audio received", SOON).await?;
        }
        bob.click("button.camera-toggle:not([disabled])", SOON).await?;
        check_screen(alice, "partner's camera off", "Your date turned their camera off.").await?;
        bob.click("button.camera-toggle:not([disabled])", SOON).await?;
        alice.wait_until(PARTNER_VIDEO_PLAYING_UNCOVERED, "bob's camera back on", SOON).await?;
        let metrics = alice.metrics().await?;
        println!(
            "  alice: join -> connected {} ms, join -> first remote frame {} ms",
            metrics["join_to_connected_ms"], metrics["join_to_first_frame_ms"]
        );
        if metrics["join_to_first_frame_ms"].is_null() {
            return Err("the metrics snapshot has no join-to-first-frame time".into());
        }
        Ok(())
    })
    .await
}

async fn leaving(stack: &Suite) -> ScenarioResult {
    with_two_people(stack, MIXED, "leaving", async |alice, bob| {
        both_in_call(alice, bob).await?;
        bob.click("button.leave", SOON).await?;
        check_screen(alice, "partner left", "Your date left the call").await?;
        bob.wait_until(
            "[...(document.querySelector('video.own-video').srcObject?.getTracks() ?? [])].every((t) => t.readyState === 'ended')",
            "bob's camera and microphone stopped",
            SOON,
        )
        .await
    })
    .await
}

/// Bob's browser is killed mid-call, so no leave reaches the video server: alice is told his connection dropped
/// and that she is waiting for him (not that he left); he opens the date again and the call goes on.
async fn partner_drops(stack: &Suite) -> ScenarioResult {
    let (alice, bob) = two_people(stack, MIXED).await?;
    if let Err(err) = both_in_call(&alice, &bob).await {
        return finish("partner_drops", vec![alice, bob], Err(err)).await;
    }
    let result = async {
        bob.crash().await?;
        // The server waits for a lost participant to resume before it tells the room (about 20 s).
        let dropped_at = std::time::Instant::now();
        alice.wait_for_text("Your date's connection dropped", Duration::from_secs(60)).await?;
        println!("  alice told bob's connection dropped {:.1} s after his browser died", dropped_at.elapsed().as_secs_f64());
        check_screen(&alice, "partner dropped", "waiting up to").await?;
        alice.screenshot_state("partner-dropped").await?;
        if alice.text().await.contains("Your date left") {
            return Err("a dropped partner is not said to have left inside the grace window".into());
        }
        let bob = stack.person("bob", Engine::Firefox, Permissions::Granted).await?;
        let back = async {
            bob.open_date_as(&stack.devserver, e2e::date::BOB).await?;
            bob.join().await?;
            alice.wait_until(PARTNER_VIDEO_PLAYING_UNCOVERED, "bob back in the call", CALL).await
        }
        .await;
        finish("partner_drops_bob_back", vec![bob], back).await
    }
    .await;
    finish("partner_drops", vec![alice], result).await
}

async fn ending(stack: &Suite) -> ScenarioResult {
    with_two_people(stack, MIXED, "ending", async |alice, bob| {
        both_in_call(alice, bob).await?;
        end_the_date(alice).await?;
        check_screen(alice, "ended", "You ended the date.").await?;
        check_screen(bob, "ended by the partner", "Your date ended the date.").await
    })
    .await
}

/// The timer both people see, `mm:ss`.
async fn timer(person: &Person) -> Result<String, String> {
    let text = person.js("return document.querySelector('.timer')?.textContent ?? ''").await?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

/// A date in its last minute: alice asks for more time, bob accepts, both count down from five minutes more;
/// then alice ends it (asked once), both say yes, and both see the match.
async fn extension_then_match(stack: &Suite) -> ScenarioResult {
    with_two_people_on_a_date_of(stack, MIXED, 50, "extension_then_match", async |alice, bob| {
        alice.screenshot_state("pre-join").await?;
        both_in_call(alice, bob).await?;
        check_screen(alice, "last minute", "One minute left.").await?;
        alice.screenshot_state("live-offer-extension").await?;
        alice.click(".extension[data-extension=offer] button", SOON).await?;
        check_screen(alice, "extension asked", "Asked your date for 5 more minutes").await?;
        alice.screenshot_state("live-extension-asked").await?;
        check_screen(bob, "extension requested", "Your date would like 5 more minutes.").await?;
        bob.screenshot_state("live-extension-requested").await?;
        bob.click(".extension[data-extension=requested] button.primary", SOON).await?;
        for me in [alice, bob] {
            me.wait_until("document.querySelector('.timer')?.textContent.startsWith('05:')", "five more minutes", SOON)
                .await?;
        }
        check_screen(alice, "extended", "Your date said yes: 5 more minutes.").await?;
        println!("  both count down from {} after the extension", timer(bob).await?);
        alice.screenshot_state("live").await?;

        alice.click(".controls button.danger", SOON).await?;
        check_screen(alice, "end confirmation", "End the date for both of you?").await?;
        alice.screenshot_state("end-confirmation").await?;
        alice.click(".confirm-end button.danger", SOON).await?;
        check_screen(bob, "ended by the partner", "Your date ended the date. Would you like to meet again?").await?;
        bob.screenshot_state("ended-ask").await?;
        bob.click(".meet-again button.primary", SOON).await?;
        check_screen(bob, "waiting for the answer", "Waiting for their answer").await?;
        bob.screenshot_state("ended-waiting").await?;
        alice.click(".meet-again button.primary", SOON).await?;
        for me in [alice, bob] {
            check_screen(me, "match", "It's a match!").await?;
        }
        alice.screenshot_state("match").await
    })
    .await
}

/// A short date runs out: both pages end the call at zero and say time's up; one says no, and both see "not
/// this time" without learning who said what.
async fn time_up_no_match(stack: &Suite) -> ScenarioResult {
    with_two_people_on_a_date_of(stack, MIXED, 15, "time_up_no_match", async |alice, bob| {
        both_in_call(alice, bob).await?;
        for me in [alice, bob] {
            check_screen(me, "time's up", "Time's up. Would you like to meet again?").await?;
            me.wait_until("!document.querySelector('.call')", "the call over", SOON).await?;
        }
        alice.screenshot_state("time-up").await?;
        bob.click(".meet-again button.primary", SOON).await?;
        alice.click(".meet-again button:not(.primary)", SOON).await?;
        for me in [alice, bob] {
            check_screen(me, "not this time", "Not this time.").await?;
        }
        bob.screenshot_state("no-match").await
    })
    .await
}

async fn token_retry(stack: &Suite) -> ScenarioResult {
    with_two_people(stack, MIXED, "token_retry", async |alice, bob| {
        let fault = json!({"token": {"kind": "wrong_secret"}, "count": 1});
        let before = reopen_with_token_fault(stack, alice, &[bob], fault).await?;
        alice.join().await?;
        alice.wait_for_text("hasn't joined yet", CALL).await?;
        let metrics = alice.metrics().await?;
        let fetched = token_requests(alice).await? - before;
        if metrics["auth_retries"] != json!(1) || metrics["connects"] != json!(1) || fetched != 2 {
            return Err(format!("expected one retry and two token fetches, saw {fetched} fetches and {metrics}"));
        }
        Ok(())
    })
    .await
}

async fn token_refused(stack: &Suite) -> ScenarioResult {
    with_two_people(stack, MIXED, "token_refused", async |alice, bob| {
        // Bob, in Firefox: the token faults end named there too (alice's retry above runs in Chromium).
        let fault = json!({"token": {"kind": "wrong_secret"}, "count": 5});
        let before = reopen_with_token_fault(stack, bob, &[alice], fault).await?;
        bob.join().await?;
        check_screen(bob, "token refused", "Sign in again").await?;
        let fetched = token_requests(alice).await? - before;
        devserver_call(alice, "DELETE", "/__faults", Value::Null).await?;
        if fetched == 2 { Ok(()) } else { Err(format!("expected exactly two token fetches, saw {fetched}")) }
    })
    .await
}

async fn subscriptions(person: &Person) -> Result<u64, String> {
    Ok(person.metrics().await?["realtime_subscriptions"].as_u64().unwrap_or(0))
}

async fn realtime_restart(stack: &Suite) -> ScenarioResult {
    with_two_people(stack, MIXED, "realtime_restart", async |alice, bob| {
        both_in_call(alice, bob).await?;
        let (alice_before, bob_before) = (subscriptions(alice).await?, subscriptions(bob).await?);
        devserver_call(alice, "POST", "/__faults", json!({"realtime": {"kind": "drop_sockets"}})).await?;
        // Both resubscribe after their backoff; then the next update must still reach them.
        let resubscribed = |before: u64| format!("JSON.parse(window.videoDateMetrics()).realtime_subscriptions > {before}");
        alice.wait_until(&resubscribed(alice_before), "alice subscribed again", CALL).await?;
        bob.wait_until(&resubscribed(bob_before), "bob subscribed again", CALL).await?;
        alice.wait_until(PARTNER_VIDEO_PLAYING, "the call continuing", SOON).await?;
        end_the_date(bob).await?;
        alice.wait_for_text("Your date ended the date.", CALL).await
    })
    .await
}

async fn camera_denied(stack: &Suite, engine: Engine) -> ScenarioResult {
    let alice = stack.person("alice", engine, Permissions::Denied).await?;
    let result = async {
        alice.sign_in(&stack.devserver, ALICE).await?;
        reset(stack, &alice, TEN_MINUTES).await?;
        alice.open_date(&stack.devserver).await?;
        check_screen(&alice, "camera denied", "not allowed to use the camera or microphone").await?;
        if alice.text().await.contains("You're in the call") {
            return Err("a denied camera must not lead into a call".into());
        }
        Ok(())
    }
    .await;
    finish(&format!("camera_denied_in_{}", engine.name()), vec![alice], result).await
}

/// After a restart the call either comes back (the SDK reconnects, or the page joins again from scratch once
/// reconnecting has lasted 15 s) or says why it ended and offers to rejoin; it never hangs in between,
/// in either engine (Firefox's SDK stops after its fourth resume attempt: the page's deadline brings it back).
async fn livekit_restart(stack: &Suite) -> ScenarioResult {
    with_two_people(stack, MIXED, "livekit_restart", async |alice, bob| {
        both_in_call(alice, bob).await?;
        stack.restart_livekit(Duration::from_secs(2)).await?;
        const SETTLED: &str = "(() => { const v = document.querySelector('video.partner-video'); \
            const playing = v && v.videoWidth > 0 && !document.querySelector('[data-phase]'); \
            const explained = document.querySelector('[data-phase=disconnected]') && \
                [...document.querySelectorAll('button')].some((b) => b.textContent === 'Rejoin'); \
            return playing || explained; })()";
        for me in [alice, bob] {
            me.wait_until(SETTLED, "the call reconnected or explained", Duration::from_secs(45)).await?;
            let shown = if me.text().await.contains("Rejoin") { "disconnect explained" } else { "reconnected" };
            println!("  {}: {shown}", me.name);
        }
        Ok(())
    })
    .await
}
