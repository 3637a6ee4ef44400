//! The browser's `fetch` for the few requests the page makes: one call, and the answer's status and text.
//! The page used gloo-net, whose error type carries serde_json's and std::io's; their messages and formatting
//! came along into the wasm. Errors here are the browser's own words.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Method {
    #[default]
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One request. A body is sent as given: set its `Content-Type` in `headers`.
#[derive(Default)]
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<String>,
    /// Aborting it fails the request (or the reading of its answer) with the browser's `AbortError`.
    pub signal: Option<&'a web_sys::AbortSignal>,
}

pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why the browser could not make the request or read its answer, as it says it: "TypeError: Failed to fetch",
/// "AbortError: …". It can quote the URL, so callers redact what they put in one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

impl FetchError {
    fn from_js(err: JsValue) -> Self {
        let reason = match err.dyn_ref::<js_sys::Error>() {
            Some(error) => format!("{}: {}", String::from(error.name()), String::from(error.message())),
            None => err.as_string().unwrap_or_else(|| "the browser gave no reason".into()),
        };
        FetchError(reason)
    }
}

/// Sends `request` and reads the whole answer as text, whatever its status.
pub async fn fetch(request: Request<'_>) -> Result<Response, FetchError> {
    let window = web_sys::window().ok_or_else(|| FetchError("no window to fetch from".into()))?;
    let headers = web_sys::Headers::new().map_err(FetchError::from_js)?;
    for (name, value) in request.headers {
        headers.set(name, value).map_err(FetchError::from_js)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(request.signal);
    let answer =
        JsFuture::from(window.fetch_with_str_and_init(request.url, &init)).await.map_err(FetchError::from_js)?;
    let response: web_sys::Response = answer.unchecked_into();
    let text = JsFuture::from(response.text().map_err(FetchError::from_js)?).await.map_err(FetchError::from_js)?;
    Ok(Response { status: response.status(), body: text.as_string().unwrap_or_default() })
}
