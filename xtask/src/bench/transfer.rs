//! First-load transfer: every file of the release build in `dist/` is fetched on the first visit
//! (index.html links the CSS and preloads the glue and wasm; the glue imports the small loader snippet, and the
//! date page loads livekit-client while its pre-join screen shows),
//! against every file of the React page's build (`bench/react/`), the bar.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::report::{kb, table};
use crate::process::{describe, step_error, StepError};

/// Our wasm when the app had its own JSON parser, fetch wrapper and logger instead of serde + serde_json,
/// gloo-net and tracing + tracing-wasm (BENCHMARKS.md before that change): what those crates are compared with.
const OWN_CODE_WASM_GZIP_BYTES: u64 = 136_400;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    pub raw: u64,
    pub gzip: u64,
}

pub struct Asset {
    kind: &'static str,
    /// Relative to `dist/`.
    file: String,
    sizes: Sizes,
}

pub struct Transfer {
    assets: Vec<Asset>,
    total: Sizes,
}

/// Raw size, and the size `gzip -9` makes of it (std has no deflate, and xtask stays std-only).
pub fn sizes(path: &Path) -> Result<Sizes, StepError> {
    let raw = std::fs::metadata(path)
        .map_err(|err| step_error("bench", format!("cannot read {}: {err}", path.display())))?
        .len();
    let mut gzip = Command::new("gzip");
    gzip.args(["-9", "-c"]).arg(path);
    let output = gzip
        .output()
        .map_err(|err| step_error("bench", format!("could not start `{}`: {err}", describe(&gzip))))?;
    if !output.status.success() {
        return Err(step_error("bench", format!("`{}` exited with {}", describe(&gzip), output.status)));
    }
    Ok(Sizes { raw, gzip: output.stdout.len() as u64 })
}

pub fn measure(dist: &Path) -> Result<Transfer, StepError> {
    let mut files = Vec::new();
    collect_files(dist, &mut files)?;
    files.sort();
    let mut assets = Vec::new();
    for path in files {
        let file = path.strip_prefix(dist).unwrap_or(&path).to_string_lossy().into_owned();
        assets.push(Asset { kind: kind_of(&file), sizes: sizes(&path)?, file });
    }
    if assets.is_empty() {
        return Err(step_error("bench", format!("{} is empty; the release build wrote nothing", dist.display())));
    }
    assets.sort_by_key(|a| std::cmp::Reverse(a.sizes.gzip));
    let total = Sizes {
        raw: assets.iter().map(|a| a.sizes.raw).sum(),
        gzip: assets.iter().map(|a| a.sizes.gzip).sum(),
    };
    Ok(Transfer { assets, total })
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), StepError> {
    let entries =
        std::fs::read_dir(dir).map_err(|err| step_error("bench", format!("cannot list {}: {err}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|err| step_error("bench", err.to_string()))?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// What a file of `dist/` is, from where Trunk puts it.
fn kind_of(file: &str) -> &'static str {
    match file.rsplit_once('.').map_or("", |(_, extension)| extension) {
        "wasm" => WASM,
        "js" if file.starts_with("livekit-client-") => "livekit-client (loaded by the date page, not by the app)",
        "js" if file.starts_with("snippets/") => "livekit-client loader (snippet)",
        "js" => "JS glue (wasm-bindgen)",
        "css" => "CSS",
        "html" => "HTML",
        _ => "other",
    }
}

pub const TITLE: &str = "First-load transfer (release build, `dist/`)";

pub fn section(transfer: &Transfer, react: &Transfer) -> String {
    let mut rows: Vec<Vec<String>> = transfer
        .assets
        .iter()
        .map(|a| vec![a.kind.to_owned(), format!("`{}`", a.file), kb(a.sizes.raw), kb(a.sizes.gzip)])
        .collect();
    rows.push(vec!["**total**".into(), String::new(), kb(transfer.total.raw), format!("**{}**", kb(transfer.total.gzip))]);
    let wasm_gzip = transfer.assets.iter().filter(|a| a.kind == WASM).map(|a| a.sizes.gzip).sum();
    format!(
        "\n## {TITLE}\n\n{}\n{}\n{}\n",
        table(&["asset", "file", "raw KB", "gzip KB"], &rows),
        verdict(transfer.total.gzip, react),
        against_own_code(wasm_gzip),
    )
}

const WASM: &str = "wasm (the app)";

/// The wasm next to what it was with the app's own JSON, fetch and logger.
fn against_own_code(wasm_gzip: u64) -> String {
    let (difference, direction) = if wasm_gzip >= OWN_CODE_WASM_GZIP_BYTES {
        (wasm_gzip - OWN_CODE_WASM_GZIP_BYTES, "more")
    } else {
        (OWN_CODE_WASM_GZIP_BYTES - wasm_gzip, "less")
    };
    format!(
        "Our wasm is {} KB gzip: {} KB {direction} than the {} KB it was with its own JSON, fetch and logger \
         instead of serde + serde_json, gloo-net and tracing + tracing-wasm.",
        kb(wasm_gzip),
        kb(difference),
        kb(OWN_CODE_WASM_GZIP_BYTES)
    )
}

fn verdict(total_gzip: u64, react: &Transfer) -> String {
    let files: Vec<String> = react.assets.iter().map(|a| format!("`{}` {} KB", a.file, kb(a.sizes.gzip))).collect();
    let bar = format!(
        "The bar: the same page in React + supabase-js + livekit-client (`bench/react/`, built by this run) ships {} KB \
         gzip ({}).",
        kb(react.total.gzip),
        files.join(", ")
    );
    let bar_gzip = react.total.gzip;
    let (word, difference, direction) = if total_gzip < bar_gzip {
        ("UNDER the bar", bar_gzip - total_gzip, "less")
    } else {
        ("OVER the bar", total_gzip - bar_gzip, "more")
    };
    let share = difference as f64 * 100.0 / bar_gzip as f64;
    format!("{bar}\n**We are {word}**: {} KB gzip, {} KB ({share:.0} %) {direction}.", kb(total_gzip), kb(difference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_where_trunk_puts_them() {
        assert_eq!(kind_of("video-date-90e9_bg.wasm"), "wasm (the app)");
        assert_eq!(kind_of("video-date-90e9.js"), "JS glue (wasm-bindgen)");
        assert_eq!(kind_of("snippets/video-date-3e06/js/livekit-loader.js"), "livekit-client loader (snippet)");
        let sdk = "livekit-client (loaded by the date page, not by the app)";
        assert_eq!(kind_of("livekit-client-0123456789abcdef.js"), sdk);
        assert_eq!(kind_of("app-3fe0.css"), "CSS");
        assert_eq!(kind_of("index.html"), "HTML");
    }

    #[test]
    fn the_wasm_is_compared_with_the_build_on_our_own_code() {
        assert!(against_own_code(180_000).contains("180.0 KB gzip: 43.6 KB more than the 136.4 KB"));
        assert!(against_own_code(130_000).contains("6.4 KB less"));
    }

    #[test]
    fn the_verdict_says_which_side_of_the_bar() {
        let sizes = Sizes { raw: 900_000, gzip: 269_000 };
        let react = Transfer { assets: vec![Asset { kind: "JS", file: "main-AB12CD34.js".into(), sizes }], total: sizes };
        assert!(verdict(200_000, &react).contains("ships 269.0 KB gzip (`main-AB12CD34.js` 269.0 KB)"));
        assert!(verdict(200_000, &react).contains("UNDER the bar**: 200.0 KB gzip, 69.0 KB (26 %) less"));
        assert!(verdict(300_000, &react).contains("OVER the bar**: 300.0 KB gzip, 31.0 KB (12 %) more"));
    }
}
