//! `cargo xtask bench`: what a first load costs, how fast the page starts and joins, and what unmounting
//! leaves behind, as one markdown report printed and written to `BENCHMARKS.md`. Nothing here is asserted; the figures are for reading.

mod leaks;
mod profiles;
mod report;
pub mod timing;
mod transfer;

use std::path::Path;

use crate::build::{build_app, build_devserver, Profile, SHIPPED_WASM};
use crate::process::{output_of, step_error, StepError};
use crate::{paths, setup};

pub fn run() -> Result<(), StepError> {
    setup::run_all()?;
    build_app(Profile::Release)?;
    let transfer = transfer::measure(&paths::dist_dir())?;
    let profiles = profiles::measure()?;
    build_devserver()?;
    // A broken browser run still leaves the size figures worth writing down; the command fails afterwards.
    let timings = timing::measure();
    let leaks = leaks::measure();
    let markdown = [
        machine_header(),
        transfer::section(&transfer),
        profiles::section(&profiles),
        timing::section(&timings),
        leaks::section(&leaks),
    ]
    .concat();
    println!("\n{markdown}");
    let file = paths::repo_root().join("BENCHMARKS.md");
    // The cluster's recovery times come from the `e2e-cluster` suite, not from here: keep that section.
    let kept = std::fs::read_to_string(&file).ok().and_then(|old| {
        old.find(CLUSTER_SECTION).map(|at| format!("\n{}", &old[at..]))
    });
    let markdown = markdown + kept.as_deref().unwrap_or_default();
    std::fs::write(&file, &markdown)
        .map_err(|err| step_error("bench", format!("cannot write {}: {err}", file.display())))?;
    println!("wrote {}", file.display());
    timings.and(leaks).map(|_| ())
}

/// The heading of BENCHMARKS.md's section the bench does not write (the LiveKit cluster's recovery times).
const CLUSTER_SECTION: &str = "## LiveKit cluster";

/// When and where the figures were taken, since every one of them depends on the machine.
fn machine_header() -> String {
    let ask = |program: &str, args: &[&str]| output_of(Path::new(program), args).unwrap_or_else(|| "unknown".into());
    let cpus = std::thread::available_parallelism().map_or_else(|_| "unknown".into(), |n| n.to_string());
    format!(
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` on {date} UTC; machine `{uname}`, {cpus} CPUs, `{rustc}` \
         (the release wasm: `{release_rustc}`).\n\
         Sizes are in KB of 1,000 bytes; gzip is `gzip -9`.\n",
        date = ask("date", &["-u", "+%Y-%m-%d %H:%M"]),
        uname = ask("uname", &["-srm"]),
        rustc = ask("rustc", &["--version"]),
        release_rustc = ask("rustup", &["run", SHIPPED_WASM.toolchain, "rustc", "--version"]),
    )
}
