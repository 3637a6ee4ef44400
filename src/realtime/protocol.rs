//! The Supabase Realtime (Phoenix) wire format as typed messages, in text protocol version 1.0.0: objects
//! `{topic,event,payload,ref,join_ref}`. (2.0.0's arrays carry the same fields; nothing here needs them.)
//! Pure: no browser APIs, so every frame shape the client sends or reads is checked with plain `cargo test`.
//! A frame that does not fit becomes a [`ProtocolError`], never a panic; its message never quotes the frame.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use thiserror::Error;

use crate::token::Secret;
use crate::wire::{self, WireError};

/// The protocol version this codec speaks, sent as the socket URL's `vsn` parameter.
pub(crate) const VSN: &str = "1.0.0";

/// One frame: a message and where it belongs. The server leaves `join_ref` out in 1.0.0; `msg_ref` is set on
/// pushes that expect a reply and on the replies themselves.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Envelope {
    pub(crate) join_ref: Option<String>,
    pub(crate) msg_ref: Option<String>,
    pub(crate) topic: String,
    pub(crate) message: Message,
}

impl Envelope {
    /// The join this frame belongs to, if it says. `phx_close` and `phx_error` carry it as `ref` (1.0.0 has no
    /// `join_ref` on server frames), so a close of an old join is never taken for a close of the current one.
    pub(crate) fn join_ref(&self) -> Option<&str> {
        match (&self.join_ref, &self.message) {
            (Some(join_ref), _) => Some(join_ref),
            (None, Message::Close | Message::Error) => self.msg_ref.as_deref(),
            (None, _) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Message {
    /// `phx_join` (client to server).
    Join(JoinPayload),
    /// `phx_reply` to the push whose ref it carries.
    Reply {
        status: Status,
        response: Value,
    },
    /// `heartbeat` on topic `phoenix`.
    Heartbeat,
    PostgresChanges {
        ids: Vec<u64>,
        change: PostgresChange,
    },
    Broadcast {
        event: String,
        payload: Value,
    },
    /// `{key: {metas: [...]}}`, passed on as sent.
    PresenceState(Value),
    PresenceDiff {
        joins: Value,
        leaves: Value,
    },
    System(SystemMessage),
    /// `phx_close`: the channel stopped (left, or shut down by the server).
    Close,
    /// `phx_error`: the channel crashed on the server.
    Error,
    /// `phx_leave` (client to server).
    Leave,
    /// `access_token` (client to server): a refreshed session for an already joined channel.
    AccessToken(Secret),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Error,
}

/// The `phx_join` payload: what to listen to, and as whom. Lenient like the server: a missing part of the
/// config takes its default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct JoinPayload {
    #[serde(default)]
    pub(crate) config: JoinConfig,
    /// The user's JWT; without it the server uses the socket's anon key.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "Secret::serialize_exposed_optional")]
    pub(crate) access_token: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct JoinConfig {
    pub(crate) postgres_changes: Vec<PostgresChangesBinding>,
    pub(crate) broadcast: BroadcastConfig,
    pub(crate) presence: PresenceConfig,
    pub(crate) private: bool,
}

/// One `postgres_changes` subscription: `event` is `*`, `INSERT`, `UPDATE` or `DELETE`; `filter` is like `id=eq.42`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PostgresChangesBinding {
    pub(crate) event: String,
    pub(crate) schema: String,
    #[serde(default)]
    pub(crate) table: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct BroadcastConfig {
    /// Sent as `self`: whether our own broadcasts come back to us.
    #[serde(rename = "self")]
    pub(crate) receive_own: bool,
    /// Whether the server acknowledges each broadcast with a reply.
    pub(crate) ack: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct PresenceConfig {
    /// Empty: the server picks one.
    pub(crate) key: String,
    pub(crate) enabled: bool,
}

/// Which kind of write a [`PostgresChange`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeType {
    Insert,
    Update,
    Delete,
}

/// A row change. `record` is the new row (`Null` for a delete), `old_record` the old one (`Null` for an insert;
/// only the primary key unless the table has REPLICA IDENTITY FULL). The page deserializes them itself.
/// The server leaves out the row a change does not have; so do we.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostgresChange {
    #[serde(rename = "type")]
    pub change: ChangeType,
    pub schema: String,
    pub table: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub record: Value,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub old_record: Value,
    #[serde(default, deserialize_with = "empty_if_null")]
    pub commit_timestamp: String,
}

/// A `system` push: the outcome of the postgres_changes set-up after a join, or why the server shuts a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SystemMessage {
    /// `postgres_changes` or `system`.
    pub(crate) extension: String,
    pub(crate) status: Status,
    #[serde(default, deserialize_with = "empty_if_null")]
    pub(crate) message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum ProtocolError {
    #[error("The realtime server sent a frame that is not JSON ({0}). Check that the URL points at a Supabase Realtime server.")]
    NotJson(WireError),
    #[error("The realtime server sent a frame that is not a protocol 1.0.0 message (an object with topic, event, payload and ref). Check that the socket asks for the protocol version the server speaks.")]
    NotAnEnvelope,
    #[error("The realtime server's \"{event}\" message has a missing or invalid \"{field}\". The server may be newer than this app; if it keeps happening, tell whoever runs this site.")]
    BadField { event: String, field: String },
    #[error("The realtime server sent an event this app does not know (\"{0}\"); it is ignored.")]
    UnknownEvent(String),
}

/// The envelope's fields by name.
#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    join_ref: Option<String>,
    #[serde(rename = "ref", default)]
    msg_ref: Option<String>,
    topic: String,
    event: String,
    #[serde(default)]
    payload: Value,
}

/// The frame's text.
pub(crate) fn encode(envelope: &Envelope) -> String {
    let (event, payload) = envelope.message.to_wire();
    let (join_ref, msg_ref, topic) = (&envelope.join_ref, &envelope.msg_ref, &envelope.topic);
    json!({"topic": topic, "event": event, "payload": payload, "ref": msg_ref, "join_ref": join_ref}).to_string()
}

/// A frame received as text.
pub(crate) fn decode(text: &str) -> Result<Envelope, ProtocolError> {
    let frame: Value = wire::parse(text).map_err(ProtocolError::NotJson)?;
    if !frame.is_object() {
        return Err(ProtocolError::NotAnEnvelope);
    }
    let frame: Frame = wire::from_value(frame).map_err(|err| bad_field("envelope", &err))?;
    Ok(Envelope {
        join_ref: frame.join_ref,
        msg_ref: frame.msg_ref,
        message: Message::from_wire(&frame.event, frame.payload)?,
        topic: frame.topic,
    })
}

fn bad_field(event: &str, err: &WireError) -> ProtocolError {
    let field = match err.field() {
        "" => "payload",
        field => field,
    };
    ProtocolError::BadField { event: event.to_owned(), field: field.to_owned() }
}

#[derive(Serialize, Deserialize)]
struct ReplyPayload {
    status: Status,
    #[serde(default)]
    response: Value,
}

#[derive(Serialize, Deserialize)]
struct ChangesPayload {
    #[serde(default, deserialize_with = "empty_if_null")]
    ids: Vec<u64>,
    data: PostgresChange,
}

#[derive(Serialize, Deserialize)]
struct BroadcastPayload {
    #[serde(rename = "type", default)]
    kind: String,
    event: String,
    #[serde(default)]
    payload: Value,
}

#[derive(Serialize, Deserialize)]
struct PresenceDiffPayload {
    #[serde(default)]
    joins: Value,
    #[serde(default)]
    leaves: Value,
}

#[derive(Serialize, Deserialize)]
struct AccessTokenPayload {
    #[serde(serialize_with = "Secret::serialize_exposed")]
    access_token: Secret,
}

/// A field the server may send as `null` reads as its empty value.
fn empty_if_null<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// Our payload types hold strings, numbers and JSON values under string keys, which always serialize.
fn to_value(payload: &impl Serialize) -> Value {
    serde_json::to_value(payload).unwrap_or_default()
}

impl Message {
    fn to_wire(&self) -> (&str, Value) {
        match self {
            Message::Join(join) => ("phx_join", to_value(join)),
            Message::Reply { status, response } => {
                ("phx_reply", to_value(&ReplyPayload { status: *status, response: response.clone() }))
            }
            Message::Heartbeat => ("heartbeat", json!({})),
            Message::PostgresChanges { ids, change } => {
                ("postgres_changes", to_value(&ChangesPayload { ids: ids.clone(), data: change.clone() }))
            }
            Message::Broadcast { event, payload } => (
                "broadcast",
                to_value(&BroadcastPayload {
                    kind: "broadcast".into(),
                    event: event.clone(),
                    payload: payload.clone(),
                }),
            ),
            Message::PresenceState(state) => ("presence_state", state.clone()),
            Message::PresenceDiff { joins, leaves } => {
                ("presence_diff", to_value(&PresenceDiffPayload { joins: joins.clone(), leaves: leaves.clone() }))
            }
            Message::System(system) => ("system", to_value(system)),
            Message::Close => ("phx_close", json!({})),
            Message::Error => ("phx_error", json!({})),
            Message::Leave => ("phx_leave", json!({})),
            Message::AccessToken(token) => {
                ("access_token", to_value(&AccessTokenPayload { access_token: token.clone() }))
            }
        }
    }

    fn from_wire(event: &str, payload: Value) -> Result<Message, ProtocolError> {
        fn read<T: serde::de::DeserializeOwned>(event: &str, payload: Value) -> Result<T, ProtocolError> {
            wire::from_value(payload).map_err(|err| bad_field(event, &err))
        }
        Ok(match event {
            "phx_join" => Message::Join(read(event, payload)?),
            "phx_reply" => {
                let reply: ReplyPayload = read(event, payload)?;
                Message::Reply { status: reply.status, response: reply.response }
            }
            "heartbeat" => Message::Heartbeat,
            "postgres_changes" => {
                let changes: ChangesPayload = read(event, payload)?;
                Message::PostgresChanges { ids: changes.ids, change: changes.data }
            }
            "broadcast" => {
                let broadcast: BroadcastPayload = read(event, payload)?;
                Message::Broadcast { event: broadcast.event, payload: broadcast.payload }
            }
            "presence_state" => Message::PresenceState(payload),
            "presence_diff" => {
                let diff: PresenceDiffPayload = read(event, payload)?;
                Message::PresenceDiff { joins: diff.joins, leaves: diff.leaves }
            }
            "system" => Message::System(read(event, payload)?),
            "phx_close" => Message::Close,
            "phx_error" => Message::Error,
            "phx_leave" => Message::Leave,
            "access_token" => Message::AccessToken(read::<AccessTokenPayload>(event, payload)?.access_token),
            other => return Err(ProtocolError::UnknownEvent(other.chars().take(40).collect())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn video_date_join() -> JoinPayload {
        JoinPayload {
            config: JoinConfig {
                postgres_changes: vec![PostgresChangesBinding {
                    event: "UPDATE".into(),
                    schema: "public".into(),
                    table: "video_dates".into(),
                    filter: Some("id=eq.42".into()),
                }],
                ..JoinConfig::default()
            },
            access_token: Some(Secret::new("user.jwt.value")),
        }
    }

    #[test]
    fn encodes_the_official_join_in_both_versions() {
        let join = Envelope {
            join_ref: Some("1".into()),
            msg_ref: Some("1".into()),
            topic: "realtime:video-date:42".into(),
            message: Message::Join(video_date_join()),
        };
        let expected_payload = json!({
            "config": {"broadcast": {"ack": false, "self": false},
                       "presence": {"key": "", "enabled": false},
                       "postgres_changes": [{"event": "UPDATE", "schema": "public", "table": "video_dates", "filter": "id=eq.42"}],
                       "private": false},
            "access_token": "user.jwt.value"
        });
        assert_eq!(
            parsed(&encode(&join)),
            json!({"topic": "realtime:video-date:42", "event": "phx_join", "payload": &expected_payload, "ref": "1", "join_ref": "1"})
        );
    }

    #[test]
    fn every_message_survives_a_round_trip() {
        let change = PostgresChange {
            change: ChangeType::Update,
            schema: "public".into(),
            table: "video_dates".into(),
            record: json!({"id": 42, "status": "live"}),
            old_record: json!({"id": 42}),
            commit_timestamp: "2026-01-01T00:00:00Z".into(),
        };
        let messages = vec![
            Message::Join(video_date_join()),
            Message::Join(JoinPayload::default()),
            Message::Reply { status: Status::Ok, response: json!({"postgres_changes": []}) },
            Message::Reply { status: Status::Error, response: json!({"reason": "Unknown Error on Channel"}) },
            Message::Heartbeat,
            Message::PostgresChanges { ids: vec![7, 9], change },
            Message::Broadcast { event: "wave".into(), payload: json!({"hand": "left"}) },
            Message::PresenceState(json!({"u1": {"metas": [{"phx_ref": "F1"}]}})),
            Message::PresenceDiff { joins: json!({}), leaves: json!({"u1": {"metas": []}}) },
            Message::System(SystemMessage { extension: "system".into(), status: Status::Error, message: "bye".into() }),
            Message::Close,
            Message::Error,
            Message::Leave,
            Message::AccessToken(Secret::new("refreshed.jwt.value")),
        ];
        for message in &messages {
            let topic = "realtime:x".into();
            let envelope = Envelope { join_ref: Some("3".into()), msg_ref: None, topic, message: message.clone() };
            assert_eq!(decode(&encode(&envelope)).as_ref(), Ok(&envelope), "{message:?}");
        }
    }

    #[test]
    fn decodes_the_official_server_frames() {
        let heartbeat_reply =
            r#"{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"5"}"#;
        let reply = decode(heartbeat_reply).unwrap();
        assert_eq!(reply.join_ref, None, "1.0.0 server frames have no join_ref");
        assert_eq!(reply.msg_ref.as_deref(), Some("5"));
        assert_eq!(reply.message, Message::Reply { status: Status::Ok, response: json!({}) });

        let join_ok = r#"{"topic":"realtime:x","event":"phx_reply","payload":{"status":"ok","response":{"postgres_changes":[{"id":30636876,"event":"UPDATE","schema":"public","table":"video_dates","filter":"id=eq.42"}]}},"ref":"1","join_ref":"1"}"#;
        let Message::Reply { status: Status::Ok, response } = decode(join_ok).unwrap().message else {
            panic!("an ok reply")
        };
        assert_eq!(response["postgres_changes"][0]["id"].as_u64(), Some(30636876));

        let join_error = r#"{"topic":"realtime:x","event":"phx_reply","payload":{"status":"error","response":{"reason":"InvalidJWTToken: Token has expired 12 seconds ago"}},"ref":"1"}"#;
        assert!(matches!(decode(join_error).unwrap().message, Message::Reply { status: Status::Error, .. }));

        let change = r#"{"topic":"realtime:x","event":"postgres_changes","payload":{"ids":[30636876],"data":{"columns":[{"name":"id","type":"int4"}],"commit_timestamp":"2026-08-21T10:00:00Z","errors":null,"schema":"public","table":"video_dates","type":"UPDATE","record":{"id":42,"status":"live"},"old_record":{"id":42}}},"ref":null}"#;
        let Message::PostgresChanges { ids, change } = decode(change).unwrap().message else {
            panic!("a change")
        };
        assert_eq!(ids, vec![30636876]);
        assert_eq!(change.change, ChangeType::Update);
        assert_eq!((change.schema.as_str(), change.table.as_str()), ("public", "video_dates"));
        assert_eq!(change.record["status"].as_str(), Some("live"));
        assert_eq!(change.old_record, json!({"id": 42}));
        assert_eq!(change.commit_timestamp, "2026-08-21T10:00:00Z");

        let insert = r#"{"topic":"realtime:x","event":"postgres_changes","payload":{"ids":[1],"data":{"schema":"public","table":"video_dates","type":"INSERT","commit_timestamp":"t","record":{"id":1}}},"ref":null}"#;
        let Message::PostgresChanges { change, .. } = decode(insert).unwrap().message else { panic!() };
        assert_eq!((change.change, change.old_record), (ChangeType::Insert, Value::Null));

        let system = r#"{"topic":"realtime:x","event":"system","payload":{"extension":"postgres_changes","status":"error","message":"Unable to subscribe to changes with given parameters.","channel":"x"},"ref":null}"#;
        assert_eq!(
            decode(system).unwrap().message,
            Message::System(SystemMessage {
                extension: "postgres_changes".into(),
                status: Status::Error,
                message: "Unable to subscribe to changes with given parameters.".into(),
            })
        );

        let close = decode(r#"{"topic":"realtime:x","event":"phx_close","payload":{},"ref":"4"}"#).unwrap();
        assert_eq!(
            (close.message.clone(), close.join_ref()),
            (Message::Close, Some("4")),
            "phx_close names its join in ref"
        );
        let error =
            decode(r#"{"topic":"realtime:x","event":"phx_error","payload":{},"ref":"4","join_ref":"4"}"#).unwrap();
        assert_eq!((error.message.clone(), error.join_ref()), (Message::Error, Some("4")));
        let fan_out = r#"{"topic":"realtime:x","event":"broadcast","payload":{"type":"broadcast","event":"e","payload":{}},"ref":null}"#;
        let fan_out = decode(fan_out);
        assert_eq!(fan_out.unwrap().join_ref(), None);

        let diff = r#"{"topic":"realtime:x","event":"presence_diff","payload":{"joins":{"a":{"metas":[]}},"leaves":{}},"ref":null}"#;
        assert!(matches!(decode(diff).unwrap().message, Message::PresenceDiff { .. }));
    }

    #[test]
    fn malformed_frames_are_typed_errors() {
        assert!(matches!(decode("not json"), Err(ProtocolError::NotJson(_))));
        assert!(matches!(decode("[1,2,3,4,5]"), Err(ProtocolError::NotAnEnvelope)));
        assert!(matches!(decode(r#""heartbeat""#), Err(ProtocolError::NotAnEnvelope)));
        let bad_field =
            |event: &str, field: &str| Err(ProtocolError::BadField { event: event.into(), field: field.into() });
        let frame =
            |event: &str, payload: &str| format!(r#"{{"topic":"t","event":"{event}","payload":{payload},"ref":null}}"#);
        let numeric_topic = r#"{"topic":1,"event":"heartbeat","payload":{},"ref":null}"#;
        assert_eq!(decode(numeric_topic), bad_field("envelope", "topic"));
        assert_eq!(decode(r#"{"topic":"t","event":"heartbeat","payload":{},"ref":7}"#), bad_field("envelope", "ref"));
        assert_eq!(decode(&frame("phx_reply", r#"{"status":"maybe"}"#)), bad_field("phx_reply", "status"));
        assert_eq!(
            decode(&frame("postgres_changes", r#"{"data":{"type":"TRUNCATE"}}"#)),
            bad_field("postgres_changes", "data.type")
        );
        assert_eq!(
            decode(&frame("postgres_changes", r#"{"ids":[-1],"data":{"type":"INSERT","schema":"s","table":"t"}}"#)),
            bad_field("postgres_changes", "ids[0]")
        );
        assert_eq!(decode(&frame("system", r#"{"status":"ok"}"#)), bad_field("system", "extension"));
        assert_eq!(
            decode(&frame("phx_join", r#"{"config":{"postgres_changes":{}}}"#)),
            bad_field("phx_join", "config.postgres_changes")
        );
        assert_eq!(decode(&frame("nope", "{}")), Err(ProtocolError::UnknownEvent("nope".into())));
    }

    #[test]
    fn a_malformed_frame_never_quotes_the_token_it_carries() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";
        let frames = [
            format!(r#"{{"topic":"t","event":"access_token","payload":{{"access_token":["{token}"]}},"ref":"1"}}"#),
            format!(
                r#"{{"topic":"t","event":"phx_join","payload":{{"access_token":"{token}","config":{{"private":"{token}"}}}},"ref":"1"}}"#
            ),
            format!(r#"{{"topic":"t","event":"access_token","payload":{{"access_token":"{token}"}},"ref":2}}"#),
            format!(r#"{{"topic":"t","event":"access_token","payload":{{"access_token":"{token}"],"ref":"2"}}"#),
            format!(r#"{{"topic":{{"topic":"{token}"}},"event":"access_token","payload":{{}},"ref":"2"}}"#),
        ];
        for frame in frames {
            let err = decode(&frame).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("eyJ") && !shown.contains("c2lnbmF0dXJl"), "{shown}");
        }
    }

    #[test]
    fn tokens_are_encoded_but_never_printed() {
        let push = Envelope {
            join_ref: Some("1".into()),
            msg_ref: Some("2".into()),
            topic: "realtime:x".into(),
            message: Message::AccessToken(Secret::new("secret.jwt.value")),
        };
        assert!(encode(&push).contains(r#""access_token":"secret.jwt.value""#));
        assert!(!format!("{push:?}").contains("secret.jwt.value"));
        let join = Message::Join(video_date_join());
        assert!(!format!("{join:?}").contains("user.jwt.value"));
    }
}
