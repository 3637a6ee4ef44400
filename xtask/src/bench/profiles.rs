//! What each release-profile and wasm-opt setting is worth: the app's wasm built per variant, measured
//! straight out of wasm-bindgen and again after the wasm-opt pass Trunk runs (same level, same flags).

use std::path::PathBuf;

use super::report::{kb, percent_change, table};
use super::transfer::{sizes, Sizes};
use crate::build::{StdBuild, WasmToolchain, SHIPPED_WASM};
use crate::paths;
use crate::process::{command, run, step_error, StepError};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const APP_BIN: &str = "video-date";

/// A release build to compare: a toolchain setting and `CARGO_PROFILE_RELEASE_*` overrides of `Cargo.toml`.
struct Variant {
    /// Names its target directory and output directory.
    slug: &'static str,
    label: &'static str,
    toolchain: WasmToolchain,
    overrides: &'static [(&'static str, &'static str)],
}

const SHIPPED: Variant = Variant {
    slug: "shipped",
    label: "shipped: opt-level \"z\", lto, codegen-units 1, std rebuilt with panic immediate-abort and optimize_for_size, erase_components",
    toolchain: SHIPPED_WASM,
    overrides: &[],
};

const ALTERNATIVES: [Variant; 5] = [
    Variant {
        slug: "stable",
        label: "stable toolchain, rustup's prebuilt std, panic abort",
        toolchain: WasmToolchain { toolchain: "stable", rustflags: "", std: StdBuild::Prebuilt },
        overrides: &[],
    },
    Variant {
        slug: "std-default-features",
        label: "std rebuilt with its default features (no optimize_for_size)",
        toolchain: WasmToolchain { std: StdBuild::Rebuilt { features: None }, ..SHIPPED_WASM },
        overrides: &[],
    },
    Variant {
        slug: "typed-views",
        label: "without erase_components",
        toolchain: WasmToolchain {
            rustflags: "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none",
            ..SHIPPED_WASM
        },
        overrides: &[],
    },
    Variant {
        slug: "opt-level-s",
        label: "opt-level \"s\"",
        toolchain: SHIPPED_WASM,
        overrides: &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")],
    },
    Variant {
        slug: "no-lto-cgu16",
        label: "lto off, codegen-units 16",
        toolchain: SHIPPED_WASM,
        overrides: &[("CARGO_PROFILE_RELEASE_LTO", "false"), ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")],
    },
];

/// wasm-opt's level and flags exactly as `index.html` gives them to Trunk.
struct WasmOpt {
    level: String,
    params: Vec<String>,
}

pub struct Measured {
    label: &'static str,
    bindgen: Sizes,
    optimized: Sizes,
}

pub struct Profiles {
    wasm_opt_args: String,
    shipped: Measured,
    alternatives: Vec<Measured>,
}

pub fn measure() -> Result<Profiles, StepError> {
    let index = paths::repo_root().join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|err| step_error("bench", format!("cannot read {}: {err}", index.display())))?;
    let wasm_opt = WasmOpt {
        level: attribute(&html, "data-wasm-opt")
            .ok_or_else(|| step_error("bench", "index.html sets no data-wasm-opt"))?,
        params: attribute(&html, "data-wasm-opt-params")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    };
    // `trunk build --release` has just built the shipped profile into the shared target directory; reusing
    // it costs nothing. The others get a directory each, so they neither evict it nor rebuild from scratch.
    let shipped = measure_variant(&SHIPPED, paths::target_dir(), &wasm_opt)?;
    let alternatives = ALTERNATIVES
        .iter()
        .map(|v| measure_variant(v, paths::cache_dir().join(format!("bench-target-{}", v.slug)), &wasm_opt))
        .collect::<Result<_, _>>()?;
    let wasm_opt_args =
        std::iter::once(format!("-O{}", wasm_opt.level)).chain(wasm_opt.params).collect::<Vec<_>>().join(" ");
    Ok(Profiles { wasm_opt_args, shipped, alternatives })
}

/// The value of `name="…"` in `html`; the `="` keeps `data-wasm-opt` from matching `data-wasm-opt-params`.
fn attribute(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let length = html[start..].find('"')?;
    Some(html[start..start + length].to_owned())
}

fn measure_variant(variant: &Variant, target_dir: PathBuf, wasm_opt: &WasmOpt) -> Result<Measured, StepError> {
    println!("==> bench profile {}: build, wasm-bindgen, wasm-opt", variant.slug);
    let step = format!("bench-profile-{}", variant.slug);
    run(
        &step,
        variant
            .toolchain
            .apply(&mut command("cargo"))
            .args(["build", "--quiet", "--release", "--target", WASM_TARGET, "--bin", APP_BIN])
            .env("CARGO_TARGET_DIR", &target_dir)
            .envs(variant.overrides.iter().copied()),
    )?;
    let cargo_wasm = target_dir.join(WASM_TARGET).join("release").join(format!("{APP_BIN}.wasm"));
    let out = paths::cache_dir().join("bench-out").join(variant.slug);
    // The arguments Trunk passes to wasm-bindgen for a release build of `index.html`'s app.
    run(
        &step,
        command("wasm-bindgen")
            .args(["--target=web", "--no-typescript", &format!("--out-name={APP_BIN}")])
            .arg(format!("--out-dir={}", out.display()))
            .arg(&cargo_wasm),
    )?;
    let bindgen_wasm = out.join(format!("{APP_BIN}_bg.wasm"));
    let optimized_wasm = out.join(format!("{APP_BIN}_bg.opt.wasm"));
    run(
        &step,
        command("wasm-opt")
            .arg(format!("--output={}", optimized_wasm.display()))
            .arg(format!("-O{}", wasm_opt.level))
            .arg(&bindgen_wasm)
            .args(&wasm_opt.params),
    )?;
    Ok(Measured { label: variant.label, bindgen: sizes(&bindgen_wasm)?, optimized: sizes(&optimized_wasm)? })
}

pub const TITLE: &str = "What each release setting is worth (the wasm only)";

pub fn section(profiles: &Profiles) -> String {
    let base = profiles.shipped.optimized.gzip;
    let rows: Vec<Vec<String>> = std::iter::once(&profiles.shipped)
        .chain(&profiles.alternatives)
        .map(|m| {
            vec![
                m.label.to_owned(),
                format!("{} / {}", kb(m.bindgen.raw), kb(m.bindgen.gzip)),
                format!("{} / {}", kb(m.optimized.raw), kb(m.optimized.gzip)),
                percent_change(m.optimized.gzip, base),
            ]
        })
        .collect();
    let without_wasm_opt = percent_change(profiles.shipped.bindgen.gzip, base);
    format!(
        "\n## {TITLE}\n\n\
         Each row changes one thing: the toolchain and its flags (`xtask/src/build.rs`), or `[profile.release]` \
         through `CARGO_PROFILE_RELEASE_*` (panic abort and strip stay on). \
         wasm-opt runs as Trunk runs it, with `index.html`'s level and flags: `{}`.\n\n{}\n\
         Without wasm-opt the shipped wasm is {without_wasm_opt} gzip.\n",
        profiles.wasm_opt_args,
        table(
            &["cargo profile", "without wasm-opt: raw / gzip KB", "with wasm-opt: raw / gzip KB", "gzip vs shipped"],
            &rows
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::attribute;

    #[test]
    fn reads_wasm_opt_settings_from_trunks_link() {
        let html = r#"<link data-trunk rel="rust" data-wasm-opt="z" data-wasm-opt-params="--enable-sign-ext --enable-multivalue" />"#;
        assert_eq!(attribute(html, "data-wasm-opt").as_deref(), Some("z"));
        assert_eq!(attribute(html, "data-wasm-opt-params").as_deref(), Some("--enable-sign-ext --enable-multivalue"));
        assert_eq!(attribute(html, "data-bin"), None);
    }
}
