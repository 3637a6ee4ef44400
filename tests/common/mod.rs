//! Helpers shared by the browser tests.
// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

pub mod devserver;
pub mod leak_probe;
pub mod log_capture;
pub mod page;

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

/// Waits (up to `timeout`) for `selector` to match inside `host`; DOM updates in Leptos are async.
pub async fn wait_for(host: &web_sys::Element, selector: &str, timeout: Duration) -> web_sys::Element {
    let step = Duration::from_millis(10);
    let mut waited = Duration::ZERO;
    while waited < timeout {
        if let Some(found) = host.query_selector(selector).unwrap() {
            return found;
        }
        gloo_timers::future::sleep(step).await;
        waited += step;
    }
    panic!("{selector} did not appear within {timeout:?}; page: {}", host.inner_html());
}
