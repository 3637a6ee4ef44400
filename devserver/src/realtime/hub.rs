//! What realtime sockets share: the open sockets and fan-out to them (broadcasts, presence diffs, row changes),
//! presence per topic, the counters and the realtime faults. Each socket's task owns its own channels; the hub
//! only sends it [`Control`]s.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::feed::RowChange;
use crate::faults::RealtimeFault;

/// What the hub asks of a socket's task.
#[derive(Debug)]
pub enum Control {
    /// Send a close frame with this code and end.
    Close(u16),
    /// End without a close frame.
    Drop,
    /// Send every joined channel a postgres_changes system error.
    SystemError,
    /// Send `phx_close` or `phx_error` to every joined topic and forget the joins.
    Lifecycle(&'static str),
    /// A message for whoever joined `topic`; `from` is the sending socket (for broadcast `self`).
    Fanout { topic: String, event: &'static str, payload: Value, from: Option<u64> },
    /// A row changed; each channel checks its filters and its user's right to read it.
    RowChanged(Arc<RowChange>),
}

#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    next_socket: u64,
    sockets: HashMap<u64, mpsc::UnboundedSender<Control>>,
    joins: u64,
    faults: ActiveFaults,
    presences: HashMap<String, Vec<Presence>>,
    next_presence_ref: u64,
}

/// The faults that hold until `DELETE /__faults`.
#[derive(Default)]
struct ActiveFaults {
    ignore_heartbeats: bool,
    stall: bool,
    down: bool,
    refusals: VecDeque<String>,
}

/// One tracked presence: a channel's key and its current meta (the tracked payload plus `phx_ref`).
struct Presence {
    socket: u64,
    join_ref: String,
    key: String,
    meta: Value,
}

impl Inner {
    fn send_all(&self, make: impl Fn() -> Control) {
        for sender in self.sockets.values() {
            // A socket whose task has ended is unregistering; it needs nothing more.
            let _ = sender.send(make());
        }
    }

    fn diff(&self, topic: &str, joins: Vec<&Presence>, leaves: Vec<&Presence>) {
        if joins.is_empty() && leaves.is_empty() {
            return;
        }
        let payload = json!({"joins": by_key(&joins), "leaves": by_key(&leaves)});
        self.send_all(|| Control::Fanout {
            topic: topic.to_owned(),
            event: "presence_diff",
            payload: payload.clone(),
            from: None,
        });
    }

    /// Removes the presences that match, on one topic or on all, and tells those topics who left.
    fn untrack(&mut self, only: Option<&str>, matches: impl Fn(&Presence) -> bool) {
        let mut left: HashMap<String, Vec<Presence>> = HashMap::new();
        for (topic, presences) in &mut self.presences {
            if only.is_some_and(|only| only != topic) {
                continue;
            }
            let (gone, kept) = std::mem::take(presences).into_iter().partition(&matches);
            *presences = kept;
            left.insert(topic.clone(), gone);
        }
        self.presences.retain(|_, presences| !presences.is_empty());
        for (topic, gone) in &left {
            self.diff(topic, Vec::new(), gone.iter().collect());
        }
    }
}

/// Phoenix's presence shape: `{key: {metas: [meta, …]}}`.
fn by_key(presences: &[&Presence]) -> Value {
    let mut map = Map::new();
    for presence in presences {
        let entry = map.entry(presence.key.clone()).or_insert_with(|| json!({"metas": []}));
        if let Some(metas) = entry["metas"].as_array_mut() {
            metas.push(presence.meta.clone());
        }
    }
    Value::Object(map)
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn register(&self) -> (u64, mpsc::UnboundedReceiver<Control>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut inner = self.lock();
        inner.next_socket += 1;
        let id = inner.next_socket;
        inner.sockets.insert(id, sender);
        (id, receiver)
    }

    /// A socket ended: it leaves every presence it tracked.
    pub fn unregister(&self, socket: u64) {
        let mut inner = self.lock();
        inner.sockets.remove(&socket);
        inner.untrack(None, |presence| presence.socket == socket);
    }

    pub fn record_join(&self) {
        self.lock().joins += 1;
    }

    /// (open sockets, successful joins so far)
    pub fn counters(&self) -> (usize, u64) {
        let inner = self.lock();
        (inner.sockets.len(), inner.joins)
    }

    pub fn is_down(&self) -> bool {
        self.lock().faults.down
    }

    pub fn ignores_heartbeats(&self) -> bool {
        self.lock().faults.ignore_heartbeats
    }

    pub fn is_stalled(&self) -> bool {
        self.lock().faults.stall
    }

    /// The reason the next join must be refused with, if a `refuse_joins` fault is pending.
    pub fn take_refusal(&self) -> Option<String> {
        self.lock().faults.refusals.pop_front()
    }

    pub fn apply(&self, fault: RealtimeFault, count: usize) {
        let mut inner = self.lock();
        match fault {
            RealtimeFault::CloseSockets { code } => inner.send_all(|| Control::Close(code)),
            RealtimeFault::DropSockets => inner.send_all(|| Control::Drop),
            RealtimeFault::IgnoreHeartbeats => inner.faults.ignore_heartbeats = true,
            RealtimeFault::RefuseJoins { reason } => inner.faults.refusals.extend(std::iter::repeat_n(reason, count)),
            RealtimeFault::SystemError => inner.send_all(|| Control::SystemError),
            RealtimeFault::PhxClose => inner.send_all(|| Control::Lifecycle("phx_close")),
            RealtimeFault::PhxError => inner.send_all(|| Control::Lifecycle("phx_error")),
            RealtimeFault::Stall => inner.faults.stall = true,
            RealtimeFault::Down => {
                inner.faults.down = true;
                // 1012 is what Supabase sends when it drains sockets for a restart.
                inner.send_all(|| Control::Close(1012));
            }
        }
    }

    pub fn clear_faults(&self) {
        self.lock().faults = ActiveFaults::default();
    }

    pub fn publish(&self, topic: &str, event: &'static str, payload: Value, from: Option<u64>) {
        self.lock().send_all(|| Control::Fanout { topic: topic.to_owned(), event, payload: payload.clone(), from });
    }

    pub fn row_changed(&self, change: RowChange) {
        let change = Arc::new(change);
        self.lock().send_all(|| Control::RowChanged(change.clone()));
    }

    /// The `presence_state` a new join on `topic` gets.
    pub fn presence_state(&self, topic: &str) -> Value {
        let inner = self.lock();
        let presences = inner.presences.get(topic).map(|list| list.iter().collect::<Vec<_>>()).unwrap_or_default();
        by_key(&presences)
    }

    /// Tracks (or re-tracks, replacing the old meta) one channel's presence and tells everyone on the topic.
    pub fn track(&self, topic: &str, socket: u64, join_ref: &str, key: &str, payload: &Value) {
        let mut inner = self.lock();
        inner.next_presence_ref += 1;
        let mut meta = payload.as_object().cloned().unwrap_or_default();
        meta.insert("phx_ref".to_owned(), json!(format!("F{:016x}", inner.next_presence_ref)));
        let presences = inner.presences.entry(topic.to_owned()).or_default();
        let old = presences
            .iter()
            .position(|p| p.socket == socket && p.join_ref == join_ref)
            .map(|index| presences.remove(index));
        presences.push(Presence {
            socket,
            join_ref: join_ref.to_owned(),
            key: key.to_owned(),
            meta: Value::Object(meta),
        });
        let inner = &*inner;
        let new = inner.presences[topic].last().into_iter().collect();
        inner.diff(topic, new, old.iter().collect());
    }

    pub fn untrack(&self, topic: &str, socket: u64, join_ref: &str) {
        self.lock().untrack(Some(topic), |p| p.socket == socket && p.join_ref == join_ref);
    }
}
