//! Leak figures from the app's own leak test (`tests/unmount.rs`): it mounts and unmounts the page 100 times
//! in headless Chromium, asserts that nothing is left running, and prints one [`Checkpoint`] line after 1, 10
//! and 100 cycles. This side runs it against a stack of its own and reports the lines as a table.

use std::process::Stdio;

use super::report::table;
use crate::engine::{Engine, Permissions};
use crate::paths;
use crate::process::{describe, step_error, StepError};
use crate::stack::{Stack, StackOptions, BENCH_PORTS};

const LINE_PREFIX: &str = "leak\t";

/// What was still alive after `cycles` mounts and unmounts. The line format is `tests/unmount.rs`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub cycles: u32,
    /// `performance.memory.usedJSHeapSize` after a forced full collection.
    pub js_heap_bytes: u64,
    /// The size of the wasm linear memory (it only ever grows, so a Rust-side leak shows as growth).
    pub wasm_memory_bytes: u64,
    /// JS objects the wasm holds (wasm-bindgen's live externrefs); a Rust leak of a JS handle shows here.
    pub js_objects_held: u32,
    pub live_tracks: u32,
    pub open_sockets: u32,
    pub open_peer_connections: u32,
    pub active_intervals: u32,
    /// setTimeouts not yet fired or cleared, the SDK's own included; not asserted (they end by themselves).
    pub pending_timeouts: u32,
}

impl Checkpoint {
    /// `leak<TAB>cycles<TAB>heap<TAB>wasm<TAB>held<TAB>tracks<TAB>sockets<TAB>peers<TAB>intervals<TAB>timeouts`.
    pub fn from_line(line: &str) -> Option<Checkpoint> {
        let fields: Vec<&str> = line.strip_prefix(LINE_PREFIX)?.trim_end().split('\t').collect();
        let [cycles, heap, wasm, held, tracks, sockets, peers, intervals, timeouts] = fields[..] else {
            return None;
        };
        Some(Checkpoint {
            cycles: cycles.parse().ok()?,
            js_heap_bytes: heap.parse().ok()?,
            wasm_memory_bytes: wasm.parse().ok()?,
            js_objects_held: held.parse().ok()?,
            live_tracks: tracks.parse().ok()?,
            open_sockets: sockets.parse().ok()?,
            open_peer_connections: peers.parse().ok()?,
            active_intervals: intervals.parse().ok()?,
            pending_timeouts: timeouts.parse().ok()?,
        })
    }
}

/// Starts a stack on [`BENCH_PORTS`] (after the browser timings have released them) and runs the leak test.
/// A failing test is reported with whatever checkpoints it printed before failing.
pub fn measure() -> Result<Vec<Checkpoint>, StepError> {
    let stack = Stack::start(StackOptions {
        ports: BENCH_PORTS,
        dist: None,
        faults: true,
        webdrivers: &[],
        log_dir: Some(paths::artifacts_dir().join("logs").join("bench-leaks")),
    })?;
    // Chromium only: its JS heap figure (`performance.memory`) has no Firefox counterpart.
    let mut test = stack.browser_tests(Engine::Chromium, Permissions::Granted);
    test.args(["--test", "unmount", "--", "--nocapture"]).stdout(Stdio::piped());
    println!("==> bench leaks: {}", describe(&test));
    let output = test
        .output()
        .map_err(|err| step_error("bench-leaks", format!("could not start `{}`: {err}", describe(&test))))?;
    let checkpoints: Vec<Checkpoint> =
        String::from_utf8_lossy(&output.stdout).lines().filter_map(Checkpoint::from_line).collect();
    match (output.status.success(), checkpoints.is_empty()) {
        (true, false) => Ok(checkpoints),
        (true, true) => Err(step_error("bench-leaks", format!("`{}` printed no leak line", describe(&test)))),
        (false, _) => Err(step_error(
            "bench-leaks",
            format!("`{}` failed ({}); it printed {} checkpoint(s)", describe(&test), output.status, checkpoints.len()),
        )),
    }
}

pub const TITLE: &str = "Leaks: mount and unmount the page 100 times (headless Chromium, local stack)";

pub fn section(checkpoints: &Result<Vec<Checkpoint>, StepError>) -> String {
    let heading = format!("\n## {TITLE}\n\n");
    let checkpoints = match checkpoints {
        Ok(checkpoints) => checkpoints,
        Err(err) => return format!("{heading}Not measured: {err}\n"),
    };
    let mb = |bytes: u64| format!("{:.2}", bytes as f64 / 1_000_000.0);
    let rows: Vec<Vec<String>> = checkpoints
        .iter()
        .map(|c| {
            vec![
                c.cycles.to_string(),
                mb(c.js_heap_bytes),
                mb(c.wasm_memory_bytes),
                c.js_objects_held.to_string(),
                c.live_tracks.to_string(),
                c.open_sockets.to_string(),
                c.open_peer_connections.to_string(),
                c.active_intervals.to_string(),
                c.pending_timeouts.to_string(),
            ]
        })
        .collect();
    format!(
        "{heading}`tests/unmount.rs` (test build) cycles through six states (loading, pre-join with \
         livekit-client still loading, asking for devices, pre-join, connecting, connected with a live call) and \
         unmounts in each. The counts are asserted to be \
         zero, and the JS objects the wasm holds must not grow from 10 to 100 cycles; the memory \
         is for reading. JS heap is measured after a forced full collection.\n\n{}",
        table(
            &[
                "cycles",
                "JS heap MB",
                "wasm memory MB",
                "JS objects held by the wasm",
                "live tracks",
                "open sockets",
                "peer connections",
                "intervals",
                "pending timeouts",
            ],
            &rows
        )
    )
}

#[cfg(test)]
mod tests {
    use super::Checkpoint;

    #[test]
    fn a_checkpoint_comes_from_its_line() {
        let line = "leak\t100\t6630405\t1441792\t20\t0\t1\t0\t0\t2";
        let checkpoint = Checkpoint::from_line(line).expect("a leak line");
        assert_eq!((checkpoint.cycles, checkpoint.js_heap_bytes, checkpoint.open_sockets), (100, 6_630_405, 1));
        assert_eq!((checkpoint.js_objects_held, checkpoint.pending_timeouts), (20, 2));
    }

    #[test]
    fn other_lines_and_short_lines_are_not_checkpoints() {
        assert_eq!(Checkpoint::from_line("connection state changed: connected -> disconnected"), None);
        assert_eq!(Checkpoint::from_line("leak\t1\t2\t3"), None);
        assert_eq!(Checkpoint::from_line("leak\tmany\t2\t3\t4\t0\t0\t0\t0\t0"), None);
    }
}
