//! Figures timed in headless Chromium by the e2e crate's `bench` binary. It prints each figure as one
//! [`Timing::to_line`] on stdout; this side runs it, reads them back and reports median and worst.

use std::process::Stdio;

use super::report::table;
use crate::process::{command, describe, step_error, StepError};

const LINE_PREFIX: &str = "timing\t";

const FAILED_PREFIX: &str = "failed: ";

/// One figure: its samples in milliseconds, one per run, or why it could not be taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub label: String,
    pub samples_ms: Result<Vec<f64>, String>,
}

impl Timing {
    /// `timing<TAB>label<TAB>ms ms ms…` or `timing<TAB>label<TAB>failed: why`, on one line.
    pub fn to_line(&self) -> String {
        let figures = match &self.samples_ms {
            Ok(samples) => samples.iter().map(|ms| format!("{ms:.1}")).collect::<Vec<_>>().join(" "),
            Err(why) => format!("{FAILED_PREFIX}{}", why.replace(['\t', '\n', '\r'], " ")),
        };
        format!("{LINE_PREFIX}{}\t{figures}", self.label)
    }

    pub fn from_line(line: &str) -> Option<Timing> {
        let (label, figures) = line.strip_prefix(LINE_PREFIX)?.split_once('\t')?;
        let samples_ms = match figures.strip_prefix(FAILED_PREFIX) {
            Some(why) => Err(why.to_owned()),
            None => Ok(figures.split_whitespace().map(str::parse).collect::<Result<Vec<f64>, _>>().ok()?),
        };
        Some(Timing { label: label.to_owned(), samples_ms })
    }

    pub fn median(&self) -> Option<f64> {
        let mut sorted = self.samples_ms.clone().ok()?;
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        match sorted.len() {
            0 => None,
            n if n % 2 == 1 => Some(sorted[middle]),
            _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
        }
    }

    pub fn worst(&self) -> Option<f64> {
        self.samples_ms.as_ref().ok()?.iter().copied().max_by(f64::total_cmp)
    }

    fn runs(&self) -> usize {
        self.samples_ms.as_ref().map_or(0, Vec::len)
    }
}

/// Runs `e2e`'s bench binary (debug: it only drives the browser, and `cargo xtask test` has built its
/// dependencies already), which starts its own stack on [`crate::stack::BENCH_PORTS`] and serves `dist/`.
pub fn measure() -> Result<Vec<Timing>, StepError> {
    let mut bench = command("cargo");
    bench.args(["run", "--quiet", "--package", "e2e", "--bin", "bench"]).stdout(Stdio::piped());
    println!("==> bench start-up and join: {}", describe(&bench));
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

pub fn section(timings: &Result<Vec<Timing>, StepError>) -> String {
    let heading = "\n## Start-up, join and realtime recovery in headless Chromium (release build, local stack)\n\n";
    let timings = match timings {
        Ok(timings) => timings,
        Err(err) => return format!("{heading}Not measured: {err}\n"),
    };
    let ms = |value: Option<f64>| value.map_or_else(|| "-".into(), |v| format!("{v:.0}"));
    let rows: Vec<Vec<String>> =
        timings.iter().map(|t| vec![t.label.clone(), ms(t.median()), ms(t.worst()), t.runs().to_string()]).collect();
    let failures: String = timings
        .iter()
        .filter_map(|t| t.samples_ms.as_ref().err().map(|why| format!("\n- {} not measured: {why}\n", t.label)))
        .collect();
    format!(
        "{heading}Each run is a fresh browser profile (cold HTTP cache), signed in as alice, on the seeded date, \
         with bob already waiting in the call. Times are taken in the page (`performance`), so WebDriver round \
         trips are not in them. The realtime figure drops alice's socket (devserver fault) in the last run.\n\n{}{failures}",
        table(&["from → to", "median ms", "worst ms", "runs"], &rows)
    )
}

#[cfg(test)]
mod tests {
    use super::Timing;

    #[test]
    fn a_timing_survives_its_line() {
        let timing = Timing { label: "navigation → first paint".into(), samples_ms: Ok(vec![120.5, 98.0, 101.75]) };
        let line = timing.to_line();
        assert_eq!(line, "timing\tnavigation → first paint\t120.5 98.0 101.8");
        assert_eq!(Timing::from_line(&line).map(|t| t.runs()), Some(3));
        assert_eq!(Timing::from_line("scenario x ... ok"), None);
    }

    #[test]
    fn a_failure_survives_its_line_on_one_line() {
        let timing = Timing { label: "join".into(), samples_ms: Err("timed out;\tthe page shows:\nJoin".into()) };
        let parsed = Timing::from_line(&timing.to_line()).expect("a timing line");
        assert_eq!(parsed.samples_ms, Err("timed out; the page shows: Join".to_owned()));
        assert_eq!((parsed.median(), parsed.runs()), (None, 0));
    }

    #[test]
    fn median_and_worst() {
        let samples = |ms: &[f64]| Timing { label: String::new(), samples_ms: Ok(ms.to_vec()) };
        assert_eq!((samples(&[5.0, 1.0, 3.0]).median(), samples(&[5.0, 1.0, 3.0]).worst()), (Some(3.0), Some(5.0)));
        assert_eq!(samples(&[4.0, 1.0, 2.0, 3.0]).median(), Some(2.5));
        assert_eq!(samples(&[]).median(), None);
    }
}
