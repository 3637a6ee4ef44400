//! Builds the README's commands and the bench share: the app through Trunk, and the devserver.

use crate::paths;
use crate::process::{command, run, StepError};

#[derive(Clone, Copy, PartialEq)]
pub enum Profile {
    Debug,
    Release,
}

/// The app into `dist/`; a release build also passes wasm-opt (configured in `index.html`).
pub fn build_app(profile: Profile) -> Result<(), StepError> {
    let mut trunk = command("trunk");
    trunk.arg("build").arg("--dist").arg(paths::dist_dir());
    if profile == Profile::Release {
        trunk.arg("--release");
    }
    run("build-app", &mut trunk)
}

/// The debug devserver that [`crate::stack`] starts from [`paths::devserver_bin`].
pub fn build_devserver() -> Result<(), StepError> {
    run("build-devserver", command("cargo").args(["build", "--quiet", "--package", "devserver"]))
}
