//! The SDK and rooms for tests that drive the bindings directly, as the date page does.

use video_date::livekit::{self, connect, ConnectFailure, Connected, Room, RoomOptions};
use video_date::token::{EndpointSource, Freshness};

/// A room of the SDK, loaded from where the test runner serves it (the crate root).
pub async fn new_room() -> Room {
    let sdk = livekit::load(livekit::SDK_URL).await.expect("livekit-client loads");
    Room::new(&sdk, RoomOptions::default())
}

/// Fetches a token from `source` (it must come) and connects `room` with it, as "Join" does.
pub async fn fetch_and_connect(room: &Room, source: &EndpointSource, url: &str) -> Result<Connected, ConnectFailure> {
    let issued = source.fetch(Freshness::Cached).await.expect("a token");
    connect(room, issued, source, url).await
}
