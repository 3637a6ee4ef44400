//! `devserver`: the local backend the app runs against on one machine, on a Postgres that has the project's
//! migrations. The binary (`main.rs`) parses flags and serves [`app`]; the integration tests serve the same
//! router on ephemeral ports, each on a database of its own.

mod auth;
mod db;
mod faults;
mod metrics_api;
mod realtime;
mod rest;
pub mod seed;
mod session;
mod state;
mod static_files;
mod token_api;

use std::path::PathBuf;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use crate::db::DbError;
use crate::state::AppState;
pub use crate::state::Settings;

/// What the app is told in `/config.json`, and where its files are.
#[derive(Debug, Clone)]
pub struct Site {
    /// Our own base URL (`http://host:port`): the token endpoint and Supabase URL handed to the app.
    pub base: String,
    /// Directory of the built app; without it only the API is served.
    pub dist: Option<PathBuf>,
    /// The bench's React page (`bench/react/`), served under `/react/` next to the app.
    pub react_dist: Option<PathBuf>,
    /// Console log level of the app.
    pub app_log_level: String,
    /// More LiveKit URLs the page may connect to: those the token endpoint hands out as `serverUrl`.
    pub extra_livekit_urls: Vec<String>,
}

/// Connects to the database (installing the seed and the realtime triggers), starts the realtime feed, and
/// returns the router.
pub async fn app(settings: Settings, site: &Site) -> Result<Router, DbError> {
    let base = &site.base;
    let app_config = serde_json::json!({
        "livekit_url": settings.livekit_url,
        "token_endpoint": format!("{base}/api/livekit-token"),
        "supabase_url": base,
        "supabase_anon_key": settings.anon_key,
        "log_level": site.app_log_level,
        "metrics_endpoint": format!("{base}/api/metrics"),
    });
    let connect_sources: Vec<String> =
        [settings.livekit_url.clone(), base.clone(), format!("{base}/api/livekit-token")]
            .into_iter()
            .chain(site.extra_livekit_urls.iter().cloned())
            .collect();
    let faults_enabled = settings.faults_enabled;
    let db = db::Db::open(&settings.database).await?;
    let state = AppState::new(settings, db);
    realtime::start_feed(state.db.admin_config(), state.realtime.clone()).await?;
    let supabase = Router::new()
        .route("/auth/v1/token", post(auth::token))
        .route("/auth/v1/user", get(auth::user))
        .route("/rest/v1/video_dates", get(rest::select).patch(rest::update))
        .route("/rest/v1/rpc/{function}", post(rest::rpc))
        .route("/realtime/v1/websocket", get(realtime::websocket))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_apikey));
    let mut router = Router::new()
        .route("/config.json", get(move || async move { static_files::no_cache(Json(app_config)) }))
        .route("/api/livekit-token", get(token_api::livekit_token))
        .route(
            "/api/metrics",
            post(metrics_api::report).layer(DefaultBodyLimit::max(metrics_api::MAX_BODY)),
        )
        .merge(supabase);
    if faults_enabled {
        router = router
            .route("/__faults", post(faults::add).delete(faults::clear).get(faults::report))
            .route("/__video_dates/{id}/reset", post(faults::reset_date))
            .route("/__slow/{ms}", get(faults::slow_not_found));
    }
    let mut router = router.with_state(state);
    if let Some(react) = &site.react_dist {
        router = router.nest_service("/react", static_files::router(react, &connect_sources));
    }
    if let Some(dist) = &site.dist {
        router = router.fallback_service(static_files::router(dist, &connect_sources));
    }
    Ok(router.layer(loopback_cors()))
}

/// Supabase's gateway refuses requests without the project's key; so do we.
async fn require_apikey(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let from_header = request.headers().get("apikey").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let from_query = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("apikey=")).map(str::to_owned));
    if from_header.or(from_query).as_deref() == Some(state.settings.anon_key.as_str()) {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"message": "No API key found in request"}))).into_response()
    }
}

/// The wasm test runner serves its page from another loopback port, so loopback origins may call us.
fn loopback_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| is_loopback_origin(origin.as_bytes())))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("apikey"),
            header::HeaderName::from_static("prefer"),
            header::HeaderName::from_static("x-client-info"),
            header::HeaderName::from_static("accept-profile"),
            header::HeaderName::from_static("content-profile"),
        ])
}

fn is_loopback_origin(origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else { return false };
    let host_port = origin.strip_prefix("http://").unwrap_or_default();
    let host = host_port.rsplit_once(':').map_or(host_port, |(host, _port)| host);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::is_loopback_origin;

    #[test]
    fn only_plain_http_loopback_origins_pass_cors() {
        for ok in ["http://127.0.0.1:8000", "http://localhost:3000", "http://[::1]:9", "http://127.0.0.1"] {
            assert!(is_loopback_origin(ok.as_bytes()), "{ok}");
        }
        for bad in ["https://evil.example", "http://127.0.0.1.evil.example:80", "null", "http://10.0.0.1:80"] {
            assert!(!is_loopback_origin(bad.as_bytes()), "{bad}");
        }
    }
}
