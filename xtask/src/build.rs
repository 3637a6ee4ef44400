//! Builds the README's commands and the bench share: the app through Trunk, and the devserver.

use std::process::Command;

use crate::paths;
use crate::process::{command, run, StepError};

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

/// The app into `dist/`; a release build also passes wasm-opt (configured in `index.html`).
pub fn build_app(profile: Profile) -> Result<(), StepError> {
    let mut trunk = command("trunk");
    trunk.arg("build").arg("--dist").arg(paths::dist_dir());
    if profile == Profile::Release {
        SHIPPED_WASM.apply(trunk.arg("--release"));
    }
    run("build-app", &mut trunk)
}

/// The debug devserver that [`crate::stack`] starts from [`paths::devserver_bin`].
pub fn build_devserver() -> Result<(), StepError> {
    run("build-devserver", command("cargo").args(["build", "--quiet", "--package", "devserver"]))
}
