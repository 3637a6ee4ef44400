//! The official JS clients (`@supabase/realtime-js`, `@supabase/postgrest-js`, from the root `node_modules/`)
//! accept the devserver unchanged: runs `node-tests/supabase-clients.mjs` against a devserver started here.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

#[tokio::test]
async fn realtime_js_and_postgrest_js_work_against_the_devserver() {
    // Read at run time: a compiled test can be reused by a clone at another path (shared target dir).
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"));
    let script = root.join("node-tests/supabase-clients.mjs");
    assert!(
        root.join("../node_modules/@supabase/realtime-js").is_dir(),
        "the JS clients are not installed: run `npm ci` in the repository root"
    );
    let server = common::start().await;
    let child = tokio::process::Command::new("node")
        // Node 20 has a WebSocket only behind this flag; realtime-js needs one.
        .arg("--experimental-websocket")
        .arg(&script)
        .env("DEVSERVER_URL", &server.base)
        .env("SUPABASE_ANON_KEY", common::ANON_KEY)
        .env("DATE_ID", devserver::seed::DATE_ID)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run `node` ({err}); Node.js 20+ must be on PATH for this test"));
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the node script did not finish in 30 s")
        .expect("waiting for node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node script failed ({}):\n{stdout}\n{stderr}", output.status);
    assert!(stdout.contains("PASS"), "{stdout}");
}
