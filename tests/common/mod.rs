//! Helpers shared by the browser tests.
// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

pub mod devserver;
pub mod leak_probe;
pub mod livekit;
pub mod log_capture;
pub mod page;
pub mod patch;

use std::future::Future;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A fresh `<section>` in the page body, to mount a component into.
pub fn host() -> web_sys::HtmlElement {
    let document = document();
    let host = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host.unchecked_into()
}

/// The one wait of the browser tests: polls `probe` every 10 ms until it answers `Ok`, and returns that answer.
/// Past `timeout` the test fails naming `what` it waited for and the probe's last `Err` (what it saw instead),
/// so every wait asserts what it waited for. DOM updates in Leptos, and everything the servers do, are async.
pub async fn poll<T, F>(what: &str, timeout: Duration, mut probe: impl FnMut() -> F) -> T
where
    F: Future<Output = Result<T, String>>,
{
    let started = js_sys::Date::now();
    loop {
        let seen = match probe().await {
            Ok(answer) => return answer,
            Err(seen) => seen,
        };
        assert!(js_sys::Date::now() - started < timeout.as_millis() as f64, "{what} not within {timeout:?}; {seen}");
        gloo_timers::future::sleep(Duration::from_millis(10)).await;
    }
}

/// [`poll`] for a condition read synchronously.
pub async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    poll(what, timeout, || std::future::ready(if done() { Ok(()) } else { Err("it had not happened".into()) })).await
}

/// Waits (up to `timeout`) for `selector` to match inside `host`.
pub async fn wait_for(host: &web_sys::Element, selector: &str, timeout: Duration) -> web_sys::Element {
    poll(selector, timeout, || {
        let found = host.query_selector(selector).unwrap();
        std::future::ready(found.ok_or_else(|| format!("page: {}", host.inner_html())))
    })
    .await
}

/// How many fetches of an address containing `needle` the browser has finished (Resource Timing entries).
pub fn fetches_of(needle: &str) -> usize {
    let script = format!("performance.getEntriesByType('resource').filter((e) => e.name.includes({needle:?})).length");
    js_sys::eval(&script).ok().and_then(|count| count.as_f64()).unwrap_or(0.0) as usize
}

/// Empties the browser's list of finished fetches, whose buffer keeps only the first 250 by default.
pub fn forget_fetches() {
    let _ = js_sys::eval("performance.clearResourceTimings()");
}
