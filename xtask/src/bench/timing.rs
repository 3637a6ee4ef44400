//! Figures timed in headless Chromium by the e2e crate's `bench` binary, for the app and for the same page in
//! React (`bench/react/`), side by side on one stack, unthrottled and throttled. The binary prints each figure as
//! one [`Timing::to_line`] on stdout; this side runs it, reads them back and reports median, worst and the ratio.

use std::path::Path;
use std::process::Stdio;

use super::report::{kb, table};
use crate::process::{command, describe, step_error, StepError};

const LINE_PREFIX: &str = "timing\t";
const FAILED_PREFIX: &str = "failed: ";

/// The two pages measured.
pub const PROJECT: &str = "project";
pub const REACT: &str = "React page";

/// The figures, in the order the report shows them. Bytes are counted as transferred (compressed, headers in).
pub const BYTES_BEFORE_READY: &str = "bytes before the pre-join screen is ready (React page: its whole first load), KB";
pub const READY: &str = "navigation → pre-join ready (\"Join the date\" enabled)";
pub const CONNECTED: &str = "navigation → connected";
pub const FIRST_FRAME: &str = "navigation → partner's first frame";
pub const JOIN_TO_CONNECTED: &str = "\"Join the date\" clicked → connected";
pub const REALTIME_RECOVERY: &str = "realtime socket dropped → subscribed again (the first retry waits 0–1000 ms)";
const FIGURES: [&str; 6] = [BYTES_BEFORE_READY, READY, CONNECTED, FIRST_FRAME, JOIN_TO_CONNECTED, REALTIME_RECOVERY];

/// How the browser's network and CPU are held back (Chrome DevTools Protocol), `None` for neither.
#[derive(Debug, Clone, Copy)]
pub struct Network {
    pub name: &'static str,
    pub throttle: Option<Throttle>,
}

#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub download_bits_per_s: u32,
    pub upload_bits_per_s: u32,
    pub round_trip_ms: u32,
    pub cpu_slowdown: u32,
}

pub const NETWORKS: [Network; 2] = [
    Network { name: "unthrottled", throttle: None },
    Network {
        name: "1.6 Mbps down / 750 kbps up / 150 ms RTT / CPU 4× slower",
        throttle: Some(Throttle {
            download_bits_per_s: 1_600_000,
            upload_bits_per_s: 750_000,
            round_trip_ms: 150,
            cpu_slowdown: 4,
        }),
    },
];

/// What issue 21 asks of the app, as a ratio to the React page's median or as a median of its own.
enum Target {
    Ratio(f64),
    MedianMs(f64),
}

fn target(network: &Network, figure: &str) -> Option<Target> {
    match (network.throttle.is_some(), figure) {
        (true, FIRST_FRAME) => Some(Target::Ratio(0.75)),
        (false, FIRST_FRAME) => Some(Target::Ratio(0.9)),
        (false, BYTES_BEFORE_READY) => Some(Target::Ratio(0.65)),
        (false, JOIN_TO_CONNECTED) => Some(Target::MedianMs(150.0)),
        _ => None,
    }
}

/// One figure of one page on one network: its samples, one per run, or why it could not be taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub network: String,
    pub page: String,
    pub figure: String,
    pub samples: Result<Vec<f64>, String>,
}

impl Timing {
    /// `timing<TAB>network<TAB>page<TAB>figure<TAB>n n n…` or `…<TAB>failed: why`, on one line.
    pub fn to_line(&self) -> String {
        let values = match &self.samples {
            Ok(samples) => samples.iter().map(|v| format!("{v:.1}")).collect::<Vec<_>>().join(" "),
            Err(why) => format!("{FAILED_PREFIX}{}", why.replace(['\t', '\n', '\r'], " ")),
        };
        format!("{LINE_PREFIX}{}\t{}\t{}\t{values}", self.network, self.page, self.figure)
    }

    pub fn from_line(line: &str) -> Option<Timing> {
        let mut fields = line.strip_prefix(LINE_PREFIX)?.splitn(4, '\t');
        let (network, page, figure, values) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
        let samples = match values.strip_prefix(FAILED_PREFIX) {
            Some(why) => Err(why.to_owned()),
            None => Ok(values.split_whitespace().map(str::parse).collect::<Result<Vec<f64>, _>>().ok()?),
        };
        Some(Timing { network: network.to_owned(), page: page.to_owned(), figure: figure.to_owned(), samples })
    }

    pub fn median(&self) -> Option<f64> {
        let mut sorted = self.samples.clone().ok()?;
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        match sorted.len() {
            0 => None,
            n if n % 2 == 1 => Some(sorted[middle]),
            _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
        }
    }

    pub fn worst(&self) -> Option<f64> {
        self.samples.as_ref().ok()?.iter().copied().max_by(f64::total_cmp)
    }

    fn runs(&self) -> usize {
        self.samples.as_ref().map_or(0, Vec::len)
    }
}

/// Runs `e2e`'s bench binary (debug: it only drives the browser), which starts its own stack on
/// [`crate::stack::BENCH_PORTS`] and serves `dist/` and, under `/react/`, `react_dist`.
pub fn measure(react_dist: &Path) -> Result<Vec<Timing>, StepError> {
    let mut bench = command("cargo");
    bench
        .args(["run", "--quiet", "--package", "e2e", "--bin", "bench"])
        .env("DEVSERVER_REACT_DIST", react_dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    println!("==> bench start-up and join, side by side with the React page: {}", describe(&bench));
    let output = bench
        .output()
        .map_err(|err| step_error("bench-browser", format!("could not start `{}`: {err}", describe(&bench))))?;
    if !output.status.success() {
        return Err(step_error(
            "bench-browser",
            format!("`{}` exited with {} (logs in artifacts/logs/bench)", describe(&bench), output.status),
        ));
    }
    let timings: Vec<Timing> = String::from_utf8_lossy(&output.stdout).lines().filter_map(Timing::from_line).collect();
    if timings.is_empty() {
        return Err(step_error("bench-browser", format!("`{}` printed no timing", describe(&bench))));
    }
    Ok(timings)
}

pub const TITLE: &str = "From the link to your date's face: the app and the same page in React, side by side";

pub fn section(timings: &Result<Vec<Timing>, StepError>) -> String {
    let heading = format!("\n## {TITLE}\n\n");
    let timings = match timings {
        Ok(timings) => timings,
        Err(err) => return format!("{heading}Not measured: {err}\n"),
    };
    let runs = timings.iter().map(Timing::runs).max().unwrap_or(0);
    let mut text = format!(
        "{heading}Both pages are served by the devserver as a production host serves them (brotli, which Chromium \
         asks for even on loopback, and the security headers) on \
         one local stack, in the same run, each run in a fresh headless Chromium profile (cold cache), signed in as \
         alice, with bob already in the call; up to {runs} runs per page and network, the pages taking turns. The \
         React page (`bench/react/`: React, supabase-js and livekit-client, esbuild-minified and imported eagerly) \
         connects on load, as the seed's Next.js page did; the app's \"Join the date\" is clicked by a script in the \
         page the moment it is enabled. Times are taken in the page (`performance.now()` from navigation start); \
         network and CPU are throttled through the DevTools protocol (WebRTC media is not throttled by it). Ratio = \
         the app's median ÷ the React page's; targets are issue 21's.\n"
    );
    for network in &NETWORKS {
        let figure = |page: &str, figure: &str| {
            timings.iter().find(|t| t.network == network.name && t.page == page && t.figure == figure)
        };
        let mut rows = Vec::new();
        let mut failures = String::new();
        for name in FIGURES {
            let (project, react) = (figure(PROJECT, name), figure(REACT, name));
            if project.is_none() && react.is_none() {
                continue;
            }
            let show = |value: Option<f64>| match value {
                None => "-".to_owned(),
                Some(bytes) if name == BYTES_BEFORE_READY => kb(bytes as u64),
                Some(ms) => format!("{ms:.0}"),
            };
            let (project_median, react_median) = (project.and_then(Timing::median), react.and_then(Timing::median));
            let ratio = project_median.zip(react_median).map(|(p, r)| p / r);
            let verdict = match target(network, name) {
                Some(Target::Ratio(at_most)) => ratio.map_or_else(
                    || format!("≤ {at_most:.2}: not measured"),
                    |ratio| format!("≤ {at_most:.2}: {}", if ratio <= at_most { "met" } else { "NOT met" }),
                ),
                Some(Target::MedianMs(at_most)) => project_median.map_or_else(
                    || format!("≤ {at_most:.0} ms: not measured"),
                    |ms| format!("≤ {at_most:.0} ms: {}", if ms <= at_most { "met" } else { "NOT met" }),
                ),
                None => String::new(),
            };
            rows.push(vec![
                name.to_owned(),
                show(project_median),
                show(project.and_then(Timing::worst)),
                show(react_median),
                show(react.and_then(Timing::worst)),
                ratio.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
                verdict,
            ]);
            for timing in [project, react].into_iter().flatten() {
                if let Err(why) = &timing.samples {
                    failures.push_str(&format!("\n- {} / {} not measured: {why}\n", timing.page, timing.figure));
                }
            }
        }
        text.push_str(&format!(
            "\n### {}\n\n{}{failures}",
            network.name,
            table(&["from → to", "app median", "app worst", "React median", "React worst", "ratio", "target"], &rows)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(page: &str, figure: &str, samples: Result<Vec<f64>, String>) -> Timing {
        Timing { network: NETWORKS[0].name.into(), page: page.into(), figure: figure.into(), samples }
    }

    #[test]
    fn a_timing_survives_its_line() {
        let original = timing(PROJECT, FIRST_FRAME, Ok(vec![120.5, 98.0, 101.75]));
        let line = original.to_line();
        assert_eq!(line, format!("timing\tunthrottled\tproject\t{FIRST_FRAME}\t120.5 98.0 101.8"));
        assert_eq!(Timing::from_line(&line).map(|t| (t.runs(), t.page, t.figure)), Some((3, PROJECT.into(), FIRST_FRAME.into())));
        assert_eq!(Timing::from_line("scenario x ... ok"), None);
    }

    #[test]
    fn a_failure_survives_its_line_on_one_line() {
        let original = timing(REACT, CONNECTED, Err("timed out;\tthe page shows:\nJoin".into()));
        let parsed = Timing::from_line(&original.to_line()).expect("a timing line");
        assert_eq!(parsed.samples, Err("timed out; the page shows: Join".to_owned()));
        assert_eq!((parsed.median(), parsed.runs()), (None, 0));
    }

    #[test]
    fn median_and_worst() {
        let samples = |values: &[f64]| timing(PROJECT, READY, Ok(values.to_vec()));
        assert_eq!((samples(&[5.0, 1.0, 3.0]).median(), samples(&[5.0, 1.0, 3.0]).worst()), (Some(3.0), Some(5.0)));
        assert_eq!(samples(&[4.0, 1.0, 2.0, 3.0]).median(), Some(2.5));
        assert_eq!(samples(&[]).median(), None);
    }

    #[test]
    fn the_section_puts_the_pages_side_by_side_with_ratio_and_target() {
        let timings = vec![
            timing(PROJECT, FIRST_FRAME, Ok(vec![400.0, 500.0, 450.0])),
            timing(REACT, FIRST_FRAME, Ok(vec![600.0, 500.0, 700.0])),
            timing(PROJECT, BYTES_BEFORE_READY, Ok(vec![150_000.0])),
            timing(REACT, BYTES_BEFORE_READY, Err("no page".into())),
        ];
        let text = section(&Ok(timings));
        assert!(text.contains(&format!("| {FIRST_FRAME} | 450 | 500 | 600 | 700 | 0.75 | ≤ 0.90: met |")), "{text}");
        assert!(text.contains(&format!("| {BYTES_BEFORE_READY} | 150.0 | 150.0 | - | - | - | ≤ 0.65: not measured |")), "{text}");
        assert!(text.contains("React page / bytes before"), "{text}");
    }
}
