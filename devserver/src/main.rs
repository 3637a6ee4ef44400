//! `devserver`: the local backend the app runs against on one machine. This file parses the flags and serves.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use devserver::{seed, Settings, Site};

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
    /// A realtime socket that sends nothing for this long is closed (Phoenix's default is 60 s).
    #[arg(long, default_value_t = 60)]
    realtime_idle_timeout: u64,
    /// Enables the fault-injection API at /__faults (tests only).
    #[arg(long)]
    faults: bool,
    /// Directory of the built app (Trunk's `dist/`); without it only the API is served.
    #[arg(long, env = "DEVSERVER_DIST")]
    dist: Option<PathBuf>,
    /// The bench's React page (built by `cargo xtask bench`), served under /react/.
    #[arg(long, env = "DEVSERVER_REACT_DIST")]
    react_dist: Option<PathBuf>,
    /// Anon key handed to the app and required on Supabase-style requests.
    #[arg(long, env = "SUPABASE_ANON_KEY", default_value = "dev-anon-key")]
    anon_key: String,
    /// Console log level of the app.
    #[arg(long, default_value = "info")]
    app_log_level: String,
    /// Another LiveKit URL the page may connect to (its Content-Security-Policy), for token answers whose
    /// `serverUrl` points elsewhere than --livekit-url, such as one node of a cluster; repeatable.
    #[arg(long = "connect-src")]
    extra_livekit_urls: Vec<String>,
    /// The database, as its superuser, with `supabase/shim.sql` and the migrations applied
    /// (`cargo xtask dev` starts one), e.g. `postgresql://postgres@/video_date?host=/tmp/pg&port=5432`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "devserver=info".into()),
        )
        .init();
    let args = Args::parse();
    let database = match args.database_url.parse::<tokio_postgres::Config>() {
        Ok(database) => database,
        Err(err) => {
            eprintln!("devserver: --database-url is not a Postgres URL: {err}");
            std::process::exit(2);
        }
    };
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
    let settings = Settings {
        livekit_url: args.livekit_url,
        livekit_key: args.livekit_key,
        livekit_secret: args.livekit_secret,
        jwt_secret: args.jwt_secret,
        anon_key: args.anon_key,
        session_ttl_secs: args.session_ttl,
        token_ttl_secs: args.token_ttl,
        realtime_idle_timeout: Duration::from_secs(args.realtime_idle_timeout),
        faults_enabled: args.faults,
        database,
    };
    let site = Site {
        base,
        dist: args.dist,
        react_dist: args.react_dist,
        app_log_level: args.app_log_level,
        extra_livekit_urls: args.extra_livekit_urls,
    };
    let app = match devserver::app(settings, &site).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("devserver: {err}. Is the database running, with supabase/shim.sql and the migrations applied?");
            std::process::exit(1);
        }
    };
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        eprintln!("devserver: {err}");
        std::process::exit(1);
    }
}

fn print_seed(base: &str) {
    println!("devserver: seeded people (password `{}`):", seed::PASSWORD);
    for user in seed::USERS {
        println!("  {:<20} id {}", user.email, user.id);
    }
    println!("devserver: seeded date between alice and bob: {base}/video-date/{}", seed::DATE_ID);
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    println!("devserver: shutting down");
}
