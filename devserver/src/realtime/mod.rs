//! Supabase Realtime over WebSocket at `/realtime/v1/websocket?apikey=…&vsn=1.0.0|2.0.0`: `protocol` is the
//! wire codec, `channel` what a join asks for, `socket` one connection's loop, `hub` what sockets share, `feed`
//! the row changes the database announces.

mod channel;
mod feed;
mod hub;
mod protocol;
mod socket;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

pub use feed::start as start_feed;
pub use hub::Hub;
use protocol::Vsn;

use crate::state::AppState;

#[derive(Deserialize)]
pub struct ConnectQuery {
    vsn: Option<String>,
}

/// The apikey was checked by the Supabase router's middleware; what is left is the serializer and the `down` fault.
pub async fn websocket(
    State(state): State<AppState>,
    Query(query): Query<ConnectQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if state.realtime.is_down() {
        let body = json!({"error": "RealtimeRestarting: Realtime is restarting, please standby"});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let Some(vsn) = Vsn::parse(query.vsn.as_deref()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "vsn must be 1.0.0 or 2.0.0"}))).into_response();
    };
    upgrade.on_upgrade(move |ws| socket::run(ws, vsn, state))
}
