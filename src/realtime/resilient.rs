//! The channel the page uses: it resubscribes with exponential backoff, on a new channel instance each time,
//! and gives up after the policy's maximum until the browser comes back online or to the foreground.
//!
//! [`Resubscriber`] is the pure decision-maker (inputs in, commands out, no browser), tested natively with a fake
//! clock; [`ResilientChannel`] runs it with real timers, the socket, and the `online`/`visibilitychange` listeners,
//! and records the realtime metrics (the machine stays free of clocks and globals).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;

use super::backoff::{Backoff, BackoffPolicy};
use super::channel::{Channel, ChannelEvent, ChannelStatus};
use super::protocol::{JoinConfig, JoinPayload, PostgresChange, PostgresChangesBinding, Status};
use super::socket::{endpoint_url, Socket};
use super::RealtimeOptions;
use crate::dom::EventListener;
use crate::metrics::{self, Metric};
use crate::time;
use crate::token::Secret;

/// What the UI shows about the live updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RealtimeStatus {
    Connecting,
    Subscribed,
    /// Attempt `attempt` of `max_attempts` starts in `delay_ms`.
    Retrying {
        attempt: u32,
        max_attempts: u32,
        delay_ms: u32,
    },
    /// `attempts` resubscriptions failed; nothing more happens until a retry is asked for.
    GaveUp {
        attempts: u32,
    },
}

/// How the diagnostics panel shows it.
impl std::fmt::Display for RealtimeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connecting => f.write_str("connecting"),
            Self::Subscribed => f.write_str("subscribed"),
            Self::Retrying { attempt, max_attempts, delay_ms } => {
                write!(f, "retrying: attempt {attempt} of {max_attempts} in {delay_ms} ms")
            }
            Self::GaveUp { attempts } => write!(f, "gave up after {attempts} attempts"),
        }
    }
}

/// What one channel instance reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signal {
    Subscribed,
    Closed,
    ChannelError(String),
    TimedOut,
    /// A `system` error: the postgres_changes set-up failed (the channel looks joined but delivers nothing),
    /// or the server is about to shut the channel.
    SystemError(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    Start,
    /// A signal of the channel instance `generation`; signals of any other instance are stale and ignored.
    Channel {
        generation: u64,
        signal: Signal,
    },
    Online,
    Foreground,
    /// The person asked to try again.
    RetryNow,
    /// The scheduled delay is over.
    DelayElapsed,
}

impl Input {
    /// For logs.
    fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Channel { .. } => "channel",
            Self::Online => "online",
            Self::Foreground => "foreground",
            Self::RetryNow => "retry_now",
            Self::DelayElapsed => "delay_elapsed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// Open a new channel instance with this generation (the previous one is already closed).
    OpenChannel {
        generation: u64,
    },
    /// Leave and drop the current channel instance.
    CloseChannel,
    Schedule {
        delay: Duration,
    },
    CancelTimer,
    /// No more attempts: release the connection until a retry is asked for.
    GiveUp,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Open { generation: u64 },
    Waiting,
    GaveUp,
}

/// Decides when to resubscribe. Each failure of the current instance counts one attempt and schedules one new
/// instance; however many signals report the same failure, only the first does anything.
pub(crate) struct Resubscriber {
    backoff: Backoff,
    generation: u64,
    phase: Phase,
    status: RealtimeStatus,
}

impl Resubscriber {
    /// `random` yields values in `[0, 1]` for the jitter.
    pub(crate) fn new(policy: BackoffPolicy, random: impl FnMut() -> f64 + 'static) -> Self {
        Resubscriber {
            backoff: Backoff::new(policy, random),
            generation: 0,
            phase: Phase::Idle,
            status: RealtimeStatus::Connecting,
        }
    }

    pub(crate) fn status(&self) -> &RealtimeStatus {
        &self.status
    }

    pub(crate) fn handle(&mut self, input: Input) -> Vec<Command> {
        match input {
            Input::Start if self.phase == Phase::Idle => self.open(),
            Input::Channel { generation, signal } if self.phase == (Phase::Open { generation }) => match signal {
                Signal::Subscribed => {
                    if self.status != RealtimeStatus::Subscribed {
                        tracing::info!(generation, "realtime subscribed");
                        self.backoff.reset();
                        self.status = RealtimeStatus::Subscribed;
                    }
                    Vec::new()
                }
                failure => self.fail(generation, failure),
            },
            Input::Online | Input::Foreground | Input::RetryNow => match self.phase {
                Phase::Waiting => {
                    tracing::info!(cause = input.name(), "realtime retrying now");
                    let mut commands = vec![Command::CancelTimer];
                    commands.extend(self.open());
                    commands
                }
                Phase::GaveUp => {
                    tracing::info!(cause = input.name(), "realtime retrying after giving up");
                    self.backoff.reset();
                    self.open()
                }
                Phase::Idle | Phase::Open { .. } => Vec::new(),
            },
            Input::DelayElapsed if self.phase == Phase::Waiting => self.open(),
            Input::Channel { generation, signal } => {
                tracing::debug!(generation, signal = signal_name(&signal), "stale realtime signal ignored");
                Vec::new()
            }
            Input::Start | Input::DelayElapsed => Vec::new(),
        }
    }

    fn open(&mut self) -> Vec<Command> {
        self.generation += 1;
        self.phase = Phase::Open { generation: self.generation };
        self.status = RealtimeStatus::Connecting;
        vec![Command::OpenChannel { generation: self.generation }]
    }

    fn fail(&mut self, generation: u64, signal: Signal) -> Vec<Command> {
        match &signal {
            Signal::ChannelError(reason) | Signal::SystemError(reason) => {
                tracing::warn!(generation, %reason, "realtime channel closed: {}", signal_name(&signal))
            }
            _ => tracing::warn!(generation, "realtime channel closed: {}", signal_name(&signal)),
        }
        let max_attempts = self.backoff.policy().max_attempts;
        match self.backoff.next_delay() {
            Some(delay) => {
                let attempt = self.backoff.attempts();
                let delay_ms = time::millis(delay);
                tracing::info!(attempt, max_attempts, delay_ms, "realtime retry scheduled");
                self.phase = Phase::Waiting;
                self.status = RealtimeStatus::Retrying { attempt, max_attempts, delay_ms };
                vec![Command::CloseChannel, Command::Schedule { delay }]
            }
            None => {
                let attempts = self.backoff.attempts();
                tracing::error!(attempts, "realtime gave up");
                self.phase = Phase::GaveUp;
                self.status = RealtimeStatus::GaveUp { attempts };
                vec![Command::CloseChannel, Command::GiveUp]
            }
        }
    }
}

fn signal_name(signal: &Signal) -> &'static str {
    match signal {
        Signal::Subscribed => "SUBSCRIBED",
        Signal::Closed => "CLOSED",
        Signal::ChannelError(_) => "CHANNEL_ERROR",
        Signal::TimedOut => "TIMED_OUT",
        Signal::SystemError(_) => "SYSTEM_ERROR",
    }
}

/// The browser side of the resilient channel.
struct Shell {
    options: RefCell<RealtimeOptions>,
    socket: Socket,
    machine: RefCell<Resubscriber>,
    channel: RefCell<Option<Channel>>,
    timer: RefCell<Option<Timeout>>,
    listeners: RefCell<Vec<EventListener>>,
    on_change: Box<dyn Fn(PostgresChange)>,
    on_status: Box<dyn Fn(RealtimeStatus)>,
    /// `Date.now()` when SUBSCRIBED was lost, until it is back: the time spent unsubscribed is a metric.
    unsubscribed_since: Cell<Option<f64>>,
    /// Set on drop: callbacks already under way then do nothing.
    stopped: Cell<bool>,
}

/// A postgres_changes subscription that keeps itself alive. Dropping it leaves the channel, closes the socket,
/// and removes every timer and listener.
#[must_use = "the channel leaves and its socket closes when this is dropped"]
pub struct ResilientChannel(Rc<Shell>);

impl ResilientChannel {
    /// Subscribes at once. `on_change` hears every row change; `on_status` every status change (the first is
    /// `Connecting`, reported before this returns).
    pub fn start(
        options: RealtimeOptions,
        on_change: impl Fn(PostgresChange) + 'static,
        on_status: impl Fn(RealtimeStatus) + 'static,
    ) -> Self {
        let url = endpoint_url(&options.supabase_url, &options.anon_key);
        let shell = Rc::new(Shell {
            socket: Socket::new(url, options.heartbeat_interval),
            machine: RefCell::new(Resubscriber::new(options.backoff, js_sys::Math::random)),
            options: RefCell::new(options),
            channel: RefCell::new(None),
            timer: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            on_change: Box::new(on_change),
            on_status: Box::new(on_status),
            unsubscribed_since: Cell::new(None),
            stopped: Cell::new(false),
        });
        *shell.listeners.borrow_mut() = wake_listeners(&Rc::downgrade(&shell));
        (shell.on_status)(RealtimeStatus::Connecting);
        shell.handle(Input::Start);
        ResilientChannel(shell)
    }

    /// A refreshed session: pushed to the joined channel now, and used for every later join.
    pub fn set_access_token(&self, token: Secret) {
        if let Some(channel) = self.0.channel.borrow().as_ref() {
            channel.set_access_token(token.clone());
        }
        self.0.options.borrow_mut().access_token = token;
    }

    /// Resubscribes now if waiting for a retry or given up; does nothing while connecting or subscribed.
    pub fn retry_now(&self) {
        self.0.handle(Input::RetryNow);
    }

    /// The status now, as the page shows it.
    pub fn status(&self) -> RealtimeStatus {
        self.0.machine.borrow().status().clone()
    }
}

impl Drop for ResilientChannel {
    fn drop(&mut self) {
        let shell = &self.0;
        shell.stopped.set(true);
        shell.listeners.borrow_mut().clear();
        shell.timer.borrow_mut().take();
        // Leave first, so the `phx_leave` goes out before the socket closes.
        let channel = shell.channel.borrow_mut().take();
        drop(channel);
        shell.socket.close();
        tracing::info!(topic = topic(&shell.options.borrow()), "realtime channel dropped");
    }
}

fn topic(options: &RealtimeOptions) -> String {
    format!("realtime:{}", options.channel)
}

/// Coming back online or to the foreground: the moment a retry is most likely to work.
fn wake_listeners(shell: &Weak<Shell>) -> Vec<EventListener> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let mut listeners = Vec::new();
    let weak = shell.clone();
    listeners.push(EventListener::new(&window, "online", move |_| {
        if let Some(shell) = weak.upgrade() {
            shell.handle(Input::Online);
        }
    }));
    if let Some(document) = window.document() {
        let weak = shell.clone();
        let target: &web_sys::EventTarget = document.unchecked_ref();
        listeners.push(EventListener::new(target, "visibilitychange", move |_| {
            let visible = web_sys::window()
                .and_then(|window| window.document())
                .is_some_and(|document| document.visibility_state() == web_sys::VisibilityState::Visible);
            if let (true, Some(shell)) = (visible, weak.upgrade()) {
                shell.handle(Input::Foreground);
            }
        }));
    }
    listeners
}

impl Shell {
    /// Runs the machine, then its commands, then reports a changed status. No borrow is held while commands or
    /// callbacks run, so a callback may call back in (read the status, retry, or drop the channel).
    fn handle(self: &Rc<Self>, input: Input) {
        if self.stopped.get() {
            return;
        }
        let before = self.machine.borrow().status().clone();
        let commands = self.machine.borrow_mut().handle(input);
        for command in commands {
            self.run(command);
        }
        let after = self.machine.borrow().status().clone();
        if after != before && !self.stopped.get() {
            self.record_status_change(&before, &after);
            (self.on_status)(after);
        }
    }

    fn record_status_change(&self, before: &RealtimeStatus, after: &RealtimeStatus) {
        if *after == RealtimeStatus::Subscribed {
            metrics::record(Metric::RealtimeSubscribed);
            if let Some(since) = self.unsubscribed_since.take() {
                metrics::record(Metric::RealtimeUnsubscribedFor { ms: time::elapsed_ms(since) });
            }
        } else if *before == RealtimeStatus::Subscribed {
            self.unsubscribed_since.set(Some(time::now_ms()));
        }
    }

    fn run(self: &Rc<Self>, command: Command) {
        match command {
            Command::OpenChannel { generation } => {
                // Generation 1 is the first subscription; every later one replaces a failed instance.
                if generation > 1 {
                    metrics::record(Metric::RealtimeResubscribe);
                }
                let channel = self.open_channel(generation);
                *self.channel.borrow_mut() = Some(channel);
            }
            Command::CloseChannel => {
                let channel = self.channel.borrow_mut().take();
                drop(channel);
            }
            Command::Schedule { delay } => {
                let weak = Rc::downgrade(self);
                let delay_ms = time::millis(delay);
                *self.timer.borrow_mut() = Some(Timeout::new(delay_ms, move || {
                    if let Some(shell) = weak.upgrade() {
                        shell.timer.borrow_mut().take();
                        shell.handle(Input::DelayElapsed);
                    }
                }));
            }
            Command::CancelTimer => {
                self.timer.borrow_mut().take();
            }
            // Nothing will use the connection until someone asks for a retry.
            Command::GiveUp => {
                metrics::record(Metric::RealtimeGaveUp);
                self.socket.close();
            }
        }
    }

    fn open_channel(self: &Rc<Self>, generation: u64) -> Channel {
        let options = self.options.borrow();
        let payload = JoinPayload {
            config: JoinConfig {
                postgres_changes: vec![PostgresChangesBinding {
                    event: "*".to_owned(),
                    schema: "public".to_owned(),
                    table: options.table.clone(),
                    filter: Some(options.filter.clone()),
                }],
                ..JoinConfig::default()
            },
            access_token: Some(options.access_token.clone()),
        };
        // Each channel instance is one subscription attempt; what its events cause is logged inside its span.
        let span = tracing::info_span!("realtime_subscription", topic = topic(&options), generation);
        span.in_scope(|| tracing::info!("realtime subscribing"));
        let weak = Rc::downgrade(self);
        Channel::join(&self.socket, &topic(&options), payload, options.join_timeout, move |event| {
            let _entered = span.enter();
            let Some(shell) = weak.upgrade() else { return };
            let signal = match event {
                ChannelEvent::PostgresChange(change) => {
                    if !shell.stopped.get() {
                        (shell.on_change)(change);
                    }
                    return;
                }
                ChannelEvent::Status(ChannelStatus::Subscribed) => Signal::Subscribed,
                ChannelEvent::Status(ChannelStatus::TimedOut) => Signal::TimedOut,
                ChannelEvent::Status(ChannelStatus::Closed) => Signal::Closed,
                ChannelEvent::Status(ChannelStatus::ChannelError(reason)) => Signal::ChannelError(reason),
                ChannelEvent::System(system) if system.status == Status::Error => {
                    Signal::SystemError(format!("{}: {}", system.extension, system.message))
                }
                ChannelEvent::System(system) => {
                    tracing::debug!(extension = %system.extension, text = %system.message, "realtime system message");
                    return;
                }
                ChannelEvent::Broadcast { .. } | ChannelEvent::PresenceState(_) | ChannelEvent::PresenceDiff { .. } => {
                    return
                }
            };
            shell.handle(Input::Channel { generation, signal });
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::backoff::tests::seeded;

    /// Runs the machine against a fake clock: `Schedule` arms the one timer, `advance` fires it when due.
    struct Harness {
        machine: Resubscriber,
        now_ms: u64,
        due_ms: Option<u64>,
        open: Option<u64>,
        /// (time, generation) of every channel opened.
        opened: Vec<(u64, u64)>,
        gave_up: bool,
        policy: BackoffPolicy,
        reference_random: Box<dyn FnMut() -> f64>,
    }

    const SEED: u64 = 2026;

    impl Harness {
        fn new(max_attempts: u32) -> Self {
            let policy =
                BackoffPolicy { base: Duration::from_millis(100), cap: Duration::from_millis(1000), max_attempts };
            let mut harness = Harness {
                machine: Resubscriber::new(policy, seeded(SEED)),
                now_ms: 0,
                due_ms: None,
                open: None,
                opened: Vec::new(),
                gave_up: false,
                policy,
                reference_random: Box::new(seeded(SEED)),
            };
            harness.send(Input::Start);
            harness
        }

        fn send(&mut self, input: Input) -> Vec<Command> {
            let commands = self.machine.handle(input);
            for command in &commands {
                match command {
                    Command::OpenChannel { generation } => {
                        assert_eq!(self.open, None, "the old instance is closed before a new one opens");
                        self.open = Some(*generation);
                        self.opened.push((self.now_ms, *generation));
                    }
                    Command::CloseChannel => self.open = None,
                    Command::Schedule { delay } => self.due_ms = Some(self.now_ms + delay.as_millis() as u64),
                    Command::CancelTimer => self.due_ms = None,
                    Command::GiveUp => self.gave_up = true,
                }
            }
            commands
        }

        /// The signal from the current instance.
        fn signal(&mut self, signal: Signal) -> Vec<Command> {
            let generation = self.open.expect("a channel is open");
            self.send(Input::Channel { generation, signal })
        }

        /// Moves the clock on by `ms`, firing the timer at its due time if it falls within.
        fn advance(&mut self, ms: u64) {
            let target = self.now_ms + ms;
            if let Some(due) = self.due_ms.filter(|due| *due <= target) {
                self.now_ms = due;
                self.due_ms = None;
                self.send(Input::DelayElapsed);
            }
            self.now_ms = target;
        }

        /// The delay the policy gives attempt `k` (from 0) with the same seeded sequence.
        fn expected_delay_ms(&mut self, attempt: u32) -> u32 {
            time::millis(self.policy.delay(attempt, (self.reference_random)()))
        }

        fn status(&self) -> RealtimeStatus {
            self.machine.status().clone()
        }
    }

    fn failures() -> Vec<Signal> {
        vec![
            Signal::Closed,
            Signal::ChannelError("socket closed: 1006".into()),
            Signal::TimedOut,
            Signal::SystemError("postgres_changes: Unable to subscribe".into()),
        ]
    }

    #[test]
    fn the_status_reads_as_words() {
        let retrying = RealtimeStatus::Retrying { attempt: 2, max_attempts: 5, delay_ms: 1200 };
        assert_eq!(retrying.to_string(), "retrying: attempt 2 of 5 in 1200 ms");
        assert_eq!(RealtimeStatus::GaveUp { attempts: 5 }.to_string(), "gave up after 5 attempts");
        assert_eq!(RealtimeStatus::Subscribed.to_string(), "subscribed");
    }

    #[test]
    fn starts_connecting_and_reports_subscribed() {
        let mut harness = Harness::new(3);
        assert_eq!(harness.opened, vec![(0, 1)]);
        assert_eq!(harness.status(), RealtimeStatus::Connecting);
        assert!(harness.signal(Signal::Subscribed).is_empty());
        assert_eq!(harness.status(), RealtimeStatus::Subscribed);
        assert!(harness.send(Input::Start).is_empty(), "a second start does nothing");
    }

    #[test]
    fn each_failure_resubscribes_once_on_a_new_instance_after_the_backoff_delay() {
        for failure in failures() {
            let mut harness = Harness::new(3);
            harness.signal(Signal::Subscribed);
            let delay_ms = harness.expected_delay_ms(0);
            let commands = harness.signal(failure.clone());
            assert_eq!(
                commands,
                vec![Command::CloseChannel, Command::Schedule { delay: Duration::from_millis(delay_ms.into()) }],
                "{failure:?}"
            );
            assert_eq!(harness.status(), RealtimeStatus::Retrying { attempt: 1, max_attempts: 3, delay_ms });
            // The seeded jitter gives a delay with a moment before it to look at.
            assert!(delay_ms > 0, "seed {SEED} gives a zero delay");
            harness.advance(u64::from(delay_ms) - 1);
            assert_eq!(harness.opened.len(), 1, "nothing before the delay is over");
            harness.advance(1);
            assert_eq!(harness.opened, vec![(0, 1), (u64::from(delay_ms), 2)], "{failure:?}");
            assert_eq!(harness.status(), RealtimeStatus::Connecting);
            harness.signal(Signal::Subscribed);
            assert_eq!(harness.status(), RealtimeStatus::Subscribed);
        }
    }

    #[test]
    fn one_close_reported_by_several_signals_is_handled_once() {
        let mut harness = Harness::new(5);
        harness.signal(Signal::Subscribed);
        // The server shuts a channel down with a system error, then phx_close, then the socket may drop too.
        assert_eq!(harness.signal(Signal::SystemError("system: Token has expired".into())).len(), 2);
        for late in [Signal::Closed, Signal::ChannelError("socket closed: 1006".into()), Signal::TimedOut] {
            assert!(harness.send(Input::Channel { generation: 1, signal: late }).is_empty());
        }
        assert!(matches!(harness.status(), RealtimeStatus::Retrying { attempt: 1, .. }));
        harness.advance(1000);
        assert_eq!(harness.open, Some(2));
        // A stale signal of the old instance must not touch the new one.
        assert!(harness.send(Input::Channel { generation: 1, signal: Signal::Closed }).is_empty());
        assert!(harness.send(Input::Channel { generation: 1, signal: Signal::Subscribed }).is_empty());
        assert_eq!(harness.status(), RealtimeStatus::Connecting);
        assert!(harness.send(Input::DelayElapsed).is_empty(), "a late timer does nothing while connecting");
        assert_eq!(harness.opened.len(), 2);
    }

    #[test]
    fn subscribed_resets_the_attempts() {
        let mut harness = Harness::new(3);
        for attempt in 1..=2 {
            harness.signal(Signal::TimedOut);
            assert!(matches!(harness.status(), RealtimeStatus::Retrying { attempt: a, .. } if a == attempt));
            harness.advance(1000);
        }
        harness.signal(Signal::Subscribed);
        harness.signal(Signal::Closed);
        assert!(matches!(harness.status(), RealtimeStatus::Retrying { attempt: 1, .. }), "counting starts over");
    }

    #[test]
    fn delays_follow_the_policy_and_it_gives_up_after_the_maximum() {
        let mut harness = Harness::new(3);
        for attempt in 0..3 {
            let delay_ms = harness.expected_delay_ms(attempt);
            assert!(delay_ms <= time::millis(harness.policy.ceiling(attempt)));
            harness.signal(Signal::ChannelError("socket closed: 1006".into()));
            assert_eq!(harness.status(), RealtimeStatus::Retrying { attempt: attempt + 1, max_attempts: 3, delay_ms });
            let opened_at = harness.now_ms + u64::from(delay_ms);
            harness.advance(1000);
            assert_eq!(harness.opened.last(), Some(&(opened_at, u64::from(attempt) + 2)));
        }
        assert_eq!(harness.signal(Signal::TimedOut), vec![Command::CloseChannel, Command::GiveUp]);
        assert_eq!(harness.status(), RealtimeStatus::GaveUp { attempts: 3 });
        assert!(harness.gave_up);
        assert_eq!((harness.open, harness.due_ms), (None, None), "nothing left open or scheduled");
        assert!(harness.send(Input::DelayElapsed).is_empty());
        assert!(harness.send(Input::Channel { generation: 4, signal: Signal::Closed }).is_empty());
        assert_eq!(harness.opened.len(), 4, "the first subscription and three retries");
    }

    #[test]
    fn online_foreground_and_retry_now_retry_at_once() {
        let mut harness = Harness::new(2);
        harness.signal(Signal::Closed);
        assert!(harness.due_ms.is_some());
        let commands = harness.send(Input::Online);
        assert_eq!(commands, vec![Command::CancelTimer, Command::OpenChannel { generation: 2 }]);
        assert_eq!((harness.due_ms, harness.opened.last()), (None, Some(&(0, 2))));
        assert!(harness.send(Input::Foreground).is_empty(), "nothing while connecting");

        harness.signal(Signal::Closed);
        assert!(matches!(harness.status(), RealtimeStatus::Retrying { attempt: 2, .. }), "the early retry counted");
        harness.advance(1000);
        harness.signal(Signal::Closed);
        assert_eq!(harness.status(), RealtimeStatus::GaveUp { attempts: 2 });

        assert_eq!(harness.send(Input::Foreground), vec![Command::OpenChannel { generation: 4 }]);
        assert_eq!(harness.status(), RealtimeStatus::Connecting);
        harness.signal(Signal::Closed);
        assert!(
            matches!(harness.status(), RealtimeStatus::Retrying { attempt: 1, .. }),
            "a fresh budget after giving up"
        );
        harness.send(Input::RetryNow);
        harness.signal(Signal::Subscribed);
        assert!(harness.send(Input::Online).is_empty(), "nothing while subscribed");
        assert_eq!(harness.status(), RealtimeStatus::Subscribed);
    }
}
