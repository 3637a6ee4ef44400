//! The resilient realtime channel against the devserver's Supabase Realtime stand-in: a row change arrives,
//! every injected fault ends subscribed again (with the policy's delays, and the attempt count reset after),
//! realtime down for good gives up and says so, and dropping the channel leaves nothing open or scheduled.
//! Backoff, heartbeat and join timeout are shortened so each test takes a second or two.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::devserver::{self, Session, ALICE, ANON_KEY, DEVSERVER};
use common::leak_probe::{active_intervals, install_leak_probe, open_sockets, pending_timeouts};
use common::{log_capture, wait_until};
use common::page::DATE_ID;
use serde_json::{json, Value as Json};
use video_date::realtime::{
    BackoffPolicy, ChangeType, PostgresChange, RealtimeOptions, RealtimeStatus, ResilientChannel,
};
use video_date::token::Secret;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const POLICY: BackoffPolicy =
    BackoffPolicy { base: Duration::from_millis(50), cap: Duration::from_millis(200), max_attempts: 3 };
const HEARTBEAT: Duration = Duration::from_millis(300);
const JOIN_TIMEOUT: Duration = Duration::from_millis(500);
/// Longer than anything the channel could have scheduled (the cap, a join timeout, two heartbeats): how long
/// its timers and sockets may take to be gone.
const QUIET: Duration = Duration::from_millis(1200);

fn options(token: Secret) -> RealtimeOptions {
    let mut options = RealtimeOptions::new(
        DEVSERVER,
        ANON_KEY,
        token,
        format!("video-date:{DATE_ID}"),
        "video_dates",
        format!("id=eq.{DATE_ID}"),
    );
    options.backoff = POLICY;
    options.join_timeout = JOIN_TIMEOUT;
    options.heartbeat_interval = HEARTBEAT;
    options
}

/// Every status (with the time it was reported, in ms) and every change the channel reported.
#[derive(Clone, Default)]
struct Recorder {
    statuses: Rc<RefCell<Vec<(f64, RealtimeStatus)>>>,
    changes: Rc<RefCell<Vec<PostgresChange>>>,
}

impl Recorder {
    fn statuses_since(&self, mark: usize) -> Vec<(f64, RealtimeStatus)> {
        self.statuses.borrow()[mark..].to_vec()
    }

    fn count(&self) -> usize {
        self.statuses.borrow().len()
    }

    fn last(&self) -> Option<RealtimeStatus> {
        self.statuses.borrow().last().map(|(_, status)| status.clone())
    }
}

fn start(token: Secret) -> (ResilientChannel, Recorder) {
    let recorder = Recorder::default();
    let (changes, statuses) = (recorder.changes.clone(), recorder.statuses.clone());
    let channel = ResilientChannel::start(
        options(token),
        move |change| changes.borrow_mut().push(change),
        move |status| statuses.borrow_mut().push((js_sys::Date::now(), status)),
    );
    (channel, recorder)
}

/// The timeouts and intervals pending now: those of the test runner and of earlier tests, not the channel's.
fn scheduled() -> (u32, u32) {
    (pending_timeouts(), active_intervals())
}

/// Waits until this page has no socket open and nothing scheduled beyond `before` (from [`scheduled`]): with
/// neither, the channel can report nothing more. The leak probe counts both (the devserver's socket count would
/// also see other clients of the shared test server; this sees exactly ours).
async fn nothing_running(before: (u32, u32)) {
    wait_until("no socket open and nothing scheduled", QUIET, || {
        let (timeouts, intervals) = scheduled();
        open_sockets() == 0 && timeouts <= before.0 && intervals <= before.1
    })
    .await;
}

async fn subscribed(recorder: &Recorder) {
    wait_until("SUBSCRIBED", Duration::from_secs(5), || recorder.last() == Some(RealtimeStatus::Subscribed)).await;
}

async fn retry_scheduled(recorder: &Recorder, mark: usize) {
    wait_until("a retry", Duration::from_secs(5), || {
        recorder.statuses_since(mark).iter().any(|(_, status)| matches!(status, RealtimeStatus::Retrying { .. }))
    })
    .await;
}

/// Waits until the devserver has seen the close too (it counts every client of the test server, so this waits
/// for all of them).
async fn server_sees_no_socket() {
    common::poll("the devserver to see no realtime socket", Duration::from_secs(3), || async {
        match devserver::realtime_sockets().await {
            0 => Ok(()),
            open => Err(format!("it has {open} open")),
        }
    })
    .await;
}

/// A fresh session for alice, with no fault left over from an earlier test.
async fn alice() -> Session {
    install_leak_probe();
    devserver::clear_faults().await;
    devserver::sign_in(ALICE).await
}

/// Changes the row (back to freshly scheduled, so other tests see the same row) and waits for the change.
async fn row_change_arrives(recorder: &Recorder) {
    let before = recorder.changes.borrow().len();
    let row = devserver::reset_date().await;
    wait_until("the postgres_changes event", Duration::from_secs(3), || recorder.changes.borrow().len() > before).await;
    let change = recorder.changes.borrow().last().cloned().unwrap();
    assert_eq!(change.change, ChangeType::Update);
    assert_eq!((change.schema.as_str(), change.table.as_str()), ("public", "video_dates"));
    assert_eq!(change.record["id"].as_str(), Some(DATE_ID));
    assert_eq!(change.record["updated_at"], row["updated_at"], "the change is the update just made");
    assert!(!change.commit_timestamp.is_empty());
}

/// The retries since `mark` start at attempt 1, count up by one, wait no longer than the policy allows, and
/// the next subscription starts no earlier than the delay said.
fn check_retries(recorder: &Recorder, mark: usize) -> u32 {
    let statuses = recorder.statuses_since(mark);
    let mut attempts = 0;
    for (index, (at, status)) in statuses.iter().enumerate() {
        if let RealtimeStatus::Retrying { attempt, max_attempts, delay_ms } = status {
            attempts += 1;
            assert_eq!((*attempt, *max_attempts), (attempts, 3), "attempts count up from 1: {statuses:?}");
            assert!(
                *delay_ms as u128 <= POLICY.ceiling(attempt - 1).as_millis(),
                "delay within the policy: {statuses:?}"
            );
            let (next_at, next) = &statuses[index + 1];
            assert_eq!(next, &RealtimeStatus::Connecting, "a retry is followed by a new subscription: {statuses:?}");
            // Firefox rounds `Date.now()` (timer precision reduction) and may fire a timer a few milliseconds
            // before the rounded clock says it is due: seen 10 ms after a 13 ms delay.
            let slack_ms = 5.0;
            assert!(
                next_at - at >= f64::from(*delay_ms) - slack_ms,
                "the new subscription waited the delay: {statuses:?}"
            );
        }
    }
    assert!(attempts >= 1, "the fault caused a retry: {statuses:?}");
    attempts
}

/// Subscribes, applies `faults`, clears them once the first retry is scheduled if `clear_after_retry` (faults
/// that last until DELETE), and checks it ends subscribed again, receiving changes, with its attempts reset.
async fn recovers_from(faults: &[(Json, usize)], clear_after_retry: bool) -> u32 {
    let session = alice().await;
    let (channel, recorder) = start(session.access_token.clone());
    subscribed(&recorder).await;
    let mark = recorder.count();
    for (fault, count) in faults {
        devserver::add_realtime_fault(fault.clone(), *count).await;
    }
    retry_scheduled(&recorder, mark).await;
    if clear_after_retry {
        devserver::clear_faults().await;
    }
    subscribed(&recorder).await;
    let attempts = check_retries(&recorder, mark);
    row_change_arrives(&recorder).await;

    // The attempts were reset by SUBSCRIBED: the next failure is attempt 1 again.
    let mark = recorder.count();
    devserver::add_realtime_fault(json!({"kind": "drop_sockets"}), 1).await;
    retry_scheduled(&recorder, mark).await;
    subscribed(&recorder).await;
    assert_eq!(check_retries(&recorder, mark), 1);
    assert!(matches!(recorder.statuses_since(mark)[0].1, RealtimeStatus::Retrying { attempt: 1, .. }));
    assert_eq!(open_sockets(), 1, "the old sockets are closed, one is open");
    drop(channel);
    attempts
}

#[wasm_bindgen_test]
async fn subscribes_and_receives_a_row_change() {
    let (logs, _guard) = log_capture::capture();
    let session = alice().await;
    let (channel, recorder) = start(session.access_token.clone());
    assert_eq!(recorder.last(), Some(RealtimeStatus::Connecting), "the first status is reported at once");
    subscribed(&recorder).await;
    assert_eq!(channel.status(), RealtimeStatus::Subscribed);
    row_change_arrives(&recorder).await;
    assert_eq!(open_sockets(), 1);
    drop(channel);
    let text = logs.text();
    assert!(text.contains("realtime subscribing") && text.contains("realtime subscribed"), "{text}");
    assert!(text.contains("[realtime_subscription]: realtime subscribed"), "in the subscription's span: {text}");
    assert!(!text.contains(session.access_token.expose()), "no token in the logs: {text}");
}

#[wasm_bindgen_test]
async fn recovers_when_the_server_closes_the_socket_with_1012() {
    recovers_from(&[(json!({"kind": "close_sockets", "code": 1012}), 1)], false).await;
}

#[wasm_bindgen_test]
async fn recovers_when_the_server_closes_the_socket_with_1001() {
    recovers_from(&[(json!({"kind": "close_sockets", "code": 1001}), 1)], false).await;
}

#[wasm_bindgen_test]
async fn recovers_when_the_connection_drops_with_1006() {
    recovers_from(&[(json!({"kind": "drop_sockets"}), 1)], false).await;
}

#[wasm_bindgen_test]
async fn recovers_when_heartbeats_go_unanswered() {
    recovers_from(&[(json!({"kind": "ignore_heartbeats"}), 1)], true).await;
}

#[wasm_bindgen_test]
async fn recovers_when_the_server_stalls() {
    recovers_from(&[(json!({"kind": "stall"}), 1)], true).await;
}

#[wasm_bindgen_test]
async fn recovers_when_a_rejoin_is_refused() {
    // The socket drops, and the first rejoin is refused the way an expired session is: two attempts.
    let refused = json!({"kind": "refuse_joins", "reason": "InvalidJWTToken: Token has expired 3 seconds ago"});
    let attempts = recovers_from(&[(refused, 1), (json!({"kind": "drop_sockets"}), 1)], false).await;
    assert_eq!(attempts, 2);
}

#[wasm_bindgen_test]
async fn recovers_when_postgres_changes_fail_after_subscribing() {
    recovers_from(&[(json!({"kind": "system_error"}), 1)], false).await;
}

#[wasm_bindgen_test]
async fn recovers_when_the_server_closes_the_channel() {
    recovers_from(&[(json!({"kind": "phx_close"}), 1)], false).await;
}

#[wasm_bindgen_test]
async fn recovers_when_the_channel_crashes_on_the_server() {
    recovers_from(&[(json!({"kind": "phx_error"}), 1)], false).await;
}

#[wasm_bindgen_test]
async fn a_rejected_access_token_closes_the_channel_and_a_fresh_one_resubscribes() {
    let (logs, _guard) = log_capture::capture();
    let session = alice().await;
    let fresh = devserver::sign_in(ALICE).await.access_token;
    let (channel, recorder) = start(session.access_token.clone());
    subscribed(&recorder).await;
    let mark = recorder.count();
    // What the server does with an expired token: a system error, then phx_close.
    let rejected = Secret::new("not.a.valid-jwt");
    channel.set_access_token(rejected.clone());
    wait_until("the channel to close", Duration::from_secs(3), || recorder.last() != Some(RealtimeStatus::Subscribed))
        .await;
    channel.set_access_token(fresh.clone());
    subscribed(&recorder).await;
    check_retries(&recorder, mark);
    row_change_arrives(&recorder).await;
    drop(channel);
    let text = logs.text();
    assert!(text.contains("realtime channel closed"), "{text}");
    for token in [&session.access_token, &fresh, &rejected] {
        assert!(!text.contains(token.expose()), "no token in the logs: {text}");
    }
}

#[wasm_bindgen_test]
async fn gives_up_when_realtime_is_down_for_good_and_comes_back_online() {
    let (logs, _guard) = log_capture::capture();
    let session = alice().await;
    let before = scheduled();
    let (channel, recorder) = start(session.access_token.clone());
    subscribed(&recorder).await;
    let mark = recorder.count();
    devserver::add_realtime_fault(json!({"kind": "down"}), 1).await;
    wait_until("giving up", Duration::from_secs(10), || matches!(recorder.last(), Some(RealtimeStatus::GaveUp { .. })))
        .await;
    assert_eq!(check_retries(&recorder, mark), 3);
    let statuses: Vec<RealtimeStatus> = recorder.statuses_since(mark).into_iter().map(|(_, status)| status).collect();
    assert_eq!(statuses.len(), 7, "three retries, each connecting, then giving up: {statuses:?}");
    assert_eq!(statuses[6], RealtimeStatus::GaveUp { attempts: 3 });
    assert_eq!(channel.status(), RealtimeStatus::GaveUp { attempts: 3 });

    // Given up means nothing runs: no socket, nothing scheduled, so no more statuses.
    let count = recorder.count();
    nothing_running(before).await;
    assert_eq!(recorder.count(), count, "nothing happens after giving up");
    // Firefox's server side may still be closing the last socket; coming online before it has is another case.
    server_sees_no_socket().await;

    // The browser coming back online retries at once, with a fresh set of attempts.
    devserver::clear_faults().await;
    let online = web_sys::Event::new("online").unwrap();
    web_sys::window().unwrap().unchecked_into::<web_sys::EventTarget>().dispatch_event(&online).unwrap();
    assert_eq!(recorder.last(), Some(RealtimeStatus::Connecting), "online retries at once");
    subscribed(&recorder).await;
    row_change_arrives(&recorder).await;
    drop(channel);

    let text = logs.text();
    // Only the attempts before giving up are counted: Firefox delays a WebSocket to a host whose last connections
    // failed (RFC 6455 section 7.2.3), so the first join after coming online may time out and be retried.
    let (down, back_online) = text
        .split_once("realtime retrying after giving up")
        .unwrap_or_else(|| panic!("an online retry: {text}"));
    assert_eq!(down.matches("realtime retry scheduled").count(), 3, "{text}");
    assert!(down.contains("attempt=1") && down.contains("attempt=3") && down.contains("delay_ms="), "{text}");
    assert_eq!(text.matches("realtime gave up").count(), 1, "{text}");
    assert!(back_online.contains("realtime subscribed"), "{text}");
}

#[wasm_bindgen_test]
async fn retry_now_resubscribes_after_giving_up() {
    let session = alice().await;
    devserver::add_realtime_fault(json!({"kind": "down"}), 1).await;
    let (channel, recorder) = start(session.access_token.clone());
    wait_until("giving up", Duration::from_secs(10), || {
        recorder.last() == Some(RealtimeStatus::GaveUp { attempts: 3 })
    })
    .await;
    devserver::clear_faults().await;
    channel.retry_now();
    subscribed(&recorder).await;
    channel.retry_now();
    assert_eq!(channel.status(), RealtimeStatus::Subscribed, "retry_now does nothing while subscribed");
    drop(channel);
}

/// Drops the channel in the state `prepare` leaves it in, then checks nothing is open and nothing fires.
async fn nothing_survives_drop(prepare: Option<(Json, &str)>) {
    let session = alice().await;
    let before = scheduled();
    let (channel, recorder) = start(session.access_token.clone());
    subscribed(&recorder).await;
    if let Some((fault, state)) = prepare {
        devserver::add_realtime_fault(fault, 1).await;
        wait_until(state, Duration::from_secs(3), || match state {
            "retrying" => matches!(recorder.last(), Some(RealtimeStatus::Retrying { .. })),
            _ => recorder.last() == Some(RealtimeStatus::Connecting),
        })
        .await;
    }
    let count = recorder.count();
    drop(channel);
    devserver::clear_faults().await;
    assert_eq!(open_sockets(), 0, "the socket is closed on drop");
    server_sees_no_socket().await;
    nothing_running(before).await;
    assert_eq!(recorder.count(), count, "no status after drop: {:?}", recorder.statuses_since(count));
    // The online listener is gone too: it would have answered at once, within the dispatch (as
    // `gives_up_when_realtime_is_down_for_good_and_comes_back_online` shows).
    let online = web_sys::Event::new("online").unwrap();
    web_sys::window().unwrap().unchecked_into::<web_sys::EventTarget>().dispatch_event(&online).unwrap();
    assert_eq!((recorder.count(), open_sockets()), (count, 0), "online after drop does nothing");
}

#[wasm_bindgen_test]
async fn dropping_a_subscribed_channel_leaves_nothing_behind() {
    nothing_survives_drop(None).await;
}

#[wasm_bindgen_test]
async fn dropping_while_waiting_to_retry_leaves_nothing_behind() {
    // With realtime down the retries fail until given up; drop lands while one is scheduled.
    nothing_survives_drop(Some((json!({"kind": "down"}), "retrying"))).await;
}

#[wasm_bindgen_test]
async fn dropping_while_joining_leaves_nothing_behind() {
    // A stalled server answers no join: drop lands while the join timer runs.
    nothing_survives_drop(Some((json!({"kind": "stall"}), "connecting"))).await;
}
