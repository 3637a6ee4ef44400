//! The bench's yardstick: the date page written in React (`bench/react/`), built the way a React app ships it
//! (esbuild, minified, every dependency bundled eagerly, files named by their content) into `bench/react/dist/`,
//! which the devserver serves under `/react/` on the same stack as the app.

use std::path::PathBuf;

use crate::paths;
use crate::process::{command, run, step_error, StepError};

const STEP: &str = "build-react-page";
/// The devserver's default `--anon-key`, which the bench's stack keeps; a Next.js page inlines it at build time.
const ANON_KEY: &str = "dev-anon-key";

/// Builds the page and returns its directory.
pub fn build() -> Result<PathBuf, StepError> {
    let source = paths::react_page_dir();
    let dist = paths::react_page_dist();
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|err| step_error(STEP, format!("cannot empty {}: {err}", dist.display())))?;
    }
    run(
        STEP,
        command(paths::node_bin().join("esbuild"))
            .arg("src/main.jsx")
            .args(["--bundle", "--minify", "--format=esm", "--target=es2020", "--jsx=automatic", "--legal-comments=none"])
            .args(["--log-level=warning", "--entry-names=[name]-[hash]"])
            .arg(format!("--define:SUPABASE_ANON_KEY=\"{ANON_KEY}\""))
            .arg("--define:process.env.NODE_ENV=\"production\"")
            .arg(format!("--outdir={}", dist.display()))
            .current_dir(&source),
    )?;
    let built = |extension: &str| -> Result<String, StepError> {
        let entries = std::fs::read_dir(&dist).map_err(|err| step_error(STEP, format!("cannot list {}: {err}", dist.display())))?;
        entries
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .find(|name| name.ends_with(extension))
            .ok_or_else(|| step_error(STEP, format!("esbuild wrote no {extension} file into {}", dist.display())))
    };
    let template = source.join("index.html");
    let index = std::fs::read_to_string(&template)
        .map_err(|err| step_error(STEP, format!("cannot read {}: {err}", template.display())))?
        .replace("__JS__", &built(".js")?)
        .replace("__CSS__", &built(".css")?);
    std::fs::write(dist.join("index.html"), index).map_err(|err| step_error(STEP, format!("cannot write index.html: {err}")))?;
    Ok(dist)
}
