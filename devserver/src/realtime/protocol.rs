//! The Phoenix wire format Supabase Realtime speaks: vsn 1.0.0 JSON objects and vsn 2.0.0 JSON arrays
//! `[join_ref, ref, topic, event, payload]`, plus the one binary frame realtime-js sends on 2.0.0 (a broadcast
//! push, kind 3). We always answer in text frames, which realtime-js also reads. Pure: no sockets here.

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vsn {
    V1,
    V2,
}

impl Vsn {
    /// Phoenix treats a missing `vsn` as 1.0.0.
    pub fn parse(vsn: Option<&str>) -> Option<Vsn> {
        match vsn {
            None | Some("1.0.0") => Some(Vsn::V1),
            Some("2.0.0") => Some(Vsn::V2),
            Some(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub join_ref: Option<String>,
    pub reference: Option<String>,
    pub topic: String,
    pub event: String,
    pub payload: Value,
}

impl Message {
    /// A reply to the push `to`: `phx_reply` with its refs.
    pub fn reply(to: &Message, status: &str, response: Value) -> Message {
        Message {
            join_ref: to.join_ref.clone(),
            reference: to.reference.clone(),
            topic: to.topic.clone(),
            event: "phx_reply".to_owned(),
            payload: json!({"status": status, "response": response}),
        }
    }

    /// A channel push (`system`, `presence_state`, …): it carries the join ref, no ref.
    pub fn push(join_ref: &str, topic: &str, event: &str, payload: Value) -> Message {
        Message {
            join_ref: Some(join_ref.to_owned()),
            reference: None,
            topic: topic.to_owned(),
            event: event.to_owned(),
            payload,
        }
    }

    /// `phx_close` / `phx_error` of a join: both refs are the join ref (Phoenix's `encode_close`).
    pub fn lifecycle(join_ref: &str, topic: &str, event: &str) -> Message {
        Message { reference: Some(join_ref.to_owned()), ..Message::push(join_ref, topic, event, json!({})) }
    }

    /// A fan-out message (broadcast, postgres change, presence diff): no refs at all.
    pub fn fanout(topic: &str, event: &str, payload: Value) -> Message {
        Message { join_ref: None, reference: None, topic: topic.to_owned(), event: event.to_owned(), payload }
    }
}

pub fn decode(vsn: Vsn, text: &str) -> Result<Message, String> {
    let value: Value = serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    let (join_ref, reference, topic, event, payload) = match (vsn, value) {
        (Vsn::V1, Value::Object(mut map)) => {
            // `topic`, `event`, `payload` and `ref` are required (`ref` may be null); `join_ref` is optional.
            if !map.contains_key("ref") {
                return Err("missing ref".to_owned());
            }
            let mut take = |key: &str| map.remove(key).unwrap_or(Value::Null);
            (take("join_ref"), take("ref"), take("topic"), take("event"), take("payload"))
        }
        (Vsn::V2, Value::Array(items)) if items.len() == 5 => {
            let mut items = items.into_iter();
            let mut next = || items.next().unwrap_or(Value::Null);
            (next(), next(), next(), next(), next())
        }
        (Vsn::V1, _) => return Err("expected a JSON object".to_owned()),
        (Vsn::V2, _) => return Err("expected [join_ref, ref, topic, event, payload]".to_owned()),
    };
    let (Value::String(topic), Value::String(event)) = (topic, event) else {
        return Err("topic and event must be strings".to_owned());
    };
    if !payload.is_object() {
        return Err("payload must be an object".to_owned());
    }
    Ok(Message { join_ref: reference_of(join_ref)?, reference: reference_of(reference)?, topic, event, payload })
}

/// realtime-js 2.0.0 sends every broadcast with a string `event` as a binary "user broadcast push":
/// `u8 kind=3, join_ref_len, ref_len, topic_len, event_len, meta_len, encoding (1 = JSON)`, then those strings
/// and the payload. It becomes the JSON push `broadcast` with payload `{type, event, payload, ..meta}`.
pub fn decode_binary(bytes: &[u8]) -> Result<Message, String> {
    const HEADER: usize = 7;
    let [3, join_ref_len, ref_len, topic_len, event_len, meta_len, encoding, ..] = *bytes else {
        return Err("only binary broadcast pushes (kind 3) are understood".to_owned());
    };
    if encoding != 1 {
        return Err("only JSON-encoded binary broadcasts are supported".to_owned());
    }
    let mut rest = &bytes[HEADER..];
    let mut field = |len: u8| -> Result<String, String> {
        let len = usize::from(len);
        if rest.len() < len {
            return Err("binary frame shorter than its header says".to_owned());
        }
        let (text, tail) = rest.split_at(len);
        rest = tail;
        String::from_utf8(text.to_vec()).map_err(|_| "binary frame field is not UTF-8".to_owned())
    };
    let (join_ref, reference, topic, event, meta) =
        (field(join_ref_len)?, field(ref_len)?, field(topic_len)?, field(event_len)?, field(meta_len)?);
    let user_payload: Value = serde_json::from_slice(rest).map_err(|err| format!("broadcast payload: {err}"))?;
    let mut payload = json!({"type": "broadcast", "event": event, "payload": user_payload});
    if !meta.is_empty() {
        let Ok(Value::Object(meta)) = serde_json::from_str::<Value>(&meta) else {
            return Err("broadcast metadata must be a JSON object".to_owned());
        };
        for (key, value) in meta {
            payload[key] = value;
        }
    }
    let non_empty = |text: String| (!text.is_empty()).then_some(text);
    Ok(Message {
        join_ref: non_empty(join_ref),
        reference: non_empty(reference),
        topic,
        event: "broadcast".to_owned(),
        payload,
    })
}

/// Refs are strings; some clients send numbers.
fn reference_of(value: Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(number) => Ok(Some(number.to_string())),
        _ => Err("refs must be strings or null".to_owned()),
    }
}

/// vsn 1.0.0 sends `{topic, event, payload, ref}` only: Phoenix's V1 serializer drops `join_ref`.
pub fn encode(vsn: Vsn, message: &Message) -> String {
    let value = match vsn {
        Vsn::V1 => json!({
            "topic": message.topic,
            "event": message.event,
            "payload": message.payload,
            "ref": message.reference,
        }),
        Vsn::V2 => json!([message.join_ref, message.reference, message.topic, message.event, message.payload]),
    };
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_decode_a_join() {
        let v1 = r#"{"topic":"realtime:a","event":"phx_join","payload":{},"ref":"1","join_ref":"1"}"#;
        let v2 = r#"["1","1","realtime:a","phx_join",{}]"#;
        let expected = Message {
            join_ref: Some("1".into()),
            reference: Some("1".into()),
            topic: "realtime:a".into(),
            event: "phx_join".into(),
            payload: json!({}),
        };
        assert_eq!(decode(Vsn::V1, v1).unwrap(), expected);
        assert_eq!(decode(Vsn::V2, v2).unwrap(), expected);
    }

    #[test]
    fn v1_accepts_a_null_ref_and_no_join_ref_but_needs_the_ref_key() {
        let message = decode(Vsn::V1, r#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":null}"#).unwrap();
        assert_eq!((message.join_ref, message.reference), (None, None));
        assert!(decode(Vsn::V1, r#"{"topic":"phoenix","event":"heartbeat","payload":{}}"#).is_err());
        assert_eq!(decode(Vsn::V2, r#"[null,7,"phoenix","heartbeat",{}]"#).unwrap().reference.as_deref(), Some("7"));
    }

    #[test]
    fn malformed_frames_are_refused() {
        for (vsn, text) in [
            (Vsn::V1, "nope"),
            (Vsn::V1, r#"["1","1","t","e",{}]"#),
            (Vsn::V2, r#"{"topic":"t","event":"e","payload":{},"ref":"1"}"#),
            (Vsn::V2, r#"["1","1","t","e"]"#),
            (Vsn::V2, r#"["1","1",3,"e",{}]"#),
            (Vsn::V2, r#"["1","1","t","e",[]]"#),
        ] {
            assert!(decode(vsn, text).is_err(), "{text}");
        }
    }

    #[test]
    fn v1_replies_carry_no_join_ref_and_v2_replies_are_arrays() {
        let join = decode(Vsn::V2, r#"["3","4","realtime:a","phx_join",{}]"#).unwrap();
        let reply = Message::reply(&join, "ok", json!({}));
        let v1: Value = serde_json::from_str(&encode(Vsn::V1, &reply)).unwrap();
        assert_eq!(
            v1,
            json!({"topic": "realtime:a", "event": "phx_reply", "payload": {"status": "ok", "response": {}}, "ref": "4"})
        );
        let v2: Value = serde_json::from_str(&encode(Vsn::V2, &reply)).unwrap();
        assert_eq!(v2, json!(["3", "4", "realtime:a", "phx_reply", {"status": "ok", "response": {}}]));
        assert_eq!(
            encode(Vsn::V2, &Message::lifecycle("3", "realtime:a", "phx_close")),
            r#"["3","3","realtime:a","phx_close",{}]"#
        );
        assert_eq!(
            encode(Vsn::V2, &Message::fanout("realtime:a", "broadcast", json!({}))),
            r#"[null,null,"realtime:a","broadcast",{}]"#
        );
    }

    #[test]
    fn a_binary_broadcast_push_decodes_to_a_broadcast() {
        let mut frame = vec![3, 1, 1, 11, 4, 0, 1];
        frame.extend_from_slice(b"25realtime:abwave{\"n\":1}");
        let message = decode_binary(&frame).unwrap();
        assert_eq!((message.join_ref.as_deref(), message.reference.as_deref()), (Some("2"), Some("5")));
        assert_eq!((message.topic.as_str(), message.event.as_str()), ("realtime:ab", "broadcast"));
        assert_eq!(message.payload, json!({"type": "broadcast", "event": "wave", "payload": {"n": 1}}));
        assert!(decode_binary(&[4, 0, 0, 0, 0]).is_err());
        assert!(decode_binary(&frame[..10]).is_err());
        frame[6] = 0;
        assert!(decode_binary(&frame).is_err(), "raw binary payloads are not supported");
    }

    #[test]
    fn vsn_defaults_to_1_0_0() {
        assert_eq!(Vsn::parse(None), Some(Vsn::V1));
        assert_eq!(Vsn::parse(Some("2.0.0")), Some(Vsn::V2));
        assert_eq!(Vsn::parse(Some("3.0.0")), None);
    }
}
