//! The safe Rust face of `livekit-client`. Nothing outside this module sees a JS value of the SDK.

mod connect;
mod error;
mod events;
mod loader;
mod room;
mod sys;
mod types;

pub use connect::{connect, ConnectFailure, Connected, FailureCause};
pub use error::{ConnectError, MediaDeviceFailure};
pub(crate) use events::{EventSubscription, RoomEvent};
pub use loader::{load, Livekit, SdkLoadError, SdkUrl, SDK_URL};
pub(crate) use loader::{start_loading, SdkState};
pub use room::{MediaRequest, Room, RoomOptions};
pub use types::{ConnectionQuality, ConnectionState};
pub(crate) use types::{DisconnectReason, TrackKind};
