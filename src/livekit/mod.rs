//! The safe Rust face of `livekit-client`. Nothing outside this module sees a JS value of the SDK.

mod connect;
mod error;
mod events;
mod room;
mod sys;
mod types;

pub use connect::{connect, ConnectFailure, Connected, FailureCause};
pub use error::{ConnectError, ErrorFields, MediaDeviceFailure};
pub use events::{EventSubscription, RemoteTrack, RoomEvent};
pub use room::{MediaRequest, Room, RoomOptions};
pub use types::{ConnectionQuality, ConnectionState, DisconnectReason, TrackKind};
