//! `devserver`: the local backend the app runs against on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{header, HeaderValue, Method};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

#[derive(Parser, Debug, Clone)]
#[command(about = "Local backend for video-date (dev and tests only)")]
struct Args {
    /// Address to listen on; keep it on loopback.
    #[arg(long, env = "DEVSERVER_ADDR", default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// LiveKit server URL handed to the app.
    #[arg(long, env = "LIVEKIT_URL", default_value = "ws://127.0.0.1:7880")]
    livekit_url: String,
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
    let mut router = Router::new().route("/config.json", get(move || async move { Json(app_config) }));
    if let Some(dist) = &args.dist {
        // A client-side route such as /video-date/42 is answered with the app itself.
        let spa = ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")));
        router = router.fallback_service(spa);
    }
    router.layer(loopback_cors())
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
