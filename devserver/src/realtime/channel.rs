//! What a `phx_join` asks for: its `config` (postgres_changes bindings, broadcast and presence options) and who
//! joins. Pure: parsing, validation and binding ids; the socket keeps the resulting [`Channel`].

use serde_json::{json, Value};

use crate::session::SessionClaims;

/// One postgres_changes binding the server accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub id: u32,
    pub event: String,
    /// The row id of an `id=eq.<id>` filter; `None` is every row of the table.
    pub row_id: Option<String>,
    /// The binding as the client sent it plus its `id`, echoed in the join reply.
    pub echo: Value,
}

impl Binding {
    /// Whether a change of this kind (`INSERT`, `UPDATE`, `DELETE`) to row `row_id` is one this binding asked for.
    pub fn wants(&self, op: &str, row_id: &str) -> bool {
        (self.event == "*" || self.event == op) && self.row_id.as_deref().is_none_or(|id| id == row_id)
    }
}

/// A joined topic on one socket.
#[derive(Debug, Clone)]
pub struct Channel {
    pub name: String,
    pub join_ref: String,
    /// `None` for a join made with the anon key: it can broadcast and track presence, but reads no rows.
    pub claims: Option<SessionClaims>,
    pub token: Option<String>,
    pub bindings: Vec<Binding>,
    /// Set by a postgres_changes system error: the channel stays joined but gets no more changes.
    pub changes_failed: bool,
    pub broadcast_self: bool,
    pub broadcast_ack: bool,
    pub presence_key: String,
}

/// The join's options, before the token is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinConfig {
    pub bindings: Vec<Binding>,
    pub broadcast_self: bool,
    pub broadcast_ack: bool,
    pub presence_key: Option<String>,
    pub presence_enabled: bool,
    pub access_token: Option<String>,
}

pub fn parse_join(payload: &Value) -> Result<JoinConfig, String> {
    let config = payload.get("config").unwrap_or(&Value::Null);
    let broadcast = config.get("broadcast").unwrap_or(&Value::Null);
    let presence = config.get("presence").unwrap_or(&Value::Null);
    let bindings = match config.get("postgres_changes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(parse_binding).collect::<Result<_, _>>()?,
        Some(_) => return Err(unable("postgres_changes must be a list")),
    };
    let presence_key = presence.get("key").and_then(Value::as_str).filter(|key| !key.is_empty()).map(str::to_owned);
    Ok(JoinConfig {
        bindings,
        broadcast_self: broadcast.get("self").and_then(Value::as_bool).unwrap_or(false),
        broadcast_ack: broadcast.get("ack").and_then(Value::as_bool).unwrap_or(false),
        presence_key,
        // Clients older than `presence.enabled` always got presence.
        presence_enabled: presence.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        access_token: payload.get("access_token").and_then(Value::as_str).map(str::to_owned),
    })
}

fn parse_binding(binding: &Value) -> Result<Binding, String> {
    let field = |key: &str| binding.get(key).and_then(Value::as_str);
    let event = field("event").unwrap_or("*");
    let schema = field("schema").unwrap_or("public");
    let table = field("table").unwrap_or("*");
    let filter = field("filter");
    let described =
        format!("[event: {event}, schema: {schema}, table: {table}, filters: [{}]]", filter.unwrap_or_default());
    if !matches!(event, "*" | "INSERT" | "UPDATE" | "DELETE") || schema != "public" || table != "video_dates" {
        return Err(unable(&described));
    }
    let row_id = match filter {
        None => None,
        Some(filter) => match filter.strip_prefix("id=eq.") {
            Some(id) if !id.is_empty() => Some(id.to_owned()),
            _ => return Err(unable(&described)),
        },
    };
    let id = phash(&[event, schema, table, filter.unwrap_or_default()]);
    let mut echo = binding.clone();
    echo["id"] = json!(id);
    Ok(Binding { id, event: event.to_owned(), row_id, echo })
}

fn unable(detail: &str) -> String {
    format!(
        "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given \
         connect parameters: {detail}"
    )
}

/// Stands in for `:erlang.phash2(params)`: an integer below 2^27, the same for the same binding on every join.
fn phash(parts: &[&str]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in parts.join("\u{1f}").bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    hash & ((1 << 27) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_realtime_js_join_parses_with_stable_ids() {
        let payload = json!({
            "config": {
                "broadcast": {"ack": true, "self": true},
                "presence": {"key": "", "enabled": true},
                "postgres_changes": [{"event": "UPDATE", "schema": "public", "table": "video_dates", "filter": "id=eq.42"}],
                "private": false
            },
            "access_token": "jwt"
        });
        let config = parse_join(&payload).unwrap();
        assert!(config.broadcast_self && config.broadcast_ack && config.presence_enabled);
        assert_eq!(config.presence_key, None);
        assert_eq!(config.access_token.as_deref(), Some("jwt"));
        let binding = &config.bindings[0];
        assert_eq!(binding.row_id.as_deref(), Some("42"));
        assert!(binding.wants("UPDATE", "42") && !binding.wants("UPDATE", "43") && !binding.wants("DELETE", "42"));
        assert!(binding.id < 1 << 27);
        assert_eq!(binding.echo["id"], json!(binding.id));
        assert_eq!(binding.echo["filter"], "id=eq.42");
        assert_eq!(parse_join(&payload).unwrap().bindings[0].id, binding.id);
    }

    #[test]
    fn other_tables_schemas_and_filters_are_refused() {
        for binding in [
            json!({"event": "UPDATE", "schema": "public", "table": "people", "filter": "id=eq.1"}),
            json!({"event": "UPDATE", "schema": "private", "table": "video_dates"}),
            json!({"event": "UPDATE", "schema": "public", "table": "video_dates", "filter": "status=eq.live"}),
            json!({"event": "UPDATE", "schema": "public", "table": "video_dates", "filter": "id=gt.1"}),
            json!({"event": "TRUNCATE", "schema": "public", "table": "video_dates"}),
        ] {
            let error = parse_join(&json!({"config": {"postgres_changes": [binding]}})).unwrap_err();
            assert!(error.starts_with("Unable to subscribe to changes with given parameters"), "{error}");
        }
    }

    #[test]
    fn an_empty_join_is_a_plain_channel() {
        let config = parse_join(&json!({})).unwrap();
        assert!(config.bindings.is_empty() && !config.broadcast_self && !config.broadcast_ack);
        assert_eq!(config.access_token, None);
    }
}
