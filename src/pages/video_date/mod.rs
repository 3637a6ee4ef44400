//! `/video-date/<date id>`: loads the session and the date, then pre-join, then the call. Everything it
//! opens lives in [`PageResources`] or [`Call`], which are dropped on unmount: the room disconnects, tracks
//! stop, timers and listeners go.

mod call_state;
mod call_view;
mod date_view;
mod warm_join;

use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use tracing::Instrument;

use self::call_state::{CallPhase, CallSignals};
use self::call_view::{CallActions, CallElements, CallView, PARTNER_DROPPED};
use self::date_view::{DateOver, ExtensionPrompt};
use self::warm_join::WarmJoin;
use crate::components::diagnostics::{self, Diagnostics};
use crate::components::error_panel::ErrorPanel;
use crate::components::live_region::LiveRegion;
use crate::components::pre_join::{JoinChoice, Joining, PreJoin};
use crate::components::realtime_notice::RealtimeNotice;
use crate::components::sdk_notice::SdkNotice;
use crate::config::Config;
use crate::date::{self, DateState, PartnerLink, ServerClock};
use crate::dom::EventListener;
use crate::livekit::{
    self, connect, ConnectError, DisconnectReason, EventSubscription, FailureCause, MediaRequest, Room, RoomEvent,
    SdkState, TrackKind,
};
use crate::media::Preview;
use crate::metrics::{self, BeaconReport, Metric};
use crate::realtime::{RealtimeOptions, RealtimeStatus, ResilientChannel};
use crate::supabase::rest::{self, Answer, DateCall, DateError, MeetAgainResult, Refusal};
use crate::supabase::session::{self, Session};
use crate::supabase::video_date::{format_countdown, DateStatus, VideoDate};
use crate::task::{current_owner, spawn_in};
use crate::time;
use crate::token::{EndpointSource, EndpointSourceOptions, Expectations, Freshness};

#[derive(Debug, Clone, PartialEq)]
enum Screen {
    Loading,
    SignedOut(String),
    Problem(String),
    PreJoin,
    InCall,
    /// The date is over: why, the meet-again question, its answer.
    Ended,
}

/// What the page keeps open while it is mounted, besides the call.
#[derive(Default)]
struct PageResources {
    realtime: Option<ResilientChannel>,
    session_refresh: Option<Timeout>,
    ticker: Option<Interval>,
    report: Option<BeaconReport>,
    foreground: Option<EventListener>,
    /// The date's token source: the warm-up and "Join" fetch from it, the session refresh hands it new access
    /// tokens.
    token_source: Option<Rc<EndpointSource>>,
    /// Made ready while the pre-join screen shows; "Join" takes it.
    warm_join: Option<WarmJoin>,
    /// Armed while the call is reconnecting; see [`RECONNECT_PATIENCE_MS`].
    reconnect_deadline: Option<Timeout>,
}

/// A joined (or joining) call. Field order is drop order: listeners go before the room disconnects.
struct Call {
    _events: EventSubscription,
    room: Rc<Room>,
}

/// How often the countdown and the partner's grace window are re-read from the clock.
const TICK_MS: u32 = 250;
/// How long the page lets the SDK try to restore a dropped call before joining it again from scratch (a new room, a token from the source).
const RECONNECT_PATIENCE_MS: u32 = 15_000;
/// How long a page waits before asking the database again to record a time-up it could not reach.
const TIME_UP_RETRY: std::time::Duration = std::time::Duration::from_secs(3);

/// The date as this page knows it. `Copy`, so every handler shares it.
#[derive(Clone, Copy)]
struct DateSignals {
    /// The newest version of the row this page has seen (from the load, Realtime, a re-read or a call).
    row: RwSignal<Option<VideoDate>>,
    clock: RwSignal<ServerClock>,
    /// `Date.now()`, every [`TICK_MS`].
    device_now: RwSignal<f64>,
    /// Whether this person answered "meet again?" (the answer itself is private to the database).
    answered: RwSignal<bool>,
    partner_name: RwSignal<Option<String>>,
    /// The sentence of the last date call the database refused or that failed, until the next one succeeds.
    problem: RwSignal<Option<String>>,
}

impl DateSignals {
    fn new() -> Self {
        DateSignals {
            row: RwSignal::new(None),
            clock: RwSignal::new(ServerClock::default()),
            device_now: RwSignal::new(time::now_ms()),
            answered: RwSignal::new(false),
            partner_name: RwSignal::new(None),
            problem: RwSignal::new(None),
        }
    }

    /// The date's state for `me`, counted on the earliest the server's clock can be, so that zero here is
    /// past `ends_at` for the database too.
    fn state(self, me: StoredValue<String>) -> Memo<Option<DateState>> {
        Memo::new(move |_| {
            let server_now = self.clock.get().earliest_server_now(self.device_now.get());
            let answered = self.answered.get();
            self.row.with(|row| row.as_ref().map(|row| DateState::at(row.facts(&me.read_value()), answered, server_now)))
        })
    }
}

/// `/video-date/<id>`: the date from sign-in check to pre-join, the call and the end, with its live region,
/// realtime notice and diagnostics panel.
#[component]
pub fn VideoDatePage(
    /// The date's id, from the path.
    date_id: String,
) -> impl IntoView {
    let config = expect_context::<Config>();
    let screen = RwSignal::new(Screen::Loading);
    let (announcement, announce) = signal(String::from("Loading your date…"));
    let dates = DateSignals::new();
    let session = RwSignal::new(None::<Session>);
    let me = StoredValue::new(String::new());
    let state = dates.state(me);
    let resources = StoredValue::new_local(PageResources::default());
    let call = StoredValue::new_local(None::<Call>);
    let signals = CallSignals::new();
    let realtime_status = RwSignal::new(RealtimeStatus::Connecting);
    let elements = CallElements::new();
    let owner = StoredValue::new_local(current_owner());
    let sdk_state = RwSignal::new(SdkState::Loading);
    let sdk_url = use_context::<livekit::SdkUrl>().unwrap_or_default();
    let (warm_sdk_url, warm_url) = (sdk_url.clone(), config.livekit_url.clone());
    let warm_up = Callback::new(move |()| {
        let Some(source) = resources.with_value(|r| r.token_source.clone()) else { return };
        let warm_join = WarmJoin::start(&owner.get_value(), warm_sdk_url.clone(), source, warm_url.clone(), sdk_state);
        resources.update_value(|r| r.warm_join = Some(warm_join));
    });
    let show_diagnostics =
        RwSignal::new(diagnostics::debug_requested(&window().location().search().unwrap_or_default()));
    diagnostics::toggle_on_shortcut(show_diagnostics);
    on_cleanup(move || {
        call.try_set_value(None);
        resources.try_set_value(PageResources::default());
    });

    // Every version of the row goes through here, whoever brought it: an older one than the page has is
    // dropped, and an end ends the call.
    let apply_row = Callback::new(move |updated: VideoDate| {
        if dates.row.try_with_untracked(|row| row.as_ref().is_some_and(|row| updated.is_older_than(row))) != Some(false) {
            return;
        }
        let ended = updated.status == DateStatus::Ended;
        dates.row.set(Some(updated));
        if ended && !matches!(screen.get_untracked(), Screen::Ended | Screen::Loading) {
            call.set_value(None);
            // No call follows: the prepared room and its token refresh go too.
            resources.update_value(|r| r.warm_join = None);
            screen.set(Screen::Ended);
        }
    });
    // The row and the server's clock, read again: after every (re)subscription, since changes made while
    // unsubscribed are never replayed, and when the page comes back to the foreground.
    let reread_config = config.clone();
    let reread_date_id = date_id.clone();
    let reread = Callback::new(move |()| {
        let Some(signed_in) = session.get_untracked() else { return };
        let (config, date_id) = (reread_config.clone(), reread_date_id.clone());
        spawn_in(&owner.get_value(), async move {
            sample_clock(&config, &signed_in, &date_id, dates).await;
            match rest::fetch_date(&config, &signed_in, &date_id).await {
                Ok(row) => apply_row.run(row),
                Err(err) => tracing::warn!("the date could not be read again: {err}"),
            }
        });
    });

    let load_config = config.clone();
    let load_date_id = date_id.clone();
    let load_sdk_url = sdk_url.clone();
    spawn_in(&owner.get_value(), async move {
        let config = load_config;
        let signed_in = match session::load(&config) {
            Ok(signed_in) => signed_in,
            Err(err) => {
                announce.set(err.to_string());
                screen.set(Screen::SignedOut(err.to_string()));
                return;
            }
        };
        me.set_value(signed_in.user_id.clone());
        // Signed in on a date's page: a call may follow, so the SDK starts loading while the date does.
        livekit::start_loading(&load_sdk_url.0);
        // The clock and the partner's name are not needed to show the pre-join screen: read alongside.
        let (clock_config, clock_session, clock_date_id) = (config.clone(), signed_in.clone(), load_date_id.clone());
        spawn_in(&owner.get_value(), async move {
            sample_clock(&clock_config, &clock_session, &clock_date_id, dates).await;
        });
        match rest::fetch_date(&config, &signed_in, &load_date_id).await {
            Ok(row) => {
                let on_status = move |status: RealtimeStatus| {
                    if status == RealtimeStatus::Subscribed {
                        reread.run(());
                    }
                    realtime_status.try_set(status);
                };
                let channel = follow_date(&config, &signed_in, &row, move |row| apply_row.run(row), on_status);
                resources.update_value(|r| r.realtime = Some(channel));
                if let Some(endpoint) = config.metrics_endpoint.clone() {
                    let report = BeaconReport::start(endpoint, signed_in.user_id.clone(), row.id.clone());
                    resources.update_value(|r| r.report = Some(report));
                }
                let source = EndpointSource::new(EndpointSourceOptions::new(
                    config.token_endpoint.clone(),
                    Expectations { room: row.room_name.clone(), identity: signed_in.user_id.clone() },
                    signed_in.access_token.clone(),
                ));
                resources.update_value(|r| r.token_source = Some(source));
                let ended = row.status == DateStatus::Ended;
                apply_row.run(row);
                session.set(Some(signed_in.clone()));
                schedule_session_refresh(config.clone(), signed_in, session, resources);
                resources.update_value(|r| {
                    r.ticker = Some(Interval::new(TICK_MS, move || {
                        dates.device_now.try_set(time::now_ms());
                    }));
                    r.foreground = foreground_listener(reread);
                });
                if !ended {
                    warm_up.run(());
                }
                screen.set(if ended { Screen::Ended } else { Screen::PreJoin });
            }
            Err(DateError::Unauthorized) => screen.set(Screen::SignedOut(DateError::Unauthorized.to_string())),
            Err(err) => {
                announce.set(err.to_string());
                screen.set(Screen::Problem(err.to_string()));
            }
        }
    });

    // Each change of the date's state is said once in the live region.
    let said = StoredValue::new(None::<DateState>);
    Effect::new(move |_| {
        let Some(now) = state.get() else { return };
        if let Some(sentence) = date::announcement(said.get_value(), now) {
            announce.set(sentence.to_owned());
        }
        said.set_value(Some(now));
    });

    // The date's functions, each answered with the row as it now is.
    let date_config = config.clone();
    let date_call = Callback::new(move |what: DateCall| {
        let (Some(signed_in), Some(row)) = (session.get_untracked(), dates.row.get_untracked()) else { return };
        let config = date_config.clone();
        spawn_in(&owner.get_value(), async move {
            match rest::call(&config, &signed_in, what, &row.id).await {
                Ok(updated) => {
                    dates.problem.try_set(None);
                    apply_row.run(updated);
                }
                Err(err) => {
                    tracing::warn!(call = ?what, "a date call did not go through: {err}");
                    dates.problem.try_set(Some(err.to_string()));
                    announce.try_set(err.to_string());
                }
            }
        });
    });
    // At zero each page records the time-up (`end_date` past `ends_at`); the database keeps the first. A call
    // that fails is made again until the row says the date ended, whoever brought that row.
    let recording_time_up = StoredValue::new(false);
    let time_up_config = config.clone();
    Effect::new(move |_| {
        if state.get() != Some(DateState::TimeUp) || recording_time_up.get_value() {
            return;
        }
        recording_time_up.set_value(true);
        let config = time_up_config.clone();
        spawn_in(&owner.get_value(), async move {
            while state.try_get_untracked().flatten() == Some(DateState::TimeUp) {
                let (Some(signed_in), Some(row)) = (session.get_untracked(), dates.row.get_untracked()) else { return };
                match rest::call(&config, &signed_in, DateCall::End, &row.id).await {
                    Ok(updated) => apply_row.run(updated),
                    Err(err) => tracing::warn!("the time-up could not be recorded; trying again: {err}"),
                }
                gloo_timers::future::sleep(TIME_UP_RETRY).await;
            }
        });
    });

    let answer_config = config.clone();
    let answer_meet_again = Callback::new(move |answer: Answer| {
        let (Some(signed_in), Some(row)) = (session.get_untracked(), dates.row.get_untracked()) else { return };
        let config = answer_config.clone();
        spawn_in(&owner.get_value(), async move {
            match rest::answer_meet_again(&config, &signed_in, &row.id, answer).await {
                Ok(result) => {
                    dates.answered.try_set(true);
                    // Both have answered: the outcome is in the row now, and Realtime may not have brought it yet.
                    if result != MeetAgainResult::Waiting {
                        reread.run(());
                    }
                }
                Err(DateError::Refused(Refusal::AlreadyAnswered)) => {
                    dates.answered.try_set(true);
                }
                Err(err) => {
                    dates.problem.try_set(Some(err.to_string()));
                    announce.try_set(err.to_string());
                }
            }
        });
    });

    // The choice of the last "Join", so a call the page starts over by itself is joined without asking.
    let last_choice = StoredValue::new_local(None::<JoinChoice>);
    // Set while a call the page started over by itself has not connected yet: if that one is lost too, the
    // page explains and offers "Rejoin" rather than trying again and again.
    let starting_over = StoredValue::new(false);
    let join_config = config.clone();
    // The preview's tracks, when the call starts from the pre-join screen, are the ones it publishes.
    let start_call = Callback::new(move |(choice, preview): (JoinChoice, Option<Preview>)| {
        let (Some(signed_in), Some(row)) = (session.get_untracked(), dates.row.get_untracked()) else { return };
        let Some(source) = resources.with_value(|r| r.token_source.clone()) else { return };
        // A join without a pre-join screen before it (after a server shutdown) warms up on the spot.
        let warm = resources.try_update_value(|r| r.warm_join.take()).flatten().unwrap_or_else(|| {
            let url = join_config.livekit_url.clone();
            WarmJoin::start(&owner.get_value(), sdk_url.clone(), source.clone(), url, sdk_state)
        });
        screen.set(Screen::InCall);
        signals.microphone_on.set(choice.microphone_on);
        signals.camera_on.set(choice.camera_on);
        last_choice.set_value(Some(choice.clone()));
        // The date goes live when both have joined; the call itself does not wait for that.
        date_call.run(DateCall::Join);
        // Everything the join logs (token, connect attempts, the auth retry) is inside this span.
        let span = tracing::info_span!("join", room = %row.room_name);
        let config = join_config.clone();
        spawn_in(
            &owner.get_value(),
            join_call(config, signed_in, row, (choice, preview), warm, source, signals, elements, call, announce)
                .instrument(span),
        );
    });
    let join = Callback::new(move |Joining { choice, preview }: Joining| {
        starting_over.set_value(false);
        start_call.run((choice, preview));
    });
    // Joins the call again from scratch (a new room, a token from the source, the devices opened again) with the
    // last choices, when the SDK will not bring it back. `why` is what the page says if the call is lost again
    // before it comes back.
    let start_over = Callback::new(move |why: DisconnectReason| {
        if screen.get_untracked() != Screen::InCall {
            return;
        }
        match last_choice.get_value() {
            Some(choice) if !starting_over.get_value() => {
                tracing::info!(why = why.name(), "the call was lost; joining again");
                starting_over.set_value(true);
                start_call.run((choice, None));
            }
            _ => {
                tracing::warn!(why = why.name(), "the call was lost again before it came back; asking to rejoin");
                call.set_value(None);
                signals.phase.set(CallPhase::Disconnected(why));
            }
        }
    });
    // On a change of phase only: giving up sets the phase that started over again.
    Effect::new(move |previous: Option<CallPhase>| {
        let phase = signals.phase.get();
        if previous.as_ref() != Some(&phase) {
            match phase {
                CallPhase::Connected => starting_over.set_value(false),
                // A video server shutting down sends SERVER_SHUTDOWN, after which the SDK does not reconnect:
                // the room lives on (or starts again) on another server.
                CallPhase::Disconnected(DisconnectReason::ServerShutdown) => {
                    start_over.run(DisconnectReason::ServerShutdown);
                }
                _ => {}
            }
        }
        phase
    });
    // A reconnect that does not end gets a deadline: after a server restart the room is gone and cannot be
    // resumed, and livekit-client 2.23 in Firefox stops trying after its fourth resume attempt.
    Effect::new(move |_| {
        if signals.phase.get() != CallPhase::Reconnecting {
            resources.try_update_value(|r| r.reconnect_deadline = None);
        } else if resources.try_with_value(|r| r.reconnect_deadline.is_none()) == Some(true) {
            let deadline = Timeout::new(RECONNECT_PATIENCE_MS, move || {
                if signals.phase.try_get_untracked() == Some(CallPhase::Reconnecting) {
                    start_over.run(DisconnectReason::ConnectionTimeout);
                }
            });
            resources.try_update_value(|r| r.reconnect_deadline = Some(deadline));
        }
    });
    Effect::new(move |_| {
        let phase = signals.phase.get();
        let message = match (phase, signals.partner.get()) {
            (CallPhase::Connected, PartnerLink::Left) => "Your date left the call.".to_owned(),
            (CallPhase::Connected, PartnerLink::Dropped { .. }) => PARTNER_DROPPED.to_owned(),
            (CallPhase::Connected, PartnerLink::NotJoined) => "You're in. Your date hasn't joined yet.".to_owned(),
            (phase, _) => phase.sentence(),
        };
        if screen.get_untracked() == Screen::InCall {
            announce.set(message);
        }
    });

    let actions = CallActions {
        toggle_microphone: Callback::new(move |()| {
            let on = !signals.microphone_on.get_untracked();
            with_room(owner, call, move |room| async move {
                if room.set_muted(TrackKind::Audio, !on).await {
                    signals.microphone_on.try_set(on);
                }
            });
        }),
        toggle_camera: Callback::new(move |()| {
            let on = !signals.camera_on.get_untracked();
            with_room(owner, call, move |room| async move {
                if room.set_muted(TrackKind::Video, !on).await {
                    signals.camera_on.try_set(on);
                }
            });
        }),
        start_audio: Callback::new(move |()| {
            with_room(owner, call, move |room| async move {
                signals.audio_blocked.try_set(!room.start_audio().await);
            });
        }),
        leave: Callback::new(move |()| {
            call.set_value(None);
            signals.phase.set(CallPhase::Disconnected(DisconnectReason::ClientInitiated));
        }),
        rejoin: Callback::new(move |()| {
            call.set_value(None);
            signals.phase.set(CallPhase::FetchingToken);
            signals.partner.set(PartnerLink::NotJoined);
            warm_up.run(());
            screen.set(Screen::PreJoin);
        }),
        end_date: Callback::new(move |()| date_call.run(DateCall::End)),
    };

    let timer = Signal::derive(move || match state.get() {
        Some(DateState::Live { seconds_left, .. }) => Some(format_countdown(seconds_left)),
        _ => None,
    });
    let meeting = move || dates.partner_name.get().map(|name| format!("You're meeting {name}"));
    let home_url = config.home_url.clone();
    let sign_in_link = format!("/sign-in?next=/video-date/{date_id}");
    view! {
        <section class="date-page" aria-labelledby="date-title" data-date-state=move || state.get().map(|s| s.name())>
            <header>
                <h1 id="date-title">"Your date"</h1>
                {move || meeting().map(|line| view! { <p class="meeting">{line}</p> })}
                <LiveRegion message=announcement/>
            </header>
            <RealtimeNotice status=realtime_status retry=Callback::new(move |()| {
                resources.with_value(|r| if let Some(channel) = &r.realtime { channel.retry_now() });
            })/>
            {move || show_diagnostics.get().then(|| view! {
                <Diagnostics
                    phase=Signal::derive(move || signals.phase.get().name().to_owned())
                    realtime=realtime_status
                    local_quality=signals.local_quality
                    partner_quality=signals.partner_quality
                />
            })}
            {move || dates.problem.get().map(|problem| view! { <p class="date-problem" role="alert">{problem}</p> })}
            {move || match screen.get() {
                Screen::Loading => view! { <p class="status">"Loading your date…"</p> }.into_any(),
                Screen::SignedOut(message) => view! {
                    <div class="panel error" role="alert">
                        <p>{message}</p>
                        <a class="button primary" href=sign_in_link.clone()>"Sign in"</a>
                    </div>
                }.into_any(),
                Screen::Problem(message) => view! { <ErrorPanel title="We can't open this date" message/> }.into_any(),
                Screen::Ended => view! { <DateOver state on_answer=answer_meet_again home_url=home_url.clone()/> }.into_any(),
                Screen::PreJoin => {
                    view! { <SdkNotice state=sdk_state retry=warm_up/> <PreJoin on_join=join announce/> }.into_any()
                }
                Screen::InCall => view! {
                    <ExtensionPrompt
                        state
                        on_request=Callback::new(move |()| date_call.run(DateCall::RequestExtension))
                        on_answer=Callback::new(move |answer| date_call.run(DateCall::AnswerExtension(answer)))
                    />
                    <CallView signals elements actions timer now_ms=dates.device_now/>
                }.into_any(),
            }}
        </section>
    }
}

/// One exchange with the database for its clock (and the partner's name), timed on the device's clock.
async fn sample_clock(config: &Config, signed_in: &Session, date_id: &str, dates: DateSignals) {
    let sent_ms = time::now_ms();
    match rest::page_context(config, signed_in, date_id).await {
        Ok(context) => {
            let received_ms = time::now_ms();
            dates.clock.try_update(|clock| clock.observe(sent_ms, received_ms, context.now.0));
            if context.partner_name.is_some() {
                dates.partner_name.try_set(context.partner_name);
            }
        }
        Err(err) => tracing::warn!("the server's clock could not be read; counting on this device's: {err}"),
    }
}

/// Re-reads the date when the page comes back to the foreground: a phone asleep in a pocket misses changes.
fn foreground_listener(reread: Callback<()>) -> Option<EventListener> {
    let document = web_sys::window()?.document()?;
    let target: web_sys::EventTarget = document.clone().into();
    Some(EventListener::new(&target, "visibilitychange", move |_| {
        if document.visibility_state() == web_sys::VisibilityState::Visible {
            reread.run(());
        }
    }))
}

/// Follows the date's row over Supabase Realtime; `on_row` gets every new version of it.
fn follow_date(
    config: &Config,
    signed_in: &Session,
    row: &VideoDate,
    on_row: impl Fn(VideoDate) + 'static,
    on_status: impl Fn(RealtimeStatus) + 'static,
) -> ResilientChannel {
    let options = RealtimeOptions::new(
        config.supabase_url.clone(),
        config.supabase_anon_key.clone(),
        signed_in.access_token.clone(),
        format!("video-date:{}", row.id),
        "video_dates",
        format!("id=eq.{}", row.id),
    );
    ResilientChannel::start(
        options,
        move |change| match VideoDate::from_value(change.record) {
            Ok(updated) => on_row(updated),
            Err(err) => tracing::warn!("a date update could not be read: {err}"),
        },
        on_status,
    )
}

/// Runs `f` with the call's room, if there is one, as a task cancelled with the page.
fn with_room<F, Fut>(owner: StoredValue<WeakOwner, LocalStorage>, call: StoredValue<Option<Call>, LocalStorage>, f: F)
where
    F: FnOnce(Rc<Room>) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    if let Some(room) = call.with_value(|c| c.as_ref().map(|c| c.room.clone())) {
        spawn_in(&owner.get_value(), f(room));
    }
}

#[allow(clippy::too_many_arguments)]
async fn join_call(
    config: Config,
    signed_in: Session,
    row: VideoDate,
    (choice, preview): (JoinChoice, Option<Preview>),
    warm: WarmJoin,
    source: Rc<EndpointSource>,
    signals: CallSignals,
    elements: CallElements,
    call: StoredValue<Option<Call>, LocalStorage>,
    announce: WriteSignal<String>,
) {
    let partner_id = row.partner_of(&signed_in.user_id).unwrap_or_default().to_owned();
    signals.joined_at.set_value(time::now_ms());
    signals.phase.set(CallPhase::FetchingToken);
    let warmed = match warm.finish().await {
        Ok(warmed) => warmed,
        Err(failure) => {
            announce.set(failure.to_string());
            signals.phase.set(CallPhase::Failed(failure.to_string()));
            return;
        }
    };
    let room = warmed.room.clone();
    let events = {
        let partner_id = partner_id.clone();
        room.subscribe(move |event| {
            signals.apply(&event, &partner_id);
            attach_partner_track(&event, &partner_id, elements);
        })
    };
    // Stored before connecting, so leaving the page mid-connect drops (and disconnects) the room.
    call.set_value(Some(Call { _events: events, room: room.clone() }));
    // The warm-up's token, unless it went stale or its fetch failed.
    let issued = match source.fetch(Freshness::Cached).await {
        Ok(issued) => issued,
        Err(err) => {
            signals.phase.set(CallPhase::Failed(err.to_string()));
            return;
        }
    };
    // The token is not refreshed from here on: once connected, LiveKit refreshes the client's token itself.
    drop(warmed);
    signals.phase.set(CallPhase::Connecting);
    match connect(&room, issued, &source, &config.livekit_url).await {
        Ok(connected) => {
            tracing::info!(attempts = connected.attempts, "joined the date's room");
            metrics::record(Metric::JoinToConnected { ms: time::elapsed_ms(signals.joined_at.get_value()) });
            signals.phase.set(CallPhase::Connected);
            let partner_here = room.remote_identities().contains(&partner_id);
            signals.partner.set(if partner_here { PartnerLink::Present } else { PartnerLink::NotJoined });
            signals.audio_blocked.set(!room.can_playback_audio());
            publish_media(&room, &choice, preview, signals, elements).await;
        }
        Err(failure) => {
            let message = match &failure.cause {
                FailureCause::Connect(ConnectError::Auth) => {
                    "The video server refused your pass to the call, even a fresh one. Sign in again, then rejoin."
                        .to_owned()
                }
                cause => cause.to_string(),
            };
            tracing::warn!(attempts = failure.attempts, "could not join: {message}");
            announce.set(message.clone());
            signals.phase.set(CallPhase::Failed(message));
        }
    }
}

/// Publishes what `choice` asks for: the preview's tracks when there are any (the camera is opened once), the
/// devices opened again otherwise.
async fn publish_media(
    room: &Room,
    choice: &JoinChoice,
    preview: Option<Preview>,
    signals: CallSignals,
    elements: CallElements,
) {
    let request = MediaRequest {
        camera: choice.camera_on,
        microphone: choice.microphone_on,
        camera_device: choice.devices.camera.clone(),
        microphone_device: choice.devices.microphone.clone(),
        opened: preview.map(Preview::into_tracks).unwrap_or_default(),
    };
    if let Err(failure) = room.publish_media(&request).await {
        metrics::record(Metric::MediaFailure { kind: failure.kind() });
        signals.device_problem.set(Some(failure.to_string()));
    }
    signals.camera_on.set(room.attach_local_camera_to(elements.own_video.get_untracked()));
    signals.microphone_on.set(room.has_local(TrackKind::Audio));
}

fn attach_partner_track(event: &RoomEvent, partner_id: &str, elements: CallElements) {
    let RoomEvent::TrackSubscribed { identity, track } = event else { return };
    if identity != partner_id {
        return;
    }
    match track.kind() {
        Some(TrackKind::Video) => {
            if let Some(video) = elements.partner_video.get_untracked() {
                track.attach(&video);
            }
        }
        Some(TrackKind::Audio) => {
            if let Some(audio) = elements.partner_audio.get_untracked() {
                track.attach(&audio);
            }
        }
        None => {}
    }
}

/// Refreshes the session a minute before it expires and hands the new access token to the token source and
/// the realtime channel, for as long as the page lives (the timer is in [`PageResources`]).
fn schedule_session_refresh(
    config: Config,
    current: Session,
    session: RwSignal<Option<Session>>,
    resources: StoredValue<PageResources, LocalStorage>,
) {
    let delay_ms = u32::try_from(current.refresh_in(time::now_secs()).saturating_mul(1000)).unwrap_or(u32::MAX);
    let timeout = Timeout::new(delay_ms, move || {
        leptos::task::spawn_local(async move {
            match session::refresh(&config, &current).await {
                Ok(fresh) => {
                    resources.try_with_value(|r| {
                        if let Some(source) = &r.token_source {
                            source.set_access_token(fresh.access_token.clone());
                        }
                        if let Some(channel) = &r.realtime {
                            channel.set_access_token(fresh.access_token.clone());
                        }
                    });
                    session.try_set(Some(fresh.clone()));
                    if resources.try_with_value(|_| ()).is_some() {
                        schedule_session_refresh(config, fresh, session, resources);
                    }
                }
                Err(err) => tracing::warn!("session refresh failed: {err}"),
            }
        });
    });
    resources.try_update_value(|r| r.session_refresh = Some(timeout));
}
