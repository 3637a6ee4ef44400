//! Helpers of the devserver integration tests: the real router served on an ephemeral loopback port on a
//! database of its own (a copy of the migrated template that `cargo xtask test` makes, named by
//! `VIDEO_DATE_TEST_DATABASE`), a real HTTP client and a real WebSocket client that decodes Supabase Realtime
//! frames on its own (not with the server's codec, so the codec is tested too).
// Each test file uses a different part of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use devserver::{seed, Settings, Site};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const ANON_KEY: &str = "test-anon-key";
/// Long enough for a loaded machine, short enough that a missing frame fails fast.
const FRAME_WAIT: Duration = Duration::from_secs(5);

pub struct Server {
    pub base: String,
    pub http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The migrated template database of this run, as its superuser.
pub fn template() -> tokio_postgres::Config {
    let url = std::env::var("VIDEO_DATE_TEST_DATABASE").expect(
        "VIDEO_DATE_TEST_DATABASE names the migrated template database; `cargo xtask test native` starts Postgres and sets it",
    );
    url.parse().expect("VIDEO_DATE_TEST_DATABASE is a Postgres URL")
}

/// A connection to `database` of the test cluster, driven on its own task.
pub async fn connect(database: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, connection) = database.connect(tokio_postgres::NoTls).await.expect("connect to the test Postgres");
    tokio::spawn(connection);
    client
}

/// A new, empty database on the test cluster (copied from `template`, or Postgres's own empty `template1`).
pub async fn create_database(template: Option<&str>) -> tokio_postgres::Config {
    let mut admin = self::template();
    admin.dbname("postgres");
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let from = template.unwrap_or("template1");
    connect(&admin).await.batch_execute(&format!("create database {name} template \"{from}\"")).await.expect("create a test database");
    admin.dbname(&name);
    admin
}

/// Settings with a database of the test's own, a copy of the migrated template.
pub async fn settings() -> Settings {
    let template = template();
    let database = create_database(template.get_dbname()).await;
    Settings {
        livekit_url: "ws://127.0.0.1:9".to_owned(),
        livekit_key: "devkey".to_owned(),
        livekit_secret: "test-livekit-secret-long-enough-for-hs256".to_owned(),
        jwt_secret: "test-jwt-secret".to_owned(),
        anon_key: ANON_KEY.to_owned(),
        session_ttl_secs: 3600,
        token_ttl_secs: 3600,
        realtime_idle_timeout: Duration::from_secs(60),
        faults_enabled: true,
        database,
    }
}

pub async fn start() -> Server {
    start_with(settings().await).await
}

pub async fn start_with(settings: Settings) -> Server {
    start_serving(settings, None, None).await
}

/// The router serving a built app from `dist` and, under `/react/`, the bench's page from `react_dist`.
pub async fn start_serving(settings: Settings, dist: Option<PathBuf>, react_dist: Option<PathBuf>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind an ephemeral port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let site = Site { base: base.clone(), dist, react_dist, app_log_level: "info".to_owned(), extra_livekit_urls: Vec::new() };
    let app = devserver::app(settings, &site).await.expect("the devserver starts on its database");
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    Server { base, http: reqwest::Client::new(), task }
}

impl Server {
    pub async fn login(&self, email: &str) -> String {
        let response = self
            .http
            .post(format!("{}/auth/v1/token?grant_type=password", self.base))
            .header("apikey", ANON_KEY)
            .json(&json!({"email": email, "password": seed::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn get_date(&self, token: &str, query: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/rest/v1/video_dates?{query}", self.base))
            .header("apikey", ANON_KEY)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `PATCH ?id=eq.<id>` with `Prefer: return=representation`.
    pub async fn patch_date(&self, token: &str, id: &str, body: Value) -> reqwest::Response {
        self.http
            .patch(format!("{}/rest/v1/video_dates?id=eq.{id}", self.base))
            .header("apikey", ANON_KEY)
            .header("prefer", "return=representation")
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// `POST /rest/v1/rpc/<function>` with a JSON body, as `token`'s user (or `anon` without one).
    pub async fn rpc(&self, token: Option<&str>, function: &str, body: Value) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/rest/v1/rpc/{function}", self.base))
            .header("apikey", ANON_KEY)
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// Changes the seeded date the way the app does, as `token`'s user; asserts the call was accepted.
    pub async fn call_on_date(&self, token: &str, function: &str) -> Value {
        let response = self.rpc(Some(token), function, json!({"date_id": seed::DATE_ID})).await;
        assert_eq!(response.status(), 200, "{function} accepted");
        response.json().await.unwrap()
    }

    /// The test fixture: the seeded date back to freshly scheduled, as the database's superuser.
    pub async fn reset_date(&self) -> Value {
        let response =
            self.http.post(format!("{}/__video_dates/{}/reset", self.base, seed::DATE_ID)).send().await.unwrap();
        assert_eq!(response.status(), 200, "the date reset");
        response.json().await.unwrap()
    }

    pub async fn fault(&self, body: Value) {
        let response = self.http.post(format!("{}/__faults", self.base)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 204, "fault {body} refused");
    }

    pub async fn clear_faults(&self) {
        let response = self.http.delete(format!("{}/__faults", self.base)).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }

    pub async fn fault_report(&self) -> Value {
        self.http.get(format!("{}/__faults", self.base)).send().await.unwrap().json().await.unwrap()
    }

    pub fn ws_url(&self, vsn: &str) -> String {
        format!("{}/realtime/v1/websocket?apikey={ANON_KEY}&vsn={vsn}", self.base.replacen("http", "ws", 1))
    }

    pub async fn ws(&self, vsn: &str) -> Ws {
        let (stream, _) = tokio_tungstenite::connect_async(self.ws_url(vsn)).await.expect("websocket upgrade");
        Ws { stream, v2: vsn == "2.0.0", next_ref: 0 }
    }

    /// Waits until the server counts `sockets` open sockets (a socket ends asynchronously).
    pub async fn wait_for_sockets(&self, sockets: u64) {
        for _ in 0..100 {
            if self.fault_report().await["realtime_sockets"] == sockets {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the server never counted {sockets} open sockets: {}", self.fault_report().await);
    }
}

/// One decoded server frame. `has_join_ref` tells a V1 frame that carried the key from one that did not.
#[derive(Debug, Clone)]
pub struct Frame {
    pub join_ref: Option<String>,
    pub reference: Option<String>,
    pub topic: String,
    pub event: String,
    pub payload: Value,
    pub has_join_ref: bool,
}

/// How a socket ended, seen from the client.
#[derive(Debug, PartialEq)]
pub enum Ended {
    CloseFrame(u16),
    /// The connection went away without a close frame (a browser reports 1006).
    NoCloseFrame,
}

pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    v2: bool,
    next_ref: u64,
}

impl Ws {
    pub async fn send_raw(&mut self, text: String) {
        self.stream.send(WsMessage::Text(text.into())).await.expect("send a frame");
    }

    /// Sends a push and returns its ref.
    pub async fn push(&mut self, join_ref: Option<&str>, topic: &str, event: &str, payload: Value) -> String {
        self.next_ref += 1;
        let reference = self.next_ref.to_string();
        let text = if self.v2 {
            json!([join_ref, reference, topic, event, payload]).to_string()
        } else {
            json!({"topic": topic, "event": event, "payload": payload, "ref": reference, "join_ref": join_ref})
                .to_string()
        };
        self.send_raw(text).await;
        reference
    }

    /// Sends a `phx_join` whose ref is its join ref, as realtime-js does, and returns that join ref.
    pub async fn send_join(&mut self, topic: &str, payload: Value) -> String {
        let join_ref = (self.next_ref + 1).to_string();
        self.push(Some(&join_ref), topic, "phx_join", payload).await
    }

    /// Joins and checks the ok reply; returns the join ref and the reply's response.
    pub async fn join_ok(&mut self, topic: &str, payload: Value) -> (String, Value) {
        let join_ref = self.send_join(topic, payload).await;
        let reply = self.expect("phx_reply").await;
        assert_eq!(reply.reference.as_deref(), Some(join_ref.as_str()));
        assert_eq!(reply.payload["status"], "ok", "join refused: {:?}", reply.payload);
        (join_ref, reply.payload["response"].clone())
    }

    /// Joins and expects an error reply; returns its reason.
    pub async fn join_error(&mut self, topic: &str, payload: Value) -> String {
        self.send_join(topic, payload).await;
        let reply = self.expect("phx_reply").await;
        assert_eq!(reply.payload["status"], "error", "join should fail: {:?}", reply.payload);
        reply.payload["response"]["reason"].as_str().unwrap().to_owned()
    }

    pub async fn heartbeat(&mut self) -> String {
        self.push(None, "phoenix", "heartbeat", json!({})).await
    }

    pub async fn next(&mut self) -> Frame {
        loop {
            let message = tokio::time::timeout(FRAME_WAIT, self.stream.next())
                .await
                .expect("no frame from the server in time")
                .expect("the socket ended")
                .expect("a websocket error");
            match message {
                WsMessage::Text(text) => return self.decode(&text),
                WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    pub async fn expect(&mut self, event: &str) -> Frame {
        let frame = self.next().await;
        assert_eq!(frame.event, event, "unexpected frame {frame:?}");
        frame
    }

    /// Asserts that nothing arrives for `ms` milliseconds.
    pub async fn silent(&mut self, ms: u64) {
        if let Ok(Some(message)) = tokio::time::timeout(Duration::from_millis(ms), self.stream.next()).await {
            panic!("expected silence, got {message:?}");
        }
    }

    /// Reads until the socket ends, and says how.
    pub async fn ended(&mut self) -> Ended {
        loop {
            match tokio::time::timeout(FRAME_WAIT, self.stream.next()).await.expect("the socket did not end in time") {
                Some(Ok(WsMessage::Close(Some(frame)))) => return Ended::CloseFrame(frame.code.into()),
                Some(Ok(WsMessage::Close(None))) => return Ended::CloseFrame(1005),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Ended::NoCloseFrame,
            }
        }
    }

    fn decode(&self, text: &str) -> Frame {
        let value: Value = serde_json::from_str(text).expect("a JSON frame");
        let text_of = |value: &Value| value.as_str().map(str::to_owned);
        if self.v2 {
            let items = value.as_array().expect("a vsn 2.0.0 frame is an array");
            assert_eq!(items.len(), 5, "{text}");
            Frame {
                join_ref: text_of(&items[0]),
                reference: text_of(&items[1]),
                topic: text_of(&items[2]).unwrap(),
                event: text_of(&items[3]).unwrap(),
                payload: items[4].clone(),
                has_join_ref: true,
            }
        } else {
            let object = value.as_object().expect("a vsn 1.0.0 frame is an object");
            Frame {
                join_ref: object.get("join_ref").and_then(text_of),
                reference: text_of(&object["ref"]),
                topic: text_of(&object["topic"]).unwrap(),
                event: text_of(&object["event"]).unwrap(),
                payload: object["payload"].clone(),
                has_join_ref: object.contains_key("join_ref"),
            }
        }
    }
}

/// A realtime-js style join of the seeded date's row changes.
pub fn date_join(token: Option<&str>, date_id: &str) -> Value {
    json!({
        "config": {
            "broadcast": {"ack": false, "self": false},
            "presence": {"key": "", "enabled": false},
            "postgres_changes": [{"event": "UPDATE", "schema": "public", "table": "video_dates", "filter": format!("id=eq.{date_id}")}],
            "private": false
        },
        "access_token": token,
    })
}

/// Joins the date channel and reads the ok reply and the "Subscribed to PostgreSQL" system message.
pub async fn subscribe_to_date(ws: &mut Ws, topic: &str, token: Option<&str>) -> String {
    let (join_ref, _) = ws.join_ok(topic, date_join(token, seed::DATE_ID)).await;
    let system = ws.expect("system").await;
    assert_eq!(system.payload["message"], "Subscribed to PostgreSQL");
    join_ref
}

pub const BOTH_VSN: [&str; 2] = ["1.0.0", "2.0.0"];
