//! Accessibility: axe-core (the npm package `cargo xtask setup` installs) run on the screen a person sees.

use std::time::Duration;

use crate::person::Person;

/// axe-core's browser build, which defines `window.axe` when run as a script.
const AXE_SOURCE: &str = "node_modules/axe-core/axe.min.js";

/// Every rule axe-core runs by default (WCAG 2.x A and AA, and its best practices); only the violations come
/// back, each as its rule, what it asks for and the elements that break it.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then((results) => done(results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)))
  .catch((err) => done([`axe-core failed: ${err}`]));
"#;

/// Waits until `person` shows `shows` (so it is `screen` that is checked, not one on its way there), then runs
/// axe-core on the page and fails naming every violation.
pub async fn check_screen(person: &Person, screen: &str, shows: &str) -> Result<(), String> {
    person.wait_for_text(shows, Duration::from_secs(25)).await?;
    let path = xtask::paths::repo_root().join(AXE_SOURCE);
    let source = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read {} ({err}); run `cargo xtask setup`", path.display()))?;
    person.js(&format!("if (!window.axe) {{ {source} }}")).await?;
    let violations = person.run_async(RUN_AXE, &format!("axe-core on the {screen} screen")).await?;
    match violations.as_array().map(Vec::as_slice) {
        Some([]) => Ok(()),
        _ => Err(format!("{}: axe-core finds the {screen} screen inaccessible: {violations}", person.name)),
    }
}
