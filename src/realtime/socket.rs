//! One browser WebSocket to Supabase Realtime, shared by the channels of a client: refs and join refs, a
//! heartbeat with timeout detection, and delivery of each frame to the channel it belongs to.
//!
//! The socket does not reconnect on its own schedule: a join connects it when it is down, so reconnecting
//! follows the resilient channel's backoff (one schedule, one attempt count, one place that gives up).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use web_sys::WebSocket;

use super::protocol::{self, Envelope, JoinPayload, Message, Status, VSN};
use crate::dom::EventListener;
use crate::time;
use crate::url::with_query;

/// What a channel hears from the socket.
pub(crate) enum SocketEvent<'a> {
    Message(&'a Envelope),
    /// The connection is gone (closed by either side, failed to open, or heartbeat timeout); every join on it ended.
    Closed(&'a str),
}

type Handler = Rc<dyn Fn(SocketEvent)>;

/// The socket URL for a Supabase project URL: `http(s)://host` becomes `ws(s)://host/realtime/v1/websocket?...`.
pub(crate) fn endpoint_url(supabase_url: &str, anon_key: &str) -> String {
    let base = supabase_url.trim_end_matches('/');
    let base = match base.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}"),
        Some(("http", rest)) => format!("ws://{rest}"),
        _ => base.to_owned(),
    };
    with_query(&format!("{base}/realtime/v1/websocket"), &[("apikey", anon_key), ("vsn", VSN)])
}

/// The socket URL as it may be logged: without its query, which carries the project's API key (a JWT).
fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}

struct Member {
    id: u64,
    topic: String,
    /// The current join on the current connection; `None` before the join and after the connection ends.
    join_ref: Option<String>,
    handler: Handler,
}

/// The live connection. Dropping it removes its listeners, stops its heartbeat and closes the WebSocket.
struct Connection {
    ws: WebSocket,
    open: bool,
    /// Frames pushed while the socket was still opening, sent on open.
    buffer: Vec<String>,
    /// The ref of the heartbeat that has not been answered yet.
    pending_heartbeat: Option<String>,
    heartbeat: Option<Interval>,
    _listeners: [EventListener; 3],
}

impl Drop for Connection {
    fn drop(&mut self) {
        if matches!(self.ws.ready_state(), WebSocket::CONNECTING | WebSocket::OPEN) {
            let _ = self.ws.close_with_code(1000);
        }
    }
}

struct Inner {
    url: String,
    heartbeat_interval: Duration,
    next_ref: Cell<u64>,
    members: RefCell<Vec<Member>>,
    connection: RefCell<Option<Connection>>,
}

/// A handle to the one socket; clones share it. The connection closes when the last handle is dropped
/// or on [`Socket::close`].
#[must_use = "the socket closes when its last handle is dropped"]
#[derive(Clone)]
pub(crate) struct Socket(Rc<Inner>);

impl Socket {
    pub(crate) fn new(url: String, heartbeat_interval: Duration) -> Socket {
        Socket(Rc::new(Inner {
            url,
            heartbeat_interval,
            next_ref: Cell::new(0),
            members: RefCell::new(Vec::new()),
            connection: RefCell::new(None),
        }))
    }

    /// Frames for `topic` go to `handler` until [`Socket::unregister`]. Returns the member's id.
    pub(crate) fn register(&self, topic: &str, handler: impl Fn(SocketEvent) + 'static) -> u64 {
        let id = self.0.make_ref();
        let member = Member { id, topic: topic.to_owned(), join_ref: None, handler: Rc::new(handler) };
        self.0.members.borrow_mut().push(member);
        id
    }

    pub(crate) fn unregister(&self, id: u64) {
        self.0.members.borrow_mut().retain(|member| member.id != id);
    }

    /// Sends `phx_join` for the member (connecting first if needed) and returns its join ref. Frames that name
    /// another join ref are dropped from then on.
    pub(crate) fn join(&self, id: u64, payload: JoinPayload) -> String {
        self.0.connect();
        let join_ref = self.0.make_ref().to_string();
        let topic = {
            let mut members = self.0.members.borrow_mut();
            let Some(member) = members.iter_mut().find(|member| member.id == id) else { return join_ref };
            member.join_ref = Some(join_ref.clone());
            member.topic.clone()
        };
        self.0.send(&Envelope {
            join_ref: Some(join_ref.clone()),
            msg_ref: Some(join_ref.clone()),
            topic,
            message: Message::Join(payload),
        });
        join_ref
    }

    /// Sends `message` on the member's current join. Without one (not joined, or its connection ended) there is
    /// nothing to send it on, and it is dropped: it must never reach a later join on a new connection.
    pub(crate) fn push(&self, id: u64, message: Message) {
        let envelope = {
            let members = self.0.members.borrow();
            let Some(member) = members.iter().find(|member| member.id == id) else { return };
            let Some(join_ref) = member.join_ref.clone() else { return };
            Envelope {
                join_ref: Some(join_ref),
                msg_ref: Some(self.0.make_ref().to_string()),
                topic: member.topic.clone(),
                message,
            }
        };
        self.0.send(&envelope);
    }

    /// Closes the connection now (code 1000); a later join opens a new one.
    pub(crate) fn close(&self) {
        if self.0.connection.borrow_mut().take().is_some() {
            tracing::debug!("realtime socket closed by the client");
            self.0.end_joins("socket closed by the client".to_owned());
        }
    }
}

impl Inner {
    fn make_ref(&self) -> u64 {
        let next = self.next_ref.get() + 1;
        self.next_ref.set(next);
        next
    }

    fn connect(self: &Rc<Self>) {
        if self.connection.borrow().is_some() {
            return;
        }
        let ws = match WebSocket::new(&self.url) {
            Ok(ws) => ws,
            Err(_) => {
                // Only a malformed URL or a blocked port gets here; the join times out and the backoff retries.
                tracing::error!(url = without_query(&self.url), "the realtime socket could not be created");
                return;
            }
        };
        let weak = Rc::downgrade(self);
        let listeners = [
            EventListener::new(&ws, "open", with(&weak, |inner, _| inner.on_open())),
            EventListener::new(
                &ws,
                "message",
                with(&weak, |inner, event| {
                    if let Some(text) = event.unchecked_into::<web_sys::MessageEvent>().data().as_string() {
                        inner.on_text(&text);
                    }
                }),
            ),
            EventListener::new(
                &ws,
                "close",
                with(&weak, |inner, event| {
                    let code = event.unchecked_into::<web_sys::CloseEvent>().code();
                    inner.on_close(format!("socket closed: {code}"));
                }),
            ),
        ];
        tracing::debug!(url = without_query(&self.url), "realtime socket connecting");
        *self.connection.borrow_mut() = Some(Connection {
            ws,
            open: false,
            buffer: Vec::new(),
            pending_heartbeat: None,
            heartbeat: None,
            _listeners: listeners,
        });
    }

    fn send(&self, envelope: &Envelope) {
        let text = protocol::encode(envelope);
        let mut connection = self.connection.borrow_mut();
        match connection.as_mut() {
            Some(connection) if connection.open => {
                let _ = connection.ws.send_with_str(&text);
            }
            Some(connection) => connection.buffer.push(text),
            None => {}
        }
    }

    fn on_open(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let interval_ms = time::millis(self.heartbeat_interval);
        let mut connection = self.connection.borrow_mut();
        let Some(connection) = connection.as_mut() else { return };
        connection.open = true;
        for text in connection.buffer.drain(..) {
            let _ = connection.ws.send_with_str(&text);
        }
        connection.heartbeat = Some(Interval::new(interval_ms, move || {
            if let Some(inner) = weak.upgrade() {
                inner.heartbeat();
            }
        }));
        tracing::debug!("realtime socket open");
    }

    /// A heartbeat still unanswered at the next tick means the connection is dead even if the browser has not
    /// noticed (a sleeping laptop, a silent proxy): close it, and the channels resubscribe on a new one.
    fn heartbeat(&self) {
        let heartbeat_ref = self.make_ref().to_string();
        let timed_out = {
            let mut connection = self.connection.borrow_mut();
            let Some(connection) = connection.as_mut() else { return };
            if connection.pending_heartbeat.is_some() {
                true
            } else {
                connection.pending_heartbeat = Some(heartbeat_ref.clone());
                false
            }
        };
        if timed_out {
            tracing::warn!("realtime heartbeat timed out, closing the socket");
            self.connection.borrow_mut().take();
            self.end_joins("heartbeat timeout".to_owned());
        } else {
            self.send(&Envelope {
                join_ref: None,
                msg_ref: Some(heartbeat_ref),
                topic: "phoenix".to_owned(),
                message: Message::Heartbeat,
            });
        }
    }

    fn on_text(&self, text: &str) {
        let envelope = match protocol::decode(text) {
            Ok(envelope) => envelope,
            Err(err) => {
                tracing::debug!("realtime frame dropped: {err}");
                return;
            }
        };
        if envelope.topic == "phoenix" {
            if let Message::Reply { status: Status::Ok, .. } = envelope.message {
                let mut connection = self.connection.borrow_mut();
                if let Some(connection) = connection.as_mut() {
                    if connection.pending_heartbeat.is_some() && connection.pending_heartbeat == envelope.msg_ref {
                        connection.pending_heartbeat = None;
                    }
                }
            }
            return;
        }
        let handlers: Vec<Handler> = self
            .members
            .borrow()
            .iter()
            .filter(|member| member.topic == envelope.topic)
            .filter(|member| match envelope.join_ref() {
                Some(join_ref) => member.join_ref.as_deref() == Some(join_ref),
                None => true,
            })
            .map(|member| member.handler.clone())
            .collect();
        if handlers.is_empty() {
            tracing::debug!(topic = %envelope.topic, "realtime frame for no current join dropped");
        }
        // No borrow is held while handlers run: they may unregister or join.
        for handler in handlers {
            handler(SocketEvent::Message(&envelope));
        }
    }

    fn on_close(&self, reason: String) {
        if self.connection.borrow_mut().take().is_some() {
            tracing::info!(%reason, "realtime socket closed");
            self.end_joins(reason);
        }
    }

    /// Every join was on the connection that just ended.
    fn end_joins(&self, reason: String) {
        let handlers: Vec<Handler> = self
            .members
            .borrow_mut()
            .iter_mut()
            .filter_map(|member| member.join_ref.take().map(|_| member.handler.clone()))
            .collect();
        for handler in handlers {
            handler(SocketEvent::Closed(&reason));
        }
    }
}

/// A listener body that runs only while the socket is alive (listeners are removed with the connection anyway;
/// this guards the one event that may already be queued).
fn with(
    weak: &Weak<Inner>,
    body: impl Fn(&Rc<Inner>, web_sys::Event) + 'static,
) -> impl FnMut(web_sys::Event) + 'static {
    let weak = weak.clone();
    move |event| {
        if let Some(inner) = weak.upgrade() {
            body(&inner, event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logged_url_leaves_out_the_api_key() {
        let url = endpoint_url("https://x.supabase.co", "eyJ.a-b_c.d");
        assert_eq!(without_query(&url), "wss://x.supabase.co/realtime/v1/websocket");
        assert_eq!(without_query("ws://host/path"), "ws://host/path");
    }

    #[test]
    fn the_socket_url_follows_the_project_url() {
        assert_eq!(
            endpoint_url("http://127.0.0.1:8797", "dev-anon-key"),
            "ws://127.0.0.1:8797/realtime/v1/websocket?apikey=dev-anon-key&vsn=1.0.0"
        );
        assert_eq!(
            endpoint_url("https://x.supabase.co/", "eyJ.a-b_c.d"),
            "wss://x.supabase.co/realtime/v1/websocket?apikey=eyJ.a-b_c.d&vsn=1.0.0"
        );
        assert_eq!(
            endpoint_url("https://x.supabase.co", "a b&c=d/é"),
            "wss://x.supabase.co/realtime/v1/websocket?apikey=a%20b%26c%3Dd%2F%C3%A9&vsn=1.0.0"
        );
    }
}
