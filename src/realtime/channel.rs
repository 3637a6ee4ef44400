//! One channel instance on the socket: joins with a timeout, reports exactly one outcome after the join
//! (`Subscribed`, then at most one of the ending statuses), passes on what arrives, and leaves when dropped.
//! It never rejoins: a new instance does (see `resilient.rs`), so one instance never subscribes twice.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_timers::callback::Timeout;

use super::protocol::{JoinPayload, Message, PostgresChange, Status, SystemMessage};
use super::socket::{Socket, SocketEvent};
use crate::time;
use crate::token::Secret;

/// The statuses realtime-js reports from `subscribe`, with the same meanings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChannelStatus {
    Subscribed,
    /// No join reply within the timeout.
    TimedOut,
    /// `phx_close`: the server ended the channel (token expired, rate limit, left).
    Closed,
    /// The join was refused, the channel crashed on the server, or the socket ended.
    ChannelError(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ChannelEvent {
    Status(ChannelStatus),
    PostgresChange(PostgresChange),
    System(SystemMessage),
    Broadcast { event: String, payload: serde_json::Value },
    PresenceState(serde_json::Value),
    PresenceDiff { joins: serde_json::Value, leaves: serde_json::Value },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Joining,
    Joined,
    /// Timed out or errored: the server may still hold the join, so dropping sends `phx_leave`.
    Failed,
    /// The server closed it; there is nothing to leave.
    Closed,
}

struct Inner {
    socket: Socket,
    member: u64,
    state: Cell<State>,
    join_ref: RefCell<String>,
    join_timer: RefCell<Option<Timeout>>,
    /// A token refreshed while the join was under way, pushed once it completes.
    pending_token: RefCell<Option<Secret>>,
    handler: Box<dyn Fn(ChannelEvent)>,
}

/// A joined (or joining) channel; dropping it leaves the channel and stops its timer.
#[must_use = "the channel leaves when this is dropped"]
pub(crate) struct Channel(Rc<Inner>);

impl Channel {
    /// Joins `topic` on `socket` (connecting it if needed); `handler` hears every event of this instance.
    pub(crate) fn join(
        socket: &Socket,
        topic: &str,
        payload: JoinPayload,
        timeout: Duration,
        handler: impl Fn(ChannelEvent) + 'static,
    ) -> Channel {
        let inner = Rc::new_cyclic(|weak: &Weak<Inner>| {
            let weak = weak.clone();
            let member = socket.register(topic, move |event| {
                if let Some(inner) = weak.upgrade() {
                    inner.on_socket_event(event);
                }
            });
            Inner {
                socket: socket.clone(),
                member,
                state: Cell::new(State::Joining),
                join_ref: RefCell::new(String::new()),
                join_timer: RefCell::new(None),
                pending_token: RefCell::new(None),
                handler: Box::new(handler),
            }
        });
        *inner.join_ref.borrow_mut() = inner.socket.join(inner.member, payload);
        let weak = Rc::downgrade(&inner);
        let timeout_ms = time::millis(timeout);
        *inner.join_timer.borrow_mut() = Some(Timeout::new(timeout_ms, move || {
            if let Some(inner) = weak.upgrade() {
                inner.finish(State::Failed, ChannelStatus::TimedOut);
            }
        }));
        Channel(inner)
    }

    /// Sends a refreshed session token to the joined channel, so the server re-checks access with it and does
    /// not close the channel when the old one expires. During the join it is sent as soon as the join completes.
    pub(crate) fn set_access_token(&self, token: Secret) {
        match self.0.state.get() {
            State::Joined => self.0.socket.push(self.0.member, Message::AccessToken(token)),
            State::Joining => *self.0.pending_token.borrow_mut() = Some(token),
            State::Failed | State::Closed => {}
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.0.join_timer.borrow_mut().take();
        if self.0.state.get() != State::Closed {
            self.0.socket.push(self.0.member, Message::Leave);
        }
        self.0.socket.unregister(self.0.member);
    }
}

impl Inner {
    fn on_socket_event(&self, event: SocketEvent) {
        let state = self.state.get();
        if matches!(state, State::Failed | State::Closed) {
            return;
        }
        let envelope = match event {
            SocketEvent::Closed(reason) => {
                return self.finish(State::Failed, ChannelStatus::ChannelError(reason.to_owned()))
            }
            SocketEvent::Message(envelope) => envelope,
        };
        let event = match &envelope.message {
            Message::Reply { status, response }
                if envelope.msg_ref.as_deref() == Some(self.join_ref.borrow().as_str()) =>
            {
                if state != State::Joining {
                    return;
                }
                match status {
                    Status::Ok => {
                        self.join_timer.borrow_mut().take();
                        self.state.set(State::Joined);
                        if let Some(token) = self.pending_token.borrow_mut().take() {
                            self.socket.push(self.member, Message::AccessToken(token));
                        }
                        ChannelEvent::Status(ChannelStatus::Subscribed)
                    }
                    Status::Error => {
                        let reason = response
                            .get("reason")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or("join refused without a reason");
                        return self.finish(State::Failed, ChannelStatus::ChannelError(reason.to_owned()));
                    }
                }
            }
            Message::Close => return self.finish(State::Closed, ChannelStatus::Closed),
            Message::Error => {
                return self
                    .finish(State::Failed, ChannelStatus::ChannelError("the channel crashed on the server".into()))
            }
            Message::PostgresChanges { change, .. } => ChannelEvent::PostgresChange(change.clone()),
            Message::System(system) => ChannelEvent::System(system.clone()),
            Message::Broadcast { event, payload } => {
                ChannelEvent::Broadcast { event: event.clone(), payload: payload.clone() }
            }
            Message::PresenceState(state) => ChannelEvent::PresenceState(state.clone()),
            Message::PresenceDiff { joins, leaves } => {
                ChannelEvent::PresenceDiff { joins: joins.clone(), leaves: leaves.clone() }
            }
            // Replies to our leave or to other pushes, and client-only events, need nothing.
            _ => return,
        };
        (self.handler)(event);
    }

    /// The one ending this instance reports.
    fn finish(&self, state: State, status: ChannelStatus) {
        self.join_timer.borrow_mut().take();
        self.state.set(state);
        (self.handler)(ChannelEvent::Status(status));
    }
}
