//! Where things live: the clone, and the cache outside it that survives fresh clones.

use std::path::{Path, PathBuf};

/// The repository root, read at run time: `cargo run`/`cargo test` set `CARGO_MANIFEST_DIR` to the crate
/// being run (`<root>/xtask` or `<root>/e2e`). Not `env!`: cargo reuses compiled units across clones that
/// share a target directory, and a path baked in at compile time would point into an older clone.
pub fn repo_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .and_then(|crate_dir| crate_dir.parent().map(Path::to_path_buf))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

/// Tool installs, cargo's target directory and Go's caches: `$VIDEO_DATE_CACHE`, else `~/.cache/video-date`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VIDEO_DATE_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache").join("video-date")
}

/// `cargo install --root` and `GOBIN` point here; its `bin/` goes first on every child's PATH.
pub fn tools_dir() -> PathBuf {
    cache_dir().join("tools")
}

pub fn tools_bin() -> PathBuf {
    tools_dir().join("bin")
}

/// Cargo's target directory for this clone: one per clone path under the cache. Cargo names the outputs of
/// workspace crates the same in every clone and judges freshness by the sources its last build read, so two
/// clones sharing one directory can link one clone's library into the other's tests (wasm-bindgen then refuses
/// the two `package.json` paths). Registry crates are rebuilt per clone path; a CI that clones to the same
/// place each time keeps its cache.
pub fn target_dir() -> PathBuf {
    let clone: String = repo_root()
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    cache_dir().join("target").join(clone.trim_matches('_'))
}

pub fn livekit_server_bin() -> PathBuf {
    tools_bin().join("livekit-server")
}

pub fn toxiproxy_bin() -> PathBuf {
    tools_bin().join("toxiproxy-server")
}

pub fn devserver_bin() -> PathBuf {
    target_dir().join("debug").join("devserver")
}

pub fn node_bin() -> PathBuf {
    repo_root().join("node_modules").join(".bin")
}

/// The release build Trunk writes and the e2e suite serves.
pub fn dist_dir() -> PathBuf {
    repo_root().join("dist")
}

/// The bench's React page: its sources and npm packages.
pub fn react_page_dir() -> PathBuf {
    repo_root().join("bench").join("react")
}

/// Where the bench builds the React page, which the devserver serves under `/react/`.
pub fn react_page_dist() -> PathBuf {
    react_page_dir().join("dist")
}

/// Server logs, screenshots and console logs of a test run (ignored by git).
pub fn artifacts_dir() -> PathBuf {
    repo_root().join("artifacts")
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Firefox ESR; `webdriver*.json` name it as `moz:firefoxOptions.binary` (geckodriver looks for `firefox`).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
/// Debian's `redis-server` and `haproxy`, for the LiveKit cluster (`crate::cluster`).
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
pub const HAPROXY: &str = "/usr/sbin/haproxy";

/// PATH for children: our tools, then node_modules/.bin, then the caller's PATH.
pub fn child_path() -> std::ffi::OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = [tools_bin(), node_bin()]
        .into_iter()
        .chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).unwrap_or(inherited)
}
