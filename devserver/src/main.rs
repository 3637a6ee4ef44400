//! `devserver`: the local backend the app runs against on one machine.

mod auth;
mod faults;
mod seed;
mod session;
mod state;
mod token_api;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::state::{AppState, Settings};

#[derive(Parser, Debug, Clone)]
#[command(about = "Local backend for video-date (dev and tests only)")]
struct Args {
    /// Address to listen on; keep it on loopback.
    #[arg(long, env = "DEVSERVER_ADDR", default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// LiveKit server URL handed to the app.
    #[arg(long, env = "LIVEKIT_URL", default_value = "ws://127.0.0.1:7880")]
    livekit_url: String,
    /// API key livekit-server was started with.
    #[arg(long, env = "LIVEKIT_API_KEY", default_value = "devkey")]
    livekit_key: String,
    /// Its secret; tokens are signed with it.
    #[arg(long, env = "LIVEKIT_API_SECRET", hide_env_values = true)]
    livekit_secret: String,
    /// Signs the dev sessions (Supabase's JWT secret).
    #[arg(long, env = "DEVSERVER_JWT_SECRET", hide_env_values = true, default_value = "dev-jwt-secret-for-local-sessions-only")]
    jwt_secret: String,
    /// Lifetime of a session's access token, in seconds.
    #[arg(long, default_value_t = 3600)]
    session_ttl: u64,
    /// Lifetime of a LiveKit token, in seconds (LiveKit's SDKs default to 6 h).
    #[arg(long, default_value_t = 6 * 3600)]
    token_ttl: u64,
    /// Enables the fault-injection API at /__faults (tests only).
    #[arg(long)]
    faults: bool,
    /// Directory of the built app (Trunk's `dist/`); without it only the API is served.
    #[arg(long, env = "DEVSERVER_DIST")]
    dist: Option<PathBuf>,
    /// Anon key handed to the app and required on Supabase-style requests.
    #[arg(long, env = "SUPABASE_ANON_KEY", default_value = "dev-anon-key")]
    anon_key: String,
    /// Console log level of the app.
    #[arg(long, default_value = "info")]
    app_log_level: String,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "devserver=info".into()),
        )
        .init();
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("devserver: cannot listen on {}: {err}", args.addr);
            std::process::exit(1);
        }
    };
    let base = format!("http://{}", args.addr);
    println!("devserver: listening on {base}");
    match &args.dist {
        Some(dist) => println!("devserver: serving the app from {} at {base}/", dist.display()),
        None => println!("devserver: no --dist given, serving the API only"),
    }
    print_seed(&base);
    let app = router(&args, &base);
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        eprintln!("devserver: {err}");
        std::process::exit(1);
    }
}

fn router(args: &Args, base: &str) -> Router {
    let app_config = serde_json::json!({
        "livekit_url": args.livekit_url,
        "token_endpoint": format!("{base}/api/livekit-token"),
        "supabase_url": base,
        "supabase_anon_key": args.anon_key,
        "log_level": args.app_log_level,
    });
    let state = AppState::new(Settings {
        livekit_url: args.livekit_url.clone(),
        livekit_key: args.livekit_key.clone(),
        livekit_secret: args.livekit_secret.clone(),
        jwt_secret: args.jwt_secret.clone(),
        anon_key: args.anon_key.clone(),
        session_ttl_secs: args.session_ttl,
        token_ttl_secs: args.token_ttl,
        faults_enabled: args.faults,
    });
    let supabase = Router::new()
        .route("/auth/v1/token", post(auth::token))
        .route("/auth/v1/user", get(auth::user))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_apikey));
    let mut router = Router::new()
        .route("/config.json", get(move || async move { Json(app_config) }))
        .route("/api/livekit-token", get(token_api::livekit_token))
        .merge(supabase);
    if args.faults {
        router = router.route("/__faults", post(faults::add).delete(faults::clear).get(faults::report));
    }
    let mut router = router.with_state(state);
    if let Some(dist) = &args.dist {
        // A client-side route such as /video-date/42 is answered with the app itself.
        let spa = ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")));
        router = router.fallback_service(spa);
    }
    router.layer(loopback_cors())
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

fn print_seed(base: &str) {
    println!("devserver: seeded people (password `{}`):", seed::PASSWORD);
    for user in seed::USERS {
        println!("  {:<20} id {}", user.email, user.id);
    }
    println!("devserver: seeded date between alice and bob: {base}/video-date/{}", seed::DATE_ID);
}

/// The wasm test runner serves its page from another loopback port, so loopback origins may call us.
fn loopback_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| is_loopback_origin(origin.as_bytes())))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("apikey"),
            header::HeaderName::from_static("prefer"),
            header::HeaderName::from_static("x-client-info"),
        ])
}

fn is_loopback_origin(origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else { return false };
    let host_port = origin.strip_prefix("http://").unwrap_or_default();
    let host = host_port.rsplit_once(':').map_or(host_port, |(host, _port)| host);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    println!("devserver: shutting down");
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
