//! One realtime connection: reads the client's frames, answers its pushes, keeps its joined channels, writes
//! what the hub fans out to them, and ends on idle timeout, a fault, or the client leaving. Tokens are never
//! logged; join errors name only the reason.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket};
use serde_json::{json, Value};
use tokio::time::{sleep_until, Instant};

use super::channel::{self, Channel};
use super::feed::{self, RowChange};
use super::hub::{Control, Hub};
use super::protocol::{self, Message, Vsn};
use crate::db::{Caller, Db};
use crate::session;
use crate::state::AppState;

/// How a connection ends.
enum End {
    /// We send a close frame with this code and reason.
    Close(u16, &'static str),
    /// The client closed: answer its close frame.
    ClosedByClient,
    /// The transport failed, or a `drop_sockets` fault: no close frame.
    Drop,
}

struct Connection {
    id: u64,
    vsn: Vsn,
    hub: Hub,
    db: Db,
    jwt_secret: String,
    anon_key: String,
    /// Joined topics (`realtime:<name>`).
    channels: HashMap<String, Channel>,
    /// Messages to write once the current event is handled.
    out: Vec<Message>,
}

pub async fn run(mut ws: WebSocket, vsn: Vsn, state: AppState) {
    let hub = state.realtime.clone();
    let (id, mut controls) = hub.register();
    tracing::info!(socket = id, ?vsn, "realtime socket opened");
    let mut connection = Connection {
        id,
        vsn,
        hub: hub.clone(),
        db: state.db.clone(),
        jwt_secret: state.settings.jwt_secret.clone(),
        anon_key: state.settings.anon_key.clone(),
        channels: HashMap::new(),
        out: Vec::new(),
    };
    let idle = state.settings.realtime_idle_timeout;
    let mut idle_deadline = Instant::now() + idle;
    let end = loop {
        let expiry = connection.next_token_expiry();
        let end = tokio::select! {
            frame = ws.recv() => match frame {
                Some(Ok(frame)) => {
                    idle_deadline = Instant::now() + idle;
                    connection.on_frame(frame)
                }
                Some(Err(_)) | None => Some(End::Drop),
            },
            Some(control) = controls.recv() => connection.on_control(control).await,
            () = sleep_until(idle_deadline) => Some(End::Close(1000, "idle timeout")),
            () = sleep_until(expiry.unwrap_or(idle_deadline)), if expiry.is_some() => {
                connection.expire_tokens();
                None
            }
        };
        if connection.flush(&mut ws).await.is_err() {
            break End::Drop;
        }
        if let Some(end) = end {
            break end;
        }
    };
    let how = match end {
        End::Close(code, reason) => {
            let _ = ws.send(Frame::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
            format!("closed with {code}")
        }
        End::ClosedByClient => {
            let _ = ws.send(Frame::Close(None)).await;
            "closed by the client".to_owned()
        }
        End::Drop => "dropped".to_owned(),
    };
    hub.unregister(id);
    tracing::info!(socket = id, "realtime socket {how}");
}

impl Connection {
    fn on_frame(&mut self, frame: Frame) -> Option<End> {
        match frame {
            Frame::Text(text) if !self.hub.is_stalled() => match protocol::decode(self.vsn, text.as_str()) {
                Ok(message) => self.on_message(message),
                Err(err) => tracing::info!(socket = self.id, %err, "realtime frame ignored"),
            },
            Frame::Binary(bytes) if !self.hub.is_stalled() && self.vsn == Vsn::V2 => {
                match protocol::decode_binary(&bytes) {
                    Ok(message) => self.on_message(message),
                    Err(err) => tracing::info!(socket = self.id, %err, "realtime binary frame ignored"),
                }
            }
            Frame::Close(_) => return Some(End::ClosedByClient),
            // Pings are answered by axum; a stalled server reads and forgets.
            _ => {}
        }
        None
    }

    fn on_message(&mut self, message: Message) {
        match (message.topic.as_str(), message.event.as_str()) {
            ("phoenix", "heartbeat") => {
                if !self.hub.ignores_heartbeats() {
                    self.out.push(Message::reply(&message, "ok", json!({})));
                }
            }
            ("phoenix", _) => {}
            (_, "phx_join") => self.join(&message),
            (topic, event) => {
                if !self.channels.contains_key(topic) {
                    self.out.push(Message::reply(&message, "error", json!({"reason": "unmatched topic"})));
                    return;
                }
                match event {
                    "phx_leave" => {
                        self.out.push(Message::reply(&message, "ok", json!({})));
                        self.close_channel(topic.to_owned(), "phx_close");
                    }
                    "access_token" => self.refresh_token(&message),
                    "broadcast" => self.broadcast(&message),
                    "presence" => self.presence(&message),
                    _ => {}
                }
            }
        }
    }

    fn join(&mut self, message: &Message) {
        let topic = message.topic.as_str();
        let refuse = |connection: &mut Connection, reason: String| {
            tracing::info!(socket = connection.id, topic, %reason, "realtime join refused");
            connection.out.push(Message::reply(message, "error", json!({"reason": reason})));
        };
        let Some(name) = topic.strip_prefix("realtime:") else {
            return refuse(self, "unmatched topic".to_owned());
        };
        if name.is_empty() {
            return refuse(self, "TopicNameRequired: You must provide a topic name".to_owned());
        }
        if let Some(reason) = self.hub.take_refusal() {
            return refuse(self, reason);
        }
        let config = match channel::parse_join(&message.payload) {
            Ok(config) => config,
            Err(reason) => return refuse(self, reason),
        };
        // Like Supabase, a missing token or the project's key itself means "connect as anon".
        let token = config.access_token.filter(|token| !token.starts_with("sb_") && *token != self.anon_key);
        let claims = match &token {
            None => None,
            Some(token) => match session::check(token, &self.jwt_secret) {
                Ok(claims) => Some(claims),
                Err(rejection) => return refuse(self, format!("InvalidJWTToken: {rejection}")),
            },
        };
        if self.channels.contains_key(topic) {
            // A second join of a joined topic replaces the first, which is closed.
            self.close_channel(topic.to_owned(), "phx_close");
        }
        let join_ref = message.join_ref.clone().or_else(|| message.reference.clone()).unwrap_or_default();
        let presence_key = config.presence_key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let echoes: Vec<Value> = config.bindings.iter().map(|binding| binding.echo.clone()).collect();
        self.out.push(Message::reply(message, "ok", json!({"postgres_changes": echoes})));
        if !config.bindings.is_empty() {
            let system = json!({"status": "ok", "extension": "postgres_changes", "channel": name, "message": "Subscribed to PostgreSQL"});
            self.out.push(Message::push(&join_ref, topic, "system", system));
        }
        if config.presence_enabled {
            self.out.push(Message::push(&join_ref, topic, "presence_state", self.hub.presence_state(topic)));
        }
        tracing::info!(socket = self.id, topic, user = claims.as_ref().map(|c| c.sub.as_str()), "realtime join");
        self.channels.insert(
            topic.to_owned(),
            Channel {
                name: name.to_owned(),
                join_ref,
                claims,
                token,
                bindings: config.bindings,
                changes_failed: false,
                broadcast_self: config.broadcast_self,
                broadcast_ack: config.broadcast_ack,
                presence_key,
            },
        );
        self.hub.record_join();
    }

    /// Re-verifies a pushed token; a bad one shuts the channel down, as Supabase's `handle_in("access_token")`.
    fn refresh_token(&mut self, message: &Message) {
        let Some(token) = message.payload.get("access_token").and_then(Value::as_str) else { return };
        let Some(channel) = self.channels.get_mut(&message.topic) else { return };
        if token.starts_with("sb_") || token == self.anon_key || channel.token.as_deref() == Some(token) {
            return;
        }
        match session::check(token, &self.jwt_secret) {
            Ok(claims) => {
                channel.claims = Some(claims);
                channel.token = Some(token.to_owned());
            }
            Err(rejection) => self.shut_down(message.topic.clone(), &rejection.to_string()),
        }
    }

    fn broadcast(&mut self, message: &Message) {
        let Some(channel) = self.channels.get(&message.topic) else { return };
        if channel.broadcast_ack {
            self.out.push(Message::reply(message, "ok", json!({})));
        }
        self.hub.publish(&message.topic, "broadcast", message.payload.clone(), Some(self.id));
    }

    fn presence(&mut self, message: &Message) {
        let Some(channel) = self.channels.get(&message.topic) else { return };
        match message.payload.get("event").and_then(Value::as_str) {
            Some("track") => {
                let meta = message.payload.get("payload").cloned().unwrap_or_else(|| json!({}));
                self.hub.track(&message.topic, self.id, &channel.join_ref, &channel.presence_key, &meta);
            }
            Some("untrack") => self.hub.untrack(&message.topic, self.id, &channel.join_ref),
            _ => {
                self.out.push(Message::reply(
                    message,
                    "error",
                    json!({"reason": "presence event must be track or untrack"}),
                ));
                return;
            }
        }
        self.out.push(Message::reply(message, "ok", json!({})));
    }

    async fn on_control(&mut self, control: Control) -> Option<End> {
        match control {
            Control::Close(code) => return Some(End::Close(code, "")),
            Control::Drop => return Some(End::Drop),
            Control::SystemError => {
                for (topic, channel) in &mut self.channels {
                    channel.changes_failed = true;
                    let system = json!({
                        "status": "error", "extension": "postgres_changes", "channel": channel.name,
                        "message": "Subscribing to PostgreSQL failed: injected by the devserver",
                    });
                    self.out.push(Message::push(&channel.join_ref, topic, "system", system));
                }
            }
            Control::Lifecycle(event) => {
                let topics: Vec<String> = self.channels.keys().cloned().collect();
                for topic in topics {
                    self.close_channel(topic, event);
                }
            }
            Control::Fanout { topic, event, payload, from } => {
                if let Some(channel) = self.channels.get(&topic) {
                    if from != Some(self.id) || channel.broadcast_self {
                        self.out.push(Message::fanout(&topic, event, payload));
                    }
                }
            }
            Control::RowChanged(change) => self.row_changed(&change).await,
        }
        None
    }

    /// Sends a change to each channel with a binding for it whose user may read the row now (re-read as that
    /// user); a delete names only the primary key and goes to every binding, as Supabase's does.
    async fn row_changed(&mut self, change: &RowChange) {
        let mut deliveries = Vec::new();
        for (topic, channel) in &self.channels {
            let ids: Vec<u32> =
                channel.bindings.iter().filter(|b| b.wants(&change.op, &change.id)).map(|b| b.id).collect();
            let watched = change.schema == "public" && change.table == "video_dates";
            if channel.changes_failed || ids.is_empty() || !watched {
                continue;
            }
            let caller = channel.claims.as_ref().map_or_else(Caller::anon, Caller::from_session);
            deliveries.push((topic.clone(), ids, caller));
        }
        for (topic, ids, caller) in deliveries {
            let mut data = json!({
                "type": change.op, "schema": change.schema, "table": change.table, "columns": change.columns,
                "commit_timestamp": change.commit_timestamp, "errors": null,
            });
            if change.op != "INSERT" {
                // With row-level security on, the old record is only the primary key.
                data["old_record"] = json!({"id": change.id});
            }
            if change.op != "DELETE" {
                let Some(record) = feed::read_as(&self.db, &caller, change).await else { continue };
                data["record"] = record;
            }
            self.out.push(Message::fanout(&topic, "postgres_changes", json!({"ids": ids, "data": data})));
        }
    }

    /// Supabase's `shutdown_response`: a system error, then `phx_close`.
    fn shut_down(&mut self, topic: String, reason: &str) {
        let Some(channel) = self.channels.get(&topic) else { return };
        tracing::info!(socket = self.id, topic, reason, "realtime channel shut down");
        let system = json!({"status": "error", "extension": "system", "channel": channel.name, "message": reason});
        self.out.push(Message::push(&channel.join_ref, &topic, "system", system));
        self.close_channel(topic, "phx_close");
    }

    /// Sends `phx_close` or `phx_error` for a join and forgets it.
    fn close_channel(&mut self, topic: String, event: &'static str) {
        if let Some(channel) = self.channels.remove(&topic) {
            self.out.push(Message::lifecycle(&channel.join_ref, &topic, event));
            self.hub.untrack(&topic, self.id, &channel.join_ref);
        }
    }

    /// When the first joined token expires: `exp` is in whole seconds and still valid during that second.
    fn next_token_expiry(&self) -> Option<Instant> {
        let exp = self.channels.values().filter_map(|c| c.claims.as_ref().map(|claims| claims.exp)).min()?;
        let at = UNIX_EPOCH + Duration::from_secs(exp + 1);
        // Already past but not yet expired can only be clock skew between the two clocks: look again shortly.
        Some(Instant::now() + at.duration_since(SystemTime::now()).unwrap_or(Duration::from_millis(20)))
    }

    fn expire_tokens(&mut self) {
        let now = session::now();
        let expired: Vec<(String, u64)> = self
            .channels
            .iter()
            .filter_map(|(topic, c)| {
                c.claims.as_ref().filter(|claims| claims.exp < now).map(|claims| (topic.clone(), claims.exp))
            })
            .collect();
        for (topic, exp) in expired {
            self.shut_down(topic, &format!("Token has expired {} seconds ago", now - exp));
        }
    }

    async fn flush(&mut self, ws: &mut WebSocket) -> Result<(), axum::Error> {
        let out = std::mem::take(&mut self.out);
        if self.hub.is_stalled() {
            return Ok(());
        }
        for message in out {
            ws.send(Frame::Text(protocol::encode(self.vsn, &message).into())).await?;
        }
        Ok(())
    }
}
