//! "Join" made quick: while the pre-join screen shows, the SDK loads, the token is fetched and checked, and a room
//! is told to prepare its connection (`Room.prepareConnection`). "Join" then only connects and publishes.

use std::rc::Rc;

use futures::future::{AbortHandle, Abortable, FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;

use crate::livekit::{self, Room, RoomOptions, SdkLoadError, SdkState, SdkUrl};
use crate::task::spawn_in;
use crate::token::{EndpointSource, Freshness, RefreshHandle};

/// What the warm-up made ready for "Join".
#[derive(Clone)]
pub(super) struct Warmed {
    /// A room of the loaded SDK, not yet connected (prepared when a token arrived).
    pub(super) room: Rc<Room>,
    /// Keeps the fetched token fresh until "Join" (the source reuses it while fresh); once connected, LiveKit
    /// refreshes the connected client's token itself, so the join drops it. `None` when the fetch failed: "Join"
    /// fetches again and shows why if it fails.
    _token_refresh: Option<Rc<RefreshHandle>>,
}

type Ready = Shared<LocalBoxFuture<'static, Result<Warmed, SdkLoadError>>>;

/// A warm-up under way or done. Dropping it stops the warm-up (and drops its room and token refresh) unless
/// [`WarmJoin::finish`] is waiting for it.
#[must_use = "the warm-up stops, and its room and token refresh go, when this is dropped"]
pub(super) struct WarmJoin {
    ready: Ready,
    /// Stops the task that drives the warm-up while nobody waits for it.
    driver: AbortHandle,
}

impl WarmJoin {
    /// Starts warming up as a task of `owner` (so it also stops when the page unmounts), writing the SDK's
    /// progress to `sdk_state`.
    pub(super) fn start(
        owner: &WeakOwner,
        sdk_url: SdkUrl,
        source: Rc<EndpointSource>,
        default_url: String,
        sdk_state: RwSignal<SdkState>,
    ) -> Self {
        let ready = warm_up(sdk_url, source, default_url, sdk_state).boxed_local().shared();
        let (driver, registration) = AbortHandle::new_pair();
        spawn_in(owner, Abortable::new(ready.clone(), registration).map(drop));
        WarmJoin { ready, driver }
    }

    /// Waits for the warm-up (at once when it is done), then hands over its room, or why the SDK did not load.
    pub(super) async fn finish(self) -> Result<Warmed, SdkLoadError> {
        let ready = self.ready.clone();
        // The driver task is no longer needed: this future polls the warm-up itself from here on.
        drop(self);
        ready.await
    }
}

impl Drop for WarmJoin {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

async fn warm_up(
    sdk_url: SdkUrl,
    source: Rc<EndpointSource>,
    default_url: String,
    sdk_state: RwSignal<SdkState>,
) -> Result<Warmed, SdkLoadError> {
    sdk_state.try_set(SdkState::Loading);
    let (sdk, token) = futures::future::join(livekit::load(&sdk_url.0), source.fetch(Freshness::Cached)).await;
    let sdk = sdk.inspect_err(|failure| {
        sdk_state.try_set(SdkState::Failed(failure.clone()));
    })?;
    sdk_state.try_set(SdkState::Loaded);
    let room = Rc::new(Room::new(&sdk, RoomOptions::default()));
    let token_refresh = token.ok().map(|issued| {
        room.prepare_connection(issued.server_url.as_deref().unwrap_or(&default_url), &issued.token);
        Rc::new(source.keep_fresh())
    });
    Ok(Warmed { room, _token_refresh: token_refresh })
}
