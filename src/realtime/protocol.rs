//! The Supabase Realtime (Phoenix) wire format as typed messages, for both text protocol versions:
//! 1.0.0 objects `{topic,event,payload,ref,join_ref}` and 2.0.0 arrays `[join_ref,ref,topic,event,payload]`.
//! Pure: no browser APIs, so every shape in `reference/realtime.md` is checked with plain `cargo test`.
//! A frame that does not fit becomes a [`ProtocolError`], never a panic.

use thiserror::Error;

use crate::json;
use crate::json::Json;
use crate::token::Secret;

/// The protocol version, sent as the socket URL's `vsn` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vsn {
    V1,
    V2,
}

impl Vsn {
    pub fn as_str(self) -> &'static str {
        match self {
            Vsn::V1 => "1.0.0",
            Vsn::V2 => "2.0.0",
        }
    }
}

/// One frame: a message and where it belongs. The server leaves `join_ref` out in 1.0.0 (and for fan-out
/// messages in 2.0.0); `msg_ref` is set on pushes that expect a reply and on the replies themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub join_ref: Option<String>,
    pub msg_ref: Option<String>,
    pub topic: String,
    pub message: Message,
}

impl Envelope {
    /// The join this frame belongs to, if it says. `phx_close` and `phx_error` carry it as `ref` (1.0.0 has no
    /// `join_ref` on server frames), so a close of an old join is never taken for a close of the current one.
    pub fn join_ref(&self) -> Option<&str> {
        match (&self.join_ref, &self.message) {
            (Some(join_ref), _) => Some(join_ref),
            (None, Message::Close | Message::Error) => self.msg_ref.as_deref(),
            (None, _) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `phx_join` (client to server).
    Join(JoinPayload),
    /// `phx_reply` to the push whose ref it carries.
    Reply {
        status: Status,
        response: Json,
    },
    /// `heartbeat` on topic `phoenix`.
    Heartbeat,
    PostgresChanges {
        ids: Vec<u64>,
        change: PostgresChange,
    },
    Broadcast {
        event: String,
        payload: Json,
    },
    /// `{key: {metas: [...]}}`, passed on as sent.
    PresenceState(Json),
    PresenceDiff {
        joins: Json,
        leaves: Json,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Error,
}

/// The `phx_join` payload: what to listen to, and as whom.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JoinPayload {
    pub config: JoinConfig,
    /// The user's JWT; without it the server uses the socket's anon key.
    pub access_token: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JoinConfig {
    pub postgres_changes: Vec<PostgresChangesBinding>,
    pub broadcast: BroadcastConfig,
    pub presence: PresenceConfig,
    pub private: bool,
}

/// One `postgres_changes` subscription: `event` is `*`, `INSERT`, `UPDATE` or `DELETE`; `filter` is like `id=eq.42`.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresChangesBinding {
    pub event: String,
    pub schema: String,
    pub table: String,
    pub filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BroadcastConfig {
    /// Sent as `self`: whether our own broadcasts come back to us.
    pub receive_own: bool,
    /// Whether the server acknowledges each broadcast with a reply.
    pub ack: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PresenceConfig {
    /// Empty: the server picks one.
    pub key: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Insert,
    Update,
    Delete,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Insert => "INSERT",
            ChangeType::Update => "UPDATE",
            ChangeType::Delete => "DELETE",
        }
    }
}

/// A row change. `record` is the new row (`Null` for a delete), `old_record` the old one (`Null` for an insert;
/// only the primary key unless the table has REPLICA IDENTITY FULL). The page deserializes them itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresChange {
    pub change: ChangeType,
    pub schema: String,
    pub table: String,
    pub record: Json,
    pub old_record: Json,
    pub commit_timestamp: String,
}

/// A `system` push: the outcome of the postgres_changes set-up after a join, or why the server shuts a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemMessage {
    /// `postgres_changes` or `system`.
    pub extension: String,
    pub status: Status,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    #[error("The realtime server sent a frame that is not JSON ({0}). Check that the URL points at a Supabase Realtime server.")]
    NotJson(String),
    #[error("The realtime server sent a frame that is not a protocol {vsn} message ({expected}). Check that the socket asks for the protocol version the server speaks.")]
    NotAnEnvelope { vsn: &'static str, expected: &'static str },
    #[error("The realtime server's \"{event}\" message has a missing or invalid \"{field}\". The server may be newer than this app; if it keeps happening, tell whoever runs this site.")]
    BadField { event: String, field: &'static str },
    #[error("The realtime server sent an event this app does not know (\"{0}\"); it is ignored.")]
    UnknownEvent(String),
}

const V1_EXPECTED: &str = "an object with topic, event, payload and ref";
const V2_EXPECTED: &str = "an array of join_ref, ref, topic, event, payload";

/// The frame's text for `vsn`.
pub fn encode(vsn: Vsn, envelope: &Envelope) -> String {
    let (event, payload) = envelope.message.to_wire();
    let frame = match vsn {
        Vsn::V1 => json!({
            "topic": &envelope.topic,
            "event": event,
            "payload": payload,
            "ref": envelope.msg_ref.as_deref(),
            "join_ref": envelope.join_ref.as_deref(),
        }),
        Vsn::V2 => {
            json!([envelope.join_ref.as_deref(), envelope.msg_ref.as_deref(), &envelope.topic, event, payload])
        }
    };
    frame.to_string()
}

/// A frame received as text in `vsn`.
pub fn decode(vsn: Vsn, text: &str) -> Result<Envelope, ProtocolError> {
    let frame = Json::parse(text).map_err(|err| ProtocolError::NotJson(err.to_string()))?;
    let not_envelope = |expected| ProtocolError::NotAnEnvelope { vsn: vsn.as_str(), expected };
    let (join_ref, msg_ref, topic, event, payload) = match (vsn, frame) {
        (Vsn::V1, Json::Object(mut members)) => {
            // Moved out rather than cloned: the payload may be a whole row. The last of a repeated key counts.
            let mut take = |key: &str| {
                members.iter().rposition(|(name, _)| name == key).map_or(Json::Null, |at| members.remove(at).1)
            };
            (take("join_ref"), take("ref"), take("topic"), take("event"), take("payload"))
        }
        (Vsn::V2, Json::Array(items)) if items.len() == 5 => {
            let mut items = items.into_iter();
            let mut next = || items.next().unwrap_or(Json::Null);
            (next(), next(), next(), next(), next())
        }
        (Vsn::V1, _) => return Err(not_envelope(V1_EXPECTED)),
        (Vsn::V2, _) => return Err(not_envelope(V2_EXPECTED)),
    };
    let envelope_field = |field| ProtocolError::BadField { event: "envelope".into(), field };
    let (Json::String(topic), Json::String(event)) = (topic, event) else {
        return Err(envelope_field("topic/event"));
    };
    let reference = |value: Json, field| match value {
        Json::Null => Ok(None),
        Json::String(text) => Ok(Some(text)),
        _ => Err(envelope_field(field)),
    };
    Ok(Envelope {
        join_ref: reference(join_ref, "join_ref")?,
        msg_ref: reference(msg_ref, "ref")?,
        message: Message::from_wire(&event, payload)?,
        topic,
    })
}

impl Message {
    fn to_wire(&self) -> (&str, Json) {
        match self {
            Message::Join(join) => ("phx_join", join.to_wire()),
            Message::Reply { status, response } => {
                ("phx_reply", json!({"status": status.as_str(), "response": response}))
            }
            Message::Heartbeat => ("heartbeat", json!({})),
            Message::PostgresChanges { ids, change } => ("postgres_changes", change.to_wire(ids)),
            Message::Broadcast { event, payload } => {
                ("broadcast", json!({"type": "broadcast", "event": event.as_str(), "payload": payload}))
            }
            Message::PresenceState(state) => ("presence_state", state.clone()),
            Message::PresenceDiff { joins, leaves } => ("presence_diff", json!({"joins": joins, "leaves": leaves})),
            Message::System(system) => (
                "system",
                json!({
                    "extension": system.extension.as_str(),
                    "status": system.status.as_str(),
                    "message": system.message.as_str(),
                }),
            ),
            Message::Close => ("phx_close", json!({})),
            Message::Error => ("phx_error", json!({})),
            Message::Leave => ("phx_leave", json!({})),
            Message::AccessToken(token) => ("access_token", json!({"access_token": token.expose()})),
        }
    }

    fn from_wire(event: &str, payload: Json) -> Result<Message, ProtocolError> {
        let fields = Fields { event, payload: &payload };
        Ok(match event {
            "phx_join" => Message::Join(JoinPayload::from_wire(&fields)?),
            "phx_reply" => Message::Reply {
                status: Status::from_wire(&fields, "status")?,
                response: fields.value("response").clone(),
            },
            "heartbeat" => Message::Heartbeat,
            "postgres_changes" => PostgresChange::from_wire(&fields)?,
            "broadcast" => {
                Message::Broadcast { event: fields.string("event")?, payload: fields.value("payload").clone() }
            }
            "presence_state" => Message::PresenceState(payload),
            "presence_diff" => {
                Message::PresenceDiff { joins: fields.value("joins").clone(), leaves: fields.value("leaves").clone() }
            }
            "system" => Message::System(SystemMessage {
                extension: fields.string("extension")?,
                status: Status::from_wire(&fields, "status")?,
                message: fields.string("message").unwrap_or_default(),
            }),
            "phx_close" => Message::Close,
            "phx_error" => Message::Error,
            "phx_leave" => Message::Leave,
            "access_token" => Message::AccessToken(Secret::new(fields.string("access_token")?)),
            other => return Err(ProtocolError::UnknownEvent(other.to_owned())),
        })
    }
}

/// Reads the fields of one event's payload, naming the event and field in the error.
struct Fields<'a> {
    event: &'a str,
    payload: &'a Json,
}

impl<'a> Fields<'a> {
    fn value(&self, name: &str) -> &'a Json {
        &self.payload[name]
    }

    fn bad(&self, field: &'static str) -> ProtocolError {
        ProtocolError::BadField { event: self.event.to_owned(), field }
    }

    fn string(&self, field: &'static str) -> Result<String, ProtocolError> {
        self.value(field).as_str().map(str::to_owned).ok_or_else(|| self.bad(field))
    }

    fn within(&self, field: &'static str) -> Fields<'a> {
        Fields { event: self.event, payload: self.value(field) }
    }
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
        }
    }

    fn from_wire(fields: &Fields, field: &'static str) -> Result<Status, ProtocolError> {
        match fields.value(field).as_str() {
            Some("ok") => Ok(Status::Ok),
            Some("error") => Ok(Status::Error),
            _ => Err(fields.bad(field)),
        }
    }
}

impl JoinPayload {
    fn to_wire(&self) -> Json {
        let config = &self.config;
        let postgres_changes: Vec<Json> = config
            .postgres_changes
            .iter()
            .map(|binding| {
                let mut entry = vec![
                    ("event".to_owned(), Json::from(&binding.event)),
                    ("schema".to_owned(), Json::from(&binding.schema)),
                    ("table".to_owned(), Json::from(&binding.table)),
                ];
                if let Some(filter) = &binding.filter {
                    entry.push(("filter".to_owned(), filter.into()));
                }
                Json::Object(entry)
            })
            .collect();
        let mut payload = vec![(
            "config".to_owned(),
            json!({
                "broadcast": {"self": config.broadcast.receive_own, "ack": config.broadcast.ack},
                "presence": {"key": &config.presence.key, "enabled": config.presence.enabled},
                "postgres_changes": postgres_changes,
                "private": config.private,
            }),
        )];
        if let Some(token) = &self.access_token {
            payload.push(("access_token".to_owned(), token.expose().into()));
        }
        Json::Object(payload)
    }

    /// Lenient like the server: a missing part of the config takes its default.
    fn from_wire(fields: &Fields) -> Result<JoinPayload, ProtocolError> {
        let config = fields.within("config");
        let flag = |part: &Fields, name| part.value(name).as_bool().unwrap_or(false);
        let broadcast = config.within("broadcast");
        let presence = config.within("presence");
        let bindings = match config.value("postgres_changes") {
            Json::Null => Vec::new(),
            Json::Array(entries) => entries
                .iter()
                .map(|entry| {
                    let entry = Fields { event: fields.event, payload: entry };
                    Ok(PostgresChangesBinding {
                        event: entry.string("event")?,
                        schema: entry.string("schema")?,
                        table: entry.string("table").unwrap_or_default(),
                        filter: entry.string("filter").ok(),
                    })
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(config.bad("postgres_changes")),
        };
        Ok(JoinPayload {
            config: JoinConfig {
                postgres_changes: bindings,
                broadcast: BroadcastConfig { receive_own: flag(&broadcast, "self"), ack: flag(&broadcast, "ack") },
                presence: PresenceConfig {
                    key: presence.string("key").unwrap_or_default(),
                    enabled: flag(&presence, "enabled"),
                },
                private: flag(&config, "private"),
            },
            access_token: fields.string("access_token").ok().map(Secret::new),
        })
    }
}

impl PostgresChange {
    fn to_wire(&self, ids: &[u64]) -> Json {
        let mut data = vec![
            ("schema".to_owned(), Json::from(&self.schema)),
            ("table".to_owned(), Json::from(&self.table)),
            ("type".to_owned(), Json::from(self.change.as_str())),
            ("commit_timestamp".to_owned(), Json::from(&self.commit_timestamp)),
        ];
        // The server leaves out the row a change does not have (no old row on insert, no new one on delete).
        for (key, row) in [("record", &self.record), ("old_record", &self.old_record)] {
            if !row.is_null() {
                data.push((key.to_owned(), row.clone()));
            }
        }
        let ids: Vec<Json> = ids.iter().map(|&id| id.into()).collect();
        json!({"ids": ids, "data": Json::Object(data)})
    }

    fn from_wire(fields: &Fields) -> Result<Message, ProtocolError> {
        let data = fields.within("data");
        let change = match data.value("type").as_str() {
            Some("INSERT") => ChangeType::Insert,
            Some("UPDATE") => ChangeType::Update,
            Some("DELETE") => ChangeType::Delete,
            _ => return Err(data.bad("data.type")),
        };
        let ids = match fields.value("ids") {
            Json::Null => Vec::new(),
            Json::Array(ids) => {
                ids.iter().map(|id| id.as_u64().ok_or_else(|| fields.bad("ids"))).collect::<Result<_, _>>()?
            }
            _ => return Err(fields.bad("ids")),
        };
        Ok(Message::PostgresChanges {
            ids,
            change: PostgresChange {
                change,
                schema: data.string("schema").map_err(|_| data.bad("data.schema"))?,
                table: data.string("table").map_err(|_| data.bad("data.table"))?,
                record: data.value("record").clone(),
                old_record: data.value("old_record").clone(),
                commit_timestamp: data.string("commit_timestamp").unwrap_or_default(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let v1 = Json::parse(&encode(Vsn::V1, &join)).unwrap();
        assert_eq!(
            v1,
            json!({"topic": "realtime:video-date:42", "event": "phx_join", "payload": &expected_payload, "ref": "1", "join_ref": "1"})
        );
        let v2 = Json::parse(&encode(Vsn::V2, &join)).unwrap();
        assert_eq!(v2, json!(["1", "1", "realtime:video-date:42", "phx_join", expected_payload]));
    }

    #[test]
    fn every_message_survives_a_round_trip_in_both_versions() {
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
        for vsn in [Vsn::V1, Vsn::V2] {
            for message in &messages {
                let envelope = Envelope {
                    join_ref: Some("3".into()),
                    msg_ref: None,
                    topic: "realtime:x".into(),
                    message: message.clone(),
                };
                assert_eq!(decode(vsn, &encode(vsn, &envelope)).as_ref(), Ok(&envelope), "{vsn:?} {message:?}");
            }
        }
    }

    #[test]
    fn decodes_the_official_server_frames() {
        let heartbeat_reply =
            r#"{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"5"}"#;
        let reply = decode(Vsn::V1, heartbeat_reply).unwrap();
        assert_eq!(reply.join_ref, None, "1.0.0 server frames have no join_ref");
        assert_eq!(reply.msg_ref.as_deref(), Some("5"));
        assert_eq!(reply.message, Message::Reply { status: Status::Ok, response: json!({}) });

        let join_ok = r#"["1","1","realtime:x","phx_reply",{"status":"ok","response":{"postgres_changes":[{"id":30636876,"event":"UPDATE","schema":"public","table":"video_dates","filter":"id=eq.42"}]}}]"#;
        let Message::Reply { status: Status::Ok, response } = decode(Vsn::V2, join_ok).unwrap().message else {
            panic!("an ok reply")
        };
        assert_eq!(response["postgres_changes"][0]["id"].as_u64(), Some(30636876));

        let join_error = r#"{"topic":"realtime:x","event":"phx_reply","payload":{"status":"error","response":{"reason":"InvalidJWTToken: Token has expired 12 seconds ago"}},"ref":"1"}"#;
        assert!(matches!(decode(Vsn::V1, join_error).unwrap().message, Message::Reply { status: Status::Error, .. }));

        let change = r#"[null,null,"realtime:x","postgres_changes",{"ids":[30636876],"data":{"columns":[{"name":"id","type":"int4"}],"commit_timestamp":"2026-08-21T10:00:00Z","errors":null,"schema":"public","table":"video_dates","type":"UPDATE","record":{"id":42,"status":"live"},"old_record":{"id":42}}}]"#;
        let Message::PostgresChanges { ids, change } = decode(Vsn::V2, change).unwrap().message else {
            panic!("a change")
        };
        assert_eq!(ids, vec![30636876]);
        assert_eq!(change.change, ChangeType::Update);
        assert_eq!((change.schema.as_str(), change.table.as_str()), ("public", "video_dates"));
        assert_eq!(change.record["status"].as_str(), Some("live"));
        assert_eq!(change.old_record, json!({"id": 42}));
        assert_eq!(change.commit_timestamp, "2026-08-21T10:00:00Z");

        let insert = r#"{"topic":"realtime:x","event":"postgres_changes","payload":{"ids":[1],"data":{"schema":"public","table":"video_dates","type":"INSERT","commit_timestamp":"t","record":{"id":1}}},"ref":null}"#;
        let Message::PostgresChanges { change, .. } = decode(Vsn::V1, insert).unwrap().message else { panic!() };
        assert_eq!((change.change, change.old_record), (ChangeType::Insert, Json::Null));

        let system = r#"{"topic":"realtime:x","event":"system","payload":{"extension":"postgres_changes","status":"error","message":"Unable to subscribe to changes with given parameters.","channel":"x"},"ref":null}"#;
        assert_eq!(
            decode(Vsn::V1, system).unwrap().message,
            Message::System(SystemMessage {
                extension: "postgres_changes".into(),
                status: Status::Error,
                message: "Unable to subscribe to changes with given parameters.".into(),
            })
        );

        let close = decode(Vsn::V1, r#"{"topic":"realtime:x","event":"phx_close","payload":{},"ref":"4"}"#).unwrap();
        assert_eq!(
            (close.message.clone(), close.join_ref()),
            (Message::Close, Some("4")),
            "phx_close names its join in ref"
        );
        let error = decode(Vsn::V2, r#"["4","4","realtime:x","phx_error",{}]"#).unwrap();
        assert_eq!((error.message.clone(), error.join_ref()), (Message::Error, Some("4")));
        let fan_out =
            decode(Vsn::V2, r#"[null,null,"realtime:x","broadcast",{"type":"broadcast","event":"e","payload":{}}]"#);
        assert_eq!(fan_out.unwrap().join_ref(), None);

        let diff = r#"{"topic":"realtime:x","event":"presence_diff","payload":{"joins":{"a":{"metas":[]}},"leaves":{}},"ref":null}"#;
        assert!(matches!(decode(Vsn::V1, diff).unwrap().message, Message::PresenceDiff { .. }));
    }

    #[test]
    fn malformed_frames_are_typed_errors() {
        assert!(matches!(decode(Vsn::V1, "not json"), Err(ProtocolError::NotJson(_))));
        assert!(matches!(decode(Vsn::V1, "[1,2,3,4,5]"), Err(ProtocolError::NotAnEnvelope { vsn: "1.0.0", .. })));
        assert!(matches!(decode(Vsn::V2, "{}"), Err(ProtocolError::NotAnEnvelope { vsn: "2.0.0", .. })));
        assert!(matches!(decode(Vsn::V2, r#"[null,null,"t","heartbeat"]"#), Err(ProtocolError::NotAnEnvelope { .. })));
        let bad_field = |event: &str, field| Err(ProtocolError::BadField { event: event.into(), field });
        assert_eq!(
            decode(Vsn::V1, r#"{"topic":1,"event":"heartbeat","payload":{},"ref":null}"#),
            bad_field("envelope", "topic/event")
        );
        assert_eq!(decode(Vsn::V2, r#"[null,7,"t","heartbeat",{}]"#), bad_field("envelope", "ref"));
        assert_eq!(
            decode(Vsn::V2, r#"[null,null,"t","phx_reply",{"status":"maybe"}]"#),
            bad_field("phx_reply", "status")
        );
        assert_eq!(
            decode(Vsn::V2, r#"[null,null,"t","postgres_changes",{"data":{"type":"TRUNCATE"}}]"#),
            bad_field("postgres_changes", "data.type")
        );
        assert_eq!(
            decode(
                Vsn::V2,
                r#"[null,null,"t","postgres_changes",{"ids":[-1],"data":{"type":"INSERT","schema":"s","table":"t"}}]"#
            ),
            bad_field("postgres_changes", "ids")
        );
        assert_eq!(decode(Vsn::V2, r#"[null,null,"t","system",{"status":"ok"}]"#), bad_field("system", "extension"));
        assert_eq!(
            decode(Vsn::V2, r#"[null,null,"t","phx_join",{"config":{"postgres_changes":{}}}]"#),
            bad_field("phx_join", "postgres_changes")
        );
        assert_eq!(decode(Vsn::V2, r#"[null,null,"t","nope",{}]"#), Err(ProtocolError::UnknownEvent("nope".into())));
    }

    #[test]
    fn tokens_are_encoded_but_never_printed() {
        let push = Envelope {
            join_ref: Some("1".into()),
            msg_ref: Some("2".into()),
            topic: "realtime:x".into(),
            message: Message::AccessToken(Secret::new("secret.jwt.value")),
        };
        assert!(encode(Vsn::V1, &push).contains(r#""access_token":"secret.jwt.value""#));
        assert!(!format!("{push:?}").contains("secret.jwt.value"));
        let join = Message::Join(video_date_join());
        assert!(!format!("{join:?}").contains("user.jwt.value"));
    }
}
