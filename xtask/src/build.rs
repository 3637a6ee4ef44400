//! Builds the README's commands and the bench share: the app through Trunk, and the devserver.

use std::path::Path;
use std::process::Command;

use crate::paths;
use crate::process::{command, describe, run, step_error, StepError};
use crate::setup::LIVEKIT_BUNDLE;

/// How a release wasm is compiled, beyond `[profile.release]`.
#[derive(Clone, Copy)]
pub struct WasmToolchain {
    /// A rustup toolchain name.
    pub toolchain: &'static str,
    pub rustflags: &'static str,
    pub std: StdBuild,
}

#[derive(Clone, Copy)]
pub enum StdBuild {
    /// rustup's prebuilt std.
    Prebuilt,
    /// std rebuilt (nightly only) so it gets the same flags as our code, with std's default features or these.
    Rebuilt { features: Option<&'static str> },
}

/// What ships: a pinned nightly, because only nightly can rebuild std with `panic=immediate-abort`, which
/// drops the panic-message formatting std and every crate carry, and with `optimize_for_size`, std's smaller
/// algorithms; `erase_components` makes Leptos box views instead of monomorphizing each one. All measured in
/// BENCHMARKS.md. Dev, tests and clippy stay on stable.
pub const SHIPPED_WASM: WasmToolchain = WasmToolchain {
    toolchain: "nightly-2026-05-20",
    rustflags: "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none --cfg erase_components",
    std: StdBuild::Rebuilt { features: Some("optimize_for_size") },
};

impl WasmToolchain {
    pub fn apply<'c>(&self, cargo: &'c mut Command) -> &'c mut Command {
        cargo.env("RUSTUP_TOOLCHAIN", self.toolchain).env("RUSTFLAGS", self.rustflags);
        if let StdBuild::Rebuilt { features } = self.std {
            cargo.env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
            if let Some(features) = features {
                cargo.env("CARGO_UNSTABLE_BUILD_STD_FEATURES", features);
            }
        }
        cargo
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Profile {
    Debug,
    Release,
}

/// The app into `dist/`; a release build also passes wasm-opt (configured in `index.html`) and has its JS glue
/// minified. livekit-client goes next to it named by its content (see [`sdk_file_name`]).
pub fn build_app(profile: Profile) -> Result<(), StepError> {
    let sdk = paths::repo_root().join(LIVEKIT_BUNDLE);
    let sdk_name = sdk_file_name(&sdk)?;
    remove_old_snippets(profile)?;
    let mut trunk = command("trunk");
    trunk.arg("build").arg("--dist").arg(paths::dist_dir());
    // The app loads the SDK from this address (src/livekit/loader.rs); cargo rebuilds when it changes.
    trunk.env("VIDEO_DATE_LIVEKIT_SDK", format!("/{sdk_name}"));
    if profile == Profile::Release {
        SHIPPED_WASM.apply(trunk.arg("--release"));
    }
    run("build-app", &mut trunk)?;
    let shipped = paths::dist_dir().join(&sdk_name);
    std::fs::copy(&sdk, &shipped).map_err(|err| {
        step_error("build-app", format!("cannot copy {} to {}: {err}", sdk.display(), shipped.display()))
    })?;
    check_sdk_not_preloaded(&paths::dist_dir())?;
    if profile == Profile::Release {
        minify_glue(&paths::dist_dir())?;
        print_loader_hash(&paths::dist_dir())?;
    }
    Ok(())
}

/// wasm-bindgen writes the snippets (`module = "/js/…"` imports) into Trunk's output directory without removing
/// those the code no longer imports, and Trunk preloads every file it finds there: `js/livekit-client.js`, which
/// was a snippet before the app loaded it on demand, would still be preloaded. They are rewritten every build.
fn remove_old_snippets(profile: Profile) -> Result<(), StepError> {
    let profile_dir = if profile == Profile::Release { "release" } else { "debug" };
    let snippets = paths::target_dir().join("wasm-bindgen").join(profile_dir).join("snippets");
    match std::fs::remove_dir_all(&snippets) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(step_error("build-app", format!("cannot remove {}: {err}", snippets.display())))
        }
        _ => Ok(()),
    }
}

/// The app must start without livekit-client (src/livekit/loader.rs): `index.html` names no file of it.
fn check_sdk_not_preloaded(dist: &Path) -> Result<(), StepError> {
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path)
        .map_err(|err| step_error("build-app", format!("cannot read {}: {err}", index_path.display())))?;
    if index.contains("livekit-client") {
        return Err(step_error("build-app", "index.html preloads livekit-client, which the date page loads on demand"));
    }
    Ok(())
}

/// A production host's Content-Security-Policy must allow Trunk's inline loader by its hash (README, "Serving the
/// app"), and the loader names this build's hashed files, so every build prints its own.
fn print_loader_hash(dist: &Path) -> Result<(), StepError> {
    let script = "const html = require('fs').readFileSync(process.argv[1], 'utf8');\
                  const inline = [...html.matchAll(/<script(?![^>]*\\ssrc=)[^>]*>([\\s\\S]*?)<\\/script>/g)];\
                  process.stdout.write(inline.map((m) => `'sha256-${require('crypto').createHash('sha256')\
                  .update(m[1]).digest('base64')}'`).join(' '))";
    let mut node = command("node");
    node.arg("-e").arg(script).arg(dist.join("index.html"));
    let output = node.output().map_err(|err| step_error("loader-hash", format!("could not start node: {err}")))?;
    if !output.status.success() {
        return Err(step_error("loader-hash", format!("`{}` exited with {}", describe(&node), output.status)));
    }
    println!(
        "==> build-release: the inline loader for the Content-Security-Policy's script-src: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    Ok(())
}

/// Minifies wasm-bindgen's JS glue with esbuild (Trunk's own minifier cannot parse it) and updates the
/// `integrity` hash `index.html` gives it.
fn minify_glue(dist: &Path) -> Result<(), StepError> {
    const STEP: &str = "minify-glue";
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path)
        .map_err(|err| step_error(STEP, format!("cannot read {}: {err}", index_path.display())))?;
    let glue_name = glue_file_name(&index).ok_or_else(|| step_error(STEP, "index.html preloads no JS glue"))?;
    let glue = dist.join(glue_name);
    run(
        STEP,
        command(paths::node_bin().join("esbuild"))
            .arg(&glue)
            .args(["--minify", "--format=esm", "--target=es2020", "--allow-overwrite", "--log-level=warning"])
            .arg(format!("--outfile={}", glue.display())),
    )?;
    let digest = sha384_base64(&glue)?;
    let index = with_integrity(&index, glue_name, &digest)
        .ok_or_else(|| step_error(STEP, format!("index.html has no integrity for {glue_name}")))?;
    std::fs::write(&index_path, index)
        .map_err(|err| step_error(STEP, format!("cannot write {}: {err}", index_path.display())))
}

/// The glue Trunk preloads: `<link rel="modulepreload" href="/video-date-<hash>.js" …>`.
fn glue_file_name(index: &str) -> Option<&str> {
    let href = index.split("rel=\"modulepreload\" href=\"/").nth(1)?;
    let name = &href[..href.find('"')?];
    (!name.contains('/') && name.ends_with(".js")).then_some(name)
}

/// `index` with the `integrity` attribute of the tag that has `href="/<file>"` set to `sha384-<digest>`.
fn with_integrity(index: &str, file: &str, digest: &str) -> Option<String> {
    let href = index.find(&format!("href=\"/{file}\""))?;
    let tag_end = href + index[href..].find('>')?;
    let value = href + index[href..tag_end].find("integrity=\"")? + "integrity=\"".len();
    let end = value + index[value..tag_end].find('"')?;
    Some(format!("{}sha384-{digest}{}", &index[..value], &index[end..]))
}

fn sha384_base64(file: &Path) -> Result<String, StepError> {
    digest("minify-glue", file, "sha384", "base64")
}

/// `livekit-client-<the first 16 hex digits of its sha256>.js`, the pattern Trunk gives its own files: the app
/// loads the SDK only on the date page, so Trunk never sees it (and would not hash a copied file), and a name
/// that changes with the content lets hosts cache it forever (`immutable`) while a page never gets a stale copy.
/// `setup` has already minified it (`livekit-bundle`).
fn sdk_file_name(sdk: &Path) -> Result<String, StepError> {
    let hex = digest("build-app", sdk, "sha256", "hex")?;
    let short = hex.get(..16).ok_or_else(|| step_error("build-app", format!("no sha256 of {}", sdk.display())))?;
    Ok(format!("livekit-client-{short}.js"))
}

/// Node (there for npm) hashes: xtask stays std-only.
fn digest(step: &str, file: &Path, algorithm: &str, encoding: &str) -> Result<String, StepError> {
    let script = "process.stdout.write(require('crypto').createHash(process.argv[2])\
                  .update(require('fs').readFileSync(process.argv[1])).digest(process.argv[3]))";
    let mut node = command("node");
    node.arg("-e").arg(script).arg(file).arg(algorithm).arg(encoding);
    let output = node.output().map_err(|err| step_error(step, format!("could not start node: {err}")))?;
    if !output.status.success() {
        return Err(step_error(step, format!("`{}` exited with {}", describe(&node), output.status)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The debug devserver that [`crate::stack`] starts from [`paths::devserver_bin`].
pub fn build_devserver() -> Result<(), StepError> {
    run("build-devserver", command("cargo").args(["build", "--quiet", "--package", "devserver"]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"<link rel="stylesheet" href="/app-1.css" integrity="sha384-css"/>
  <link rel="modulepreload" href="/video-date-ab12.js" crossorigin="anonymous" integrity="sha384-old"><link rel="modulepreload" href="/snippets/x/js/livekit-client.js" crossorigin="anonymous" integrity="sha384-lk">"#;

    #[test]
    fn the_glue_is_the_first_top_level_module_preload() {
        assert_eq!(glue_file_name(INDEX), Some("video-date-ab12.js"));
        assert_eq!(glue_file_name("<html></html>"), None);
    }

    #[test]
    fn only_the_glue_integrity_changes() {
        let updated = with_integrity(INDEX, "video-date-ab12.js", "new").unwrap();
        assert_eq!(updated, INDEX.replace("sha384-old", "sha384-new"));
        assert_eq!(with_integrity(INDEX, "missing.js", "new"), None);
        // Never another tag's: a glue link without integrity is left for the caller to report.
        let without = INDEX.replace(r#" integrity="sha384-old""#, "");
        assert_eq!(with_integrity(&without, "video-date-ab12.js", "new"), None);
    }
}
