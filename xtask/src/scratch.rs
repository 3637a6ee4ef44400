//! Disk the runs leave behind: a temporary directory per run, and target directories of clones gone quiet.
//!
//! ChromeDriver puts a ~66 MB browser profile in `$TMPDIR` per session and wasm-bindgen-test-runner ends its
//! sessions by closing the window and killing the driver, which leaves the profile behind; a run that is killed
//! also leaves the runner's own temporary files. Run after run, `/tmp` filled the CI machine's disk. So every
//! child of a run gets its own `$TMPDIR`, removed when the run ends (or by the next run, if this one was killed
//! or stopped with Ctrl-C).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::paths;
use crate::process::{step_error, StepError};

/// The `$TMPDIR` of this run and all its children; removed on drop.
pub struct RunScratch {
    dir: PathBuf,
}

impl RunScratch {
    /// Creates `<temp dir>/video-date-runs/<pid>` and points `TMPDIR` at it, after removing the directories of
    /// runs that are no longer alive. Short on purpose: Chromium's singleton socket lives under `$TMPDIR` and a
    /// Unix socket path may not exceed 107 bytes. Call before starting any child, while the process has one thread.
    pub fn enter() -> Result<Self, StepError> {
        let root = std::env::temp_dir().join("video-date-runs");
        remove_abandoned_runs(&root);
        let dir = root.join(std::process::id().to_string());
        std::fs::create_dir_all(&dir)
            .map_err(|err| step_error("scratch", format!("cannot create {}: {err}", dir.display())))?;
        std::env::set_var("TMPDIR", &dir);
        let _ = RUN_DIR.set(dir.clone());
        Ok(RunScratch { dir })
    }
}

/// This run's directory, once [`RunScratch::enter`] made it (`TMPDIR` then points inside it).
static RUN_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Removes this run's directory; for exits that skip destructors (a stop signal, see `crate::supervise`).
pub fn remove_own() {
    if let Some(dir) = RUN_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

impl Drop for RunScratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn remove_abandoned_runs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let alive = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
            .is_some_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A clone's target directory nobody built in for this long is removed by the next run of any clone. Each clone
/// path has its own (see [`paths::target_dir`]), several GB each, and a clone that is deleted never cleans up.
/// Only directories carrying the stamp a run leaves are judged: one without it cannot be dated, so it stays.
pub const STALE_TARGET_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

const LAST_USED: &str = ".video-date-last-used";

/// Marks this clone's target directory as used now and removes other clones' that went stale.
pub fn prune_stale_target_dirs() {
    let own = paths::target_dir();
    let targets = paths::cache_dir().join("target");
    // A clone path with nothing to name it by would make `own` the parent itself.
    if own.parent() != Some(targets.as_path()) {
        return;
    }
    if std::fs::create_dir_all(&own).is_ok() {
        let _ = std::fs::write(own.join(LAST_USED), b"");
    }
    let Ok(entries) = std::fs::read_dir(&targets) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        if path == own || !path.is_dir() {
            continue;
        }
        if is_stale(last_used(&path), now) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn last_used(target_dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(target_dir.join(LAST_USED)).and_then(|meta| meta.modified()).ok()
}

fn is_stale(last_used: Option<SystemTime>, now: SystemTime) -> bool {
    last_used.and_then(|at| now.duration_since(at).ok()).is_some_and(|idle| idle > STALE_TARGET_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_idle_target_dirs_are_stale() {
        let now = SystemTime::now();
        let day = Duration::from_secs(24 * 60 * 60);
        assert!(is_stale(Some(now - 8 * day), now));
        assert!(!is_stale(Some(now - 6 * day), now));
        // A stamp from the future (clock moved back) or an unreadable one never deletes anything.
        assert!(!is_stale(Some(now + day), now));
        assert!(!is_stale(None, now));
    }

    #[test]
    fn a_run_scratch_is_removed_when_its_process_is_gone() {
        let root = std::env::temp_dir().join(format!("video-date-scratch-test-{}", std::process::id()));
        let ours = root.join(std::process::id().to_string());
        // Pids are below 2^22 on Linux, so this one cannot be alive.
        let dead = root.join("4294967295");
        let not_a_pid = root.join("leftover");
        for dir in [&ours, &dead, &not_a_pid] {
            std::fs::create_dir_all(dir).unwrap();
        }
        remove_abandoned_runs(&root);
        assert!(ours.exists());
        assert!(!dead.exists());
        assert!(!not_a_pid.exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
