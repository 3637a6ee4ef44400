//! The devserver's Postgres: an admin connection (the cluster's superuser, as GoTrue and the token backend
//! would have their own privileged roles) and a small pool of `authenticator` connections that run each API
//! request as the caller, as PostgREST does (`supabase/migrations/` holds the only rules).
//!
//! At start-up the devserver installs its dev-only realtime triggers (`sql/realtime_notify.sql`) and the seed.

use std::sync::{Arc, Mutex};

use tokio_postgres::{Client, Config, NoTls, Transaction};

use crate::seed;
use crate::session::SessionClaims;

/// A failure to reach or set up the database, worded for the person starting the devserver.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to Postgres as {user}: {source}")]
    Connect { user: String, source: tokio_postgres::Error },
    #[error("{what}: {source}")]
    Setup { what: &'static str, source: tokio_postgres::Error },
}

/// Who a request runs as: PostgREST's `role` and `request.jwt.claims` settings.
#[derive(Debug, Clone)]
pub struct Caller {
    pub role: String,
    /// The verified session's claims, or `{"role": "anon"}` without one.
    pub claims: serde_json::Value,
}

impl Caller {
    pub fn anon() -> Self {
        Caller { role: "anon".to_owned(), claims: serde_json::json!({"role": "anon"}) }
    }

    /// A verified session: its `role` claim is the role the request runs as.
    pub fn from_session(claims: &SessionClaims) -> Self {
        Caller { role: claims.role.clone(), claims: serde_json::to_value(claims).unwrap_or_default() }
    }

    pub fn is_anon(&self) -> bool {
        self.role == "anon"
    }
}

#[derive(Clone)]
pub struct Db {
    admin: Arc<Client>,
    admin_config: Config,
    api: Config,
    idle: Arc<Mutex<Vec<Client>>>,
}

/// Connects and drives the connection on its own task; the client fails its calls once the connection ends.
async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::warn!(%err, "a Postgres connection ended");
        }
    });
    Ok(client)
}

fn user_of(config: &Config) -> String {
    config.get_user().unwrap_or("(default user)").to_owned()
}

impl Db {
    /// Connects as `admin` (a superuser URL), installs the realtime triggers and the seed.
    pub async fn open(admin: &Config) -> Result<Db, DbError> {
        let client = connect(admin).await.map_err(|source| DbError::Connect { user: user_of(admin), source })?;
        client
            .batch_execute(include_str!("../sql/realtime_notify.sql"))
            .await
            .map_err(|source| DbError::Setup { what: "installing sql/realtime_notify.sql", source })?;
        seed::insert(&client).await.map_err(|source| DbError::Setup { what: "inserting the seed", source })?;
        let mut api = admin.clone();
        api.user("authenticator");
        Ok(Db { admin: Arc::new(client), admin_config: admin.clone(), api, idle: Arc::default() })
    }

    /// The superuser connection: GoTrue's users, the test fixtures, the LISTEN set-up.
    pub fn admin(&self) -> &Client {
        &self.admin
    }

    /// A second admin connection of its own, for `LISTEN` (notifications arrive on the connection's stream).
    pub fn admin_config(&self) -> &Config {
        &self.admin_config
    }

    /// Runs `work` in one transaction as `caller`, on an `authenticator` connection, as PostgREST runs a request:
    /// the settings first (`set_config(…, true)` is `SET LOCAL`), then the work; any error rolls it all back.
    pub async fn as_caller<T>(
        &self,
        caller: &Caller,
        method: &str,
        path: &str,
        read_only: bool,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, tokio_postgres::Error> {
        let mut client = self.take().await?;
        let result = async {
            let tx = client.build_transaction().read_only(read_only).start().await?;
            let claims = caller.claims.to_string();
            tx.execute(
                "select set_config('search_path', 'public, extensions', true), set_config('role', $1, true), \
                 set_config('request.jwt.claims', $2, true), set_config('request.method', $3, true), \
                 set_config('request.path', $4, true)",
                &[&caller.role, &claims, &method, &path],
            )
            .await?;
            let value = work(&tx).await?;
            tx.commit().await?;
            Ok(value)
        }
        .await;
        self.give_back(client);
        result
    }

    async fn take(&self) -> Result<Client, tokio_postgres::Error> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(client) if !client.is_closed() => Ok(client),
            _ => connect(&self.api).await,
        }
    }

    fn give_back(&self, client: Client) {
        if !client.is_closed() {
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(client);
        }
    }
}

/// An identifier as Postgres quotes it, so a name that came from a request or a notification is only ever a name.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote_ident;

    #[test]
    fn names_are_quoted_identifiers() {
        assert_eq!(quote_ident("status"), "\"status\"");
        assert_eq!(quote_ident("a\"; drop table x; --"), "\"a\"\"; drop table x; --\"");
    }
}
