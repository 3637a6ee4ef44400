//! `/video-date/<date id>`: loads the session and the date, then pre-join, then the call. Everything it
//! opens lives in [`PageResources`] or [`Call`], which are dropped on unmount: the room disconnects, tracks
//! stop, timers and listeners go.

mod call_state;
mod call_view;

use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use tracing::Instrument;

use self::call_state::{CallPhase, CallSignals, Partner};
use self::call_view::{CallActions, CallElements, CallView, PARTNER_DROPPED};
use crate::components::diagnostics::{self, Diagnostics};
use crate::components::error_panel::ErrorPanel;
use crate::components::live_region::LiveRegion;
use crate::components::pre_join::{JoinChoice, PreJoin};
use crate::components::realtime_notice::RealtimeNotice;
use crate::config::Config;
use crate::livekit::{
    connect, ConnectError, EventSubscription, FailureCause, MediaRequest, Room, RoomEvent, RoomOptions, TrackKind,
};
use crate::metrics::{self, BeaconReport, Metric};
use crate::realtime::{RealtimeOptions, RealtimeStatus, ResilientChannel};
use crate::supabase::rest::{self, DateCall, DateError};
use crate::supabase::session::{self, Session};
use crate::supabase::video_date::{format_countdown, DateStatus, VideoDate};
use crate::task::{current_owner, spawn_in};
use crate::token::{EndpointSource, EndpointSourceOptions, Expectations};

#[derive(Debug, Clone, PartialEq)]
enum Screen {
    Loading,
    SignedOut(String),
    Problem(String),
    Ended(String),
    PreJoin,
    InCall,
}

/// What the page keeps open while it is mounted, besides the call.
#[derive(Default)]
struct PageResources {
    realtime: Option<ResilientChannel>,
    session_refresh: Option<Timeout>,
    clock: Option<Interval>,
    report: Option<BeaconReport>,
}

/// A joined (or joining) call. Field order is drop order: listeners go before the room disconnects.
struct Call {
    _events: EventSubscription,
    source: Rc<EndpointSource>,
    room: Rc<Room>,
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

#[component]
pub fn VideoDatePage(date_id: String) -> impl IntoView {
    let config = expect_context::<Config>();
    let screen = RwSignal::new(Screen::Loading);
    let (announcement, announce) = signal(String::from("Loading your date…"));
    let date = RwSignal::new(None::<VideoDate>);
    let session = RwSignal::new(None::<Session>);
    let now = RwSignal::new(now_secs());
    let resources = StoredValue::new_local(PageResources::default());
    let call = StoredValue::new_local(None::<Call>);
    let signals = CallSignals::new();
    let realtime_status = RwSignal::new(RealtimeStatus::Connecting);
    let elements = CallElements::new();
    let owner = StoredValue::new_local(current_owner());
    let show_diagnostics =
        RwSignal::new(diagnostics::debug_requested(&window().location().search().unwrap_or_default()));
    diagnostics::toggle_on_shortcut(show_diagnostics);
    on_cleanup(move || {
        call.try_set_value(None);
        resources.try_set_value(PageResources::default());
    });

    let load_config = config.clone();
    let load_date_id = date_id.clone();
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
        match rest::fetch_date(&config, &signed_in, &load_date_id).await {
            Ok(row) => {
                let ended = row.status == DateStatus::Ended;
                let me = signed_in.user_id.clone();
                let on_row = move |updated: VideoDate| {
                    if updated.status == DateStatus::Ended
                        && date.try_get_untracked().flatten().is_some_and(|d| d.status != DateStatus::Ended)
                    {
                        let who = if updated.ended_by.as_deref() == Some(me.as_str()) { "You" } else { "Your date" };
                        let message = format!("{who} ended the date.");
                        call.try_set_value(None);
                        announce.try_set(message.clone());
                        screen.try_set(Screen::Ended(message));
                    }
                    date.try_set(Some(updated));
                };
                let channel = follow_date(&config, &signed_in, &row, on_row, realtime_status);
                resources.update_value(|r| r.realtime = Some(channel));
                if let Some(endpoint) = config.metrics_endpoint.clone() {
                    let report = BeaconReport::start(endpoint, signed_in.user_id.clone(), row.id.clone());
                    resources.update_value(|r| r.report = Some(report));
                }
                date.set(Some(row));
                session.set(Some(signed_in.clone()));
                schedule_session_refresh(config.clone(), signed_in, session, call, resources);
                resources.update_value(|r| {
                    r.clock = Some(Interval::new(1000, move || {
                        now.try_set(now_secs());
                    }))
                });
                if ended {
                    screen.set(Screen::Ended("This date has ended.".into()));
                } else {
                    screen.set(Screen::PreJoin);
                }
            }
            Err(DateError::Unauthorized) => screen.set(Screen::SignedOut(DateError::Unauthorized.to_string())),
            Err(err) => {
                announce.set(err.to_string());
                screen.set(Screen::Problem(err.to_string()));
            }
        }
    });

    // The choice of the last "Join", so a call the server shut down can be joined again without asking.
    let last_choice = StoredValue::new_local(None::<JoinChoice>);
    let rejoined_after_shutdown = StoredValue::new(false);
    let join_config = config.clone();
    let start_call = Callback::new(move |choice: JoinChoice| {
        let (Some(signed_in), Some(row)) = (session.get_untracked(), date.get_untracked()) else { return };
        screen.set(Screen::InCall);
        signals.microphone_on.set(choice.microphone_on);
        signals.camera_on.set(choice.camera_on);
        last_choice.set_value(Some(choice.clone()));
        let config = join_config.clone();
        // The date goes live when both have joined; the call itself does not wait for that.
        let (record_config, record_session, record_id) = (config.clone(), signed_in.clone(), row.id.clone());
        spawn_in(&owner.get_value(), async move {
            match rest::call(&record_config, &record_session, DateCall::Join, &record_id).await {
                Ok(updated) => {
                    date.try_set(Some(updated));
                }
                Err(err) => tracing::warn!("your join was not recorded: {err}"),
            }
        });
        // Everything the join logs (token, connect attempts, the auth retry) is inside this span.
        let span = tracing::info_span!("join", room = %row.room_name);
        spawn_in(
            &owner.get_value(),
            join_call(config, signed_in, row, choice, signals, elements, call, announce).instrument(span),
        );
    });
    let join = Callback::new(move |choice: JoinChoice| {
        rejoined_after_shutdown.set_value(false);
        start_call.run(choice);
    });
    // A video server shutting down sends SERVER_SHUTDOWN, after which the SDK does not reconnect: the room
    // lives on (or starts again) on another server, so join once more, with a fresh token. Once per "Join":
    // if that call is shut down too, the sentence explains and "Rejoin" is offered.
    Effect::new(move |_| {
        if signals.phase.get() == CallPhase::Disconnected(crate::livekit::DisconnectReason::ServerShutdown)
            && !rejoined_after_shutdown.get_value()
        {
            if let Some(choice) = last_choice.get_value() {
                tracing::info!("the video server shut down; joining again");
                rejoined_after_shutdown.set_value(true);
                start_call.run(choice);
            }
        }
    });
    Effect::new(move |_| {
        let phase = signals.phase.get();
        let partner = signals.partner.get();
        let message = match (phase, partner) {
            (CallPhase::Connected, Partner::Left) => "Your date left the call.".to_owned(),
            (CallPhase::Connected, Partner::Dropped) => PARTNER_DROPPED.to_owned(),
            (CallPhase::Connected, Partner::NotJoined) => "You're in. Your date hasn't joined yet.".to_owned(),
            (phase, _) => phase.sentence(),
        };
        if screen.get_untracked() == Screen::InCall {
            announce.set(message);
        }
    });

    let end_config = config.clone();
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
            signals.phase.set(CallPhase::Disconnected(crate::livekit::DisconnectReason::ClientInitiated));
        }),
        rejoin: Callback::new(move |()| {
            call.set_value(None);
            signals.phase.set(CallPhase::FetchingToken);
            signals.partner.set(Partner::NotJoined);
            screen.set(Screen::PreJoin);
        }),
        end_date: Callback::new(move |()| {
            let (Some(signed_in), Some(row)) = (session.get_untracked(), date.get_untracked()) else { return };
            let config = end_config.clone();
            spawn_in(&owner.get_value(), async move {
                match rest::call(&config, &signed_in, DateCall::End, &row.id).await {
                    Ok(updated) => {
                        call.set_value(None);
                        date.set(Some(updated));
                        announce.set("You ended the date.".into());
                        screen.set(Screen::Ended("You ended the date.".into()));
                    }
                    Err(err) => announce.set(err.to_string()),
                }
            });
        }),
    };

    let timer = Signal::derive(move || {
        let now = now.get();
        date.with(|d| d.as_ref().and_then(|d| d.seconds_left(now)).map(format_countdown))
    });
    let sign_in_link = format!("/sign-in?next=/video-date/{date_id}");
    view! {
        <section class="date-page" aria-labelledby="date-title">
            <header>
                <h1 id="date-title">"Your date"</h1>
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
            {move || match screen.get() {
                Screen::Loading => view! { <p class="status">"Loading your date…"</p> }.into_any(),
                Screen::SignedOut(message) => view! {
                    <div class="panel error" role="alert">
                        <p>{message}</p>
                        <a class="button primary" href=sign_in_link.clone()>"Sign in"</a>
                    </div>
                }.into_any(),
                Screen::Problem(message) => view! { <ErrorPanel title="We can't open this date" message/> }.into_any(),
                Screen::Ended(message) => view! { <div class="panel ended" role="alert"><p>{message}</p></div> }.into_any(),
                Screen::PreJoin => view! { <PreJoin on_join=join announce/> }.into_any(),
                Screen::InCall => view! { <CallView signals elements actions timer/> }.into_any(),
            }}
        </section>
    }
}

/// Follows the date's row over Supabase Realtime; `on_row` gets every new version of it.
fn follow_date(
    config: &Config,
    signed_in: &Session,
    row: &VideoDate,
    on_row: impl Fn(VideoDate) + 'static,
    status: RwSignal<RealtimeStatus>,
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
        move |new_status| {
            status.try_set(new_status);
        },
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
    choice: JoinChoice,
    signals: CallSignals,
    elements: CallElements,
    call: StoredValue<Option<Call>, LocalStorage>,
    announce: WriteSignal<String>,
) {
    let partner_id = row.partner_of(&signed_in.user_id).unwrap_or_default().to_owned();
    let source = EndpointSource::new(EndpointSourceOptions::new(
        config.token_endpoint.clone(),
        Expectations { room: row.room_name.clone(), identity: signed_in.user_id.clone() },
        signed_in.access_token.clone(),
    ));
    let room = Rc::new(Room::new(RoomOptions::default()));
    let events = {
        let partner_id = partner_id.clone();
        room.subscribe(move |event| {
            signals.apply(&event, &partner_id);
            attach_partner_track(&event, &partner_id, elements);
        })
    };
    // Stored before connecting, so leaving the page mid-connect drops (and disconnects) the room.
    call.set_value(Some(Call { _events: events, source: source.clone(), room: room.clone() }));

    signals.joined_at.set_value(js_sys::Date::now());
    signals.phase.set(CallPhase::FetchingToken);
    if let Err(err) = source.fetch(false).await {
        signals.phase.set(CallPhase::Failed(err.to_string()));
        return;
    }
    signals.phase.set(CallPhase::Connecting);
    match connect(&room, &source, &config.livekit_url).await {
        Ok(connected) => {
            tracing::info!(attempts = connected.attempts, "joined the date's room");
            metrics::record(Metric::JoinToConnected { ms: metrics::elapsed_ms(signals.joined_at.get_value()) });
            signals.phase.set(CallPhase::Connected);
            let partner_here = room.remote_identities().contains(&partner_id);
            signals.partner.set(if partner_here { Partner::Present } else { Partner::NotJoined });
            signals.audio_blocked.set(!room.can_playback_audio());
            publish_media(&room, &choice, signals, elements).await;
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

async fn publish_media(room: &Room, choice: &JoinChoice, signals: CallSignals, elements: CallElements) {
    let request = MediaRequest {
        camera: choice.camera_on,
        microphone: choice.microphone_on,
        camera_device: choice.devices.camera.clone(),
        microphone_device: choice.devices.microphone.clone(),
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

/// Refreshes the session a minute before it expires and hands the new access token to the token source,
/// for as long as the page lives (the timer is in [`PageResources`]).
fn schedule_session_refresh(
    config: Config,
    current: Session,
    session: RwSignal<Option<Session>>,
    call: StoredValue<Option<Call>, LocalStorage>,
    resources: StoredValue<PageResources, LocalStorage>,
) {
    let delay_ms = u32::try_from(current.refresh_in(now_secs()).saturating_mul(1000)).unwrap_or(u32::MAX);
    let timeout = Timeout::new(delay_ms, move || {
        leptos::task::spawn_local(async move {
            match session::refresh(&config, &current).await {
                Ok(fresh) => {
                    call.try_with_value(|c| {
                        if let Some(c) = c {
                            c.source.set_access_token(fresh.access_token.clone());
                        }
                    });
                    resources.try_with_value(|r| {
                        if let Some(channel) = &r.realtime {
                            channel.set_access_token(fresh.access_token.clone());
                        }
                    });
                    session.try_set(Some(fresh.clone()));
                    if resources.try_with_value(|_| ()).is_some() {
                        schedule_session_refresh(config, fresh, session, call, resources);
                    }
                }
                Err(err) => tracing::warn!("session refresh failed: {err}"),
            }
        });
    });
    resources.try_update_value(|r| r.session_refresh = Some(timeout));
}
