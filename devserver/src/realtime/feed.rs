//! Row changes from the database: one `LISTEN devserver_realtime` connection hears what the dev-only triggers
//! of `sql/realtime_notify.sql` send on commit, adds the table's column types (realtime-js casts values by
//! them) and hands each change to the hub. Which subscriber may hear of it is decided per subscriber by
//! [`read_as`], under that subscriber's role and claims, as Supabase Realtime's `apply_rls` does.

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

use super::Hub;
use crate::db::{quote_ident, Caller, Db, DbError};

/// One committed change, as the trigger announced it: the row is only named, never carried.
#[derive(Debug, Deserialize)]
pub struct RowChange {
    pub schema: String,
    pub table: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    #[serde(rename = "type")]
    pub op: String,
    /// The row's primary key (`id`), as text.
    pub id: String,
    pub commit_timestamp: String,
    /// `[{name, type}]` of the table, filled in before the hub gets the change.
    #[serde(default)]
    pub columns: Value,
}

/// Starts listening; returns once `LISTEN` is in place, so no change committed afterwards is missed.
pub async fn start(config: &Config, hub: Hub) -> Result<(), DbError> {
    let user = config.get_user().unwrap_or_default().to_owned();
    let (client, mut connection) =
        config.connect(NoTls).await.map_err(|source| DbError::Connect { user: user.clone(), source })?;
    let (sender, mut payloads) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    // The receiver lives as long as the hub's server does.
                    let _ = sender.send(notification.payload().to_owned());
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(%err, "the realtime feed's database connection failed; row changes stop");
                    break;
                }
            }
        }
    });
    client
        .batch_execute("listen devserver_realtime")
        .await
        .map_err(|source| DbError::Setup { what: "listening for row changes", source })?;
    tokio::spawn(async move {
        while let Some(payload) = payloads.recv().await {
            match change_with_columns(&client, &payload).await {
                Ok(change) => hub.row_changed(change),
                Err(err) => tracing::warn!(%err, "a row change could not be read"),
            }
        }
    });
    Ok(())
}

async fn change_with_columns(client: &Client, payload: &str) -> Result<RowChange, String> {
    let mut change: RowChange = serde_json::from_str(payload).map_err(|err| err.to_string())?;
    let row = client
        .query_one(
            "select coalesce(json_agg(json_build_object('name', a.attname, 'type', t.typname) order by a.attnum), \
             '[]'::json) from pg_attribute a join pg_type t on t.oid = a.atttypid \
             where a.attrelid = format('%I.%I', $1::text, $2::text)::regclass and a.attnum > 0 and not a.attisdropped",
            &[&change.schema, &change.table],
        )
        .await
        .map_err(|err| err.to_string())?;
    change.columns = row.try_get(0).map_err(|err| err.to_string())?;
    Ok(change)
}

/// The changed row as `caller` may see it now, or `None` when row-level security hides it (or the caller's
/// role may not read the table at all).
pub async fn read_as(db: &Db, caller: &Caller, change: &RowChange) -> Option<Value> {
    let sql = format!(
        "select to_jsonb(t) from {}.{} t where t.id::text = $1",
        quote_ident(&change.schema),
        quote_ident(&change.table)
    );
    let read = db
        .as_caller(caller, "GET", "/realtime", true, async |tx| {
            tx.query_opt(&sql, &[&change.id]).await?.map(|row| row.try_get::<_, Value>(0)).transpose()
        })
        .await;
    read.unwrap_or_else(|err| {
        tracing::debug!(%err, "a subscriber may not read a changed row");
        None
    })
}
