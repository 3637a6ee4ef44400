//! `cargo xtask bench`: what a first load costs, how fast the page starts and joins next to the same page in
//! React, and what unmounting leaves behind, as one markdown report printed and written to `BENCHMARKS.md`.
//! Nothing here is asserted; the figures are for reading.

mod leaks;
mod profiles;
mod react_page;
mod report;
pub mod timing;
mod transfer;

use std::path::Path;

use crate::build::{build_app, build_devserver, Profile, SHIPPED_WASM};
use crate::process::{output_of, step_error, StepError};
use crate::{paths, setup};

/// The report's parts in its order: the name `cargo xtask bench [PART..]` takes, and the section's title.
const PARTS: [(&str, &str); 4] = [
    ("sizes", transfer::TITLE),
    ("profiles", profiles::TITLE),
    ("side-by-side", timing::TITLE),
    ("leaks", leaks::TITLE),
];

pub fn run() -> Result<(), StepError> {
    let names: Vec<String> = std::env::args().skip(2).collect();
    if let Some(unknown) = names.iter().find(|name| !PARTS.iter().any(|(part, _)| part == name)) {
        let known: Vec<&str> = PARTS.iter().map(|(part, _)| *part).collect();
        return Err(step_error("bench", format!("no part named `{unknown}`; the parts are {}", known.join(", "))));
    }
    let wanted = |part: &str| names.is_empty() || names.iter().any(|name| name == part);
    setup::run_all()?;
    build_app(Profile::Release)?;
    let react_dist = react_page::build()?;
    let mut sections: [Option<String>; 4] = Default::default();
    if wanted("sizes") {
        let transfer = transfer::measure(&paths::dist_dir())?;
        sections[0] = Some(transfer::section(&transfer, &transfer::measure(&react_dist)?));
    }
    if wanted("profiles") {
        sections[1] = Some(profiles::section(&profiles::measure()?));
    }
    build_devserver()?;
    // A broken browser run still leaves the other figures worth writing down; the command fails afterwards.
    let mut outcome = Ok(());
    if wanted("side-by-side") {
        let timings = timing::measure(&react_dist);
        sections[2] = Some(timing::section(&timings));
        outcome = outcome.and(timings.map(drop));
    }
    if wanted("leaks") {
        let leaks = leaks::measure();
        sections[3] = Some(leaks::section(&leaks));
        outcome = outcome.and(leaks.map(drop));
    }
    let file = paths::repo_root().join("BENCHMARKS.md");
    let earlier = std::fs::read_to_string(&file).unwrap_or_default();
    let measured: Vec<&str> = PARTS.iter().zip(&sections).filter(|(_, s)| s.is_some()).map(|((p, _), _)| *p).collect();
    // The cluster's recovery times come from the `e2e-cluster` suite, not from here: keep that section.
    let cluster = earlier.find(CLUSTER_SECTION).map(|at| format!("\n{}", &earlier[at..])).unwrap_or_default();
    let markdown = machine_header(&measured) + &merge(&earlier, &sections) + &cluster;
    println!("\n{markdown}");
    std::fs::write(&file, &markdown)
        .map_err(|err| step_error("bench", format!("cannot write {}: {err}", file.display())))?;
    println!("wrote {}", file.display());
    outcome
}

/// Each part's new section, or the one `earlier` (the last BENCHMARKS.md) has under the same title.
fn merge(earlier: &str, sections: &[Option<String>; 4]) -> String {
    PARTS
        .iter()
        .zip(sections)
        .filter_map(|((_, title), section)| section.clone().or_else(|| earlier_section(earlier, title)))
        .collect()
}

fn earlier_section(earlier: &str, title: &str) -> Option<String> {
    let start = earlier.find(&format!("\n## {title}\n"))?;
    let rest = &earlier[start + 1..];
    // Up to the blank line before the next title: every section begins with its own newline.
    let end = rest.find("\n\n## ").map_or(rest.len(), |end| end + 1);
    Some(format!("\n{}", &rest[..end]))
}

/// The heading of BENCHMARKS.md's section the bench does not write (the LiveKit cluster's recovery times).
const CLUSTER_SECTION: &str = "## LiveKit cluster";

/// When and where the figures were taken, since every one of them depends on the machine.
fn machine_header(measured: &[&str]) -> String {
    let ask = |program: &str, args: &[&str]| output_of(Path::new(program), args).unwrap_or_else(|| "unknown".into());
    let cpus = std::thread::available_parallelism().map_or_else(|_| "unknown".into(), |n| n.to_string());
    let parts = if measured.len() == PARTS.len() {
        String::new()
    } else {
        format!(" This run measured {}; the other sections keep an earlier run's figures.", measured.join(", "))
    };
    format!(
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` on {date} UTC; machine `{uname}`, {cpus} CPUs, `{rustc}` \
         (the release wasm: `{release_rustc}`).{parts}\n\
         Sizes are in KB of 1,000 bytes; gzip is `gzip -9`.\n",
        date = ask("date", &["-u", "+%Y-%m-%d %H:%M"]),
        uname = ask("uname", &["-srm"]),
        rustc = ask("rustc", &["--version"]),
        release_rustc = ask("rustup", &["run", SHIPPED_WASM.toolchain, "rustc", "--version"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_not_measured_keep_their_earlier_text_and_the_order_stays() {
        let earlier = format!(
            "# Benchmarks\n\nheader\n\n## {}\n\nold sizes\n\n## {}\n\nold leaks\n### sub\nmore\n",
            transfer::TITLE,
            leaks::TITLE
        );
        let new_timing = format!("\n## {}\n\nnew figures\n", timing::TITLE);
        let merged = merge(&earlier, &[None, None, Some(new_timing.clone()), None]);
        let expected = format!("\n## {}\n\nold sizes\n{new_timing}\n## {}\n\nold leaks\n### sub\nmore\n", transfer::TITLE, leaks::TITLE);
        assert_eq!(merged, expected);
        assert_eq!(merge("", &[None, None, None, None]), "");
    }
}
