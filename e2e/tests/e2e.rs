//! The e2e suite: the release build on the real local stack, driven through headless Chromium.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use e2e::runner::{run_all, Scenario, ScenarioResult};
use e2e::{browser, Stack};
use fantoccini::Locator;

#[tokio::main]
async fn main() -> ExitCode {
    let stack = match e2e::start_stack() {
        Ok(stack) => stack,
        Err(err) => {
            eprintln!("e2e: cannot start the stack: {err} (logs in artifacts/logs/e2e; run `cargo xtask test`)");
            return ExitCode::FAILURE;
        }
    };
    let scenarios: &[(&str, Scenario<Stack>)] = &[
        ("livekit_server_answers_on_its_port", |s| Box::pin(livekit_server_answers(s))),
        ("built_app_mounts_in_chromium", |s| Box::pin(built_app_mounts(s))),
    ];
    let ok = run_all(&stack, scenarios).await;
    drop(stack);
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

async fn livekit_server_answers(stack: &Stack) -> ScenarioResult {
    let address = stack.livekit_url().replace("ws://", "");
    let mut socket = TcpStream::connect(&address).map_err(|err| format!("connect {address}: {err}"))?;
    socket.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    write!(socket, "GET / HTTP/1.0\r\nHost: {address}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut reply = String::new();
    socket.read_to_string(&mut reply).map_err(|e| e.to_string())?;
    if reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("livekit-server answered: {}", reply.lines().next().unwrap_or("nothing")))
    }
}

async fn built_app_mounts(stack: &Stack) -> ScenarioResult {
    let webdriver = stack.webdriver_url().ok_or("the stack has no chromedriver")?;
    let client = browser::open(&webdriver).await?;
    let result = async {
        client
            .goto(&format!("{}/video-date/smoke-test", stack.devserver_url()))
            .await
            .map_err(|e| e.to_string())?;
        let root = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#app h1"))
            .await
            .map_err(|err| format!("the app did not render: {err}"))?;
        let heading = root.text().await.map_err(|e| e.to_string())?;
        if heading == "Your date" {
            Ok(())
        } else {
            Err(format!("expected the date page, found heading {heading:?}"))
        }
    }
    .await;
    let _ = client.close().await;
    result
}
