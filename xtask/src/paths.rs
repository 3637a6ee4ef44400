//! Where things live: the clone, and the cache outside it that survives fresh clones.

use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `<root>/xtask`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
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

pub fn target_dir() -> PathBuf {
    cache_dir().join("target")
}

pub fn livekit_server_bin() -> PathBuf {
    tools_bin().join("livekit-server")
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

/// Server logs, screenshots and console logs of a test run (ignored by git).
pub fn artifacts_dir() -> PathBuf {
    repo_root().join("artifacts")
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// PATH for children: our tools, then node_modules/.bin, then the caller's PATH.
pub fn child_path() -> std::ffi::OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = [tools_bin(), node_bin()]
        .into_iter()
        .chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).unwrap_or(inherited)
}
