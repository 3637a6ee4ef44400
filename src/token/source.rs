//! Where tokens come from: the token endpoint, cached and refreshed ahead of expiry.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_net::http::Request;
use gloo_timers::callback::Timeout;

use super::claims::Expectations;
use super::error::TokenError;
use super::redact::{sanitize_excerpt, Secret};
use super::response::{validate_response, IssuedToken};
use crate::expiry;
use crate::metrics::{self, Metric};
use crate::time;
use crate::url::with_query;
use crate::wire;

/// Whether [`EndpointSource::fetch`] may answer from its cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The cached token while it is fresh; otherwise a new one from the endpoint.
    Cached,
    /// Always a new one from the endpoint: the server refused the cached one, or it is being refreshed.
    Fresh,
}

impl Freshness {
    /// The stable name logs use.
    fn name(self) -> &'static str {
        match self {
            Freshness::Cached => "cached",
            Freshness::Fresh => "fresh",
        }
    }
}

/// Settings of an [`EndpointSource`].
#[derive(Debug, Clone)]
pub struct EndpointSourceOptions {
    pub endpoint: String,
    pub expected: Expectations,
    /// The signed-in user's session token, sent as `Authorization: Bearer`.
    pub access_token: Secret,
    /// The request is aborted after this long.
    pub timeout: Duration,
    /// A cached token is reused until this long before it expires, and refreshed then (a token living less than
    /// this: halfway through its life; see [`expiry`]).
    pub refresh_margin: Duration,
}

impl EndpointSourceOptions {
    /// The defaults: a 10 s timeout, and a token replaced 2 minutes before it expires.
    pub fn new(endpoint: impl Into<String>, expected: Expectations, access_token: Secret) -> Self {
        EndpointSourceOptions {
            endpoint: endpoint.into(),
            expected,
            access_token,
            timeout: Duration::from_secs(10),
            refresh_margin: Duration::from_secs(120),
        }
    }
}

/// LiveKit tokens from the token endpoint, cached until they go stale; see [`EndpointSource::fetch`].
pub struct EndpointSource {
    options: RefCell<EndpointSourceOptions>,
    cache: RefCell<Option<Cached>>,
    requests: Cell<u32>,
}

/// A token and when it goes stale: when the refresh policy ([`expiry`]) says to replace it, counted from when
/// it arrived. Reuse and proactive refresh read the same instant, so a token is never reused after its
/// refresh was due, nor refetched before.
#[derive(Clone)]
struct Cached {
    issued: IssuedToken,
    stale_at: i64,
}

impl EndpointSource {
    /// A source with an empty cache; shared (`Rc`) because the connect routine and the refresh timer both use it.
    pub fn new(options: EndpointSourceOptions) -> Rc<Self> {
        Rc::new(EndpointSource { options: RefCell::new(options), cache: RefCell::new(None), requests: Cell::new(0) })
    }

    /// How many HTTP requests this source has made.
    pub fn requests(&self) -> u32 {
        self.requests.get()
    }

    /// A refreshed session: later requests use the new access token.
    pub(crate) fn set_access_token(&self, access_token: Secret) {
        self.options.borrow_mut().access_token = access_token;
    }

    /// A token as `freshness` asks: from the cache when allowed and still fresh, else from the endpoint.
    pub async fn fetch(&self, freshness: Freshness) -> Result<IssuedToken, TokenError> {
        if freshness == Freshness::Cached {
            if let Some(cached) = self.fresh_cached() {
                tracing::debug!(expires_at = cached.token.expires_at(), "token reused from cache");
                return Ok(cached);
            }
        }
        self.requests.set(self.requests.get() + 1);
        let options = self.options.borrow().clone();
        let started = time::now_ms();
        let result = request(&options).await;
        let elapsed_ms = time::elapsed_ms(started);
        match &result {
            Ok(issued) => {
                metrics::record(Metric::TokenFetched { latency_ms: elapsed_ms });
                tracing::info!(
                    room = %options.expected.room,
                    freshness = freshness.name(),
                    elapsed_ms,
                    expires_at = issued.token.expires_at(),
                    "token fetched"
                );
                let now = time::now_secs();
                let margin = options.refresh_margin.as_secs() as i64;
                let stale_at = now + expiry::refresh_delay_secs(issued.token.expires_at(), margin, now);
                *self.cache.borrow_mut() = Some(Cached { issued: issued.clone(), stale_at });
            }
            Err(err) => {
                metrics::record(Metric::TokenFailed { kind: err.kind() });
                tracing::warn!(
                    room = %options.expected.room,
                    freshness = freshness.name(),
                    elapsed_ms,
                    kind = err.kind(),
                    "token fetch failed: {err}"
                );
                self.cache.borrow_mut().take();
            }
        }
        result
    }

    fn fresh_cached(&self) -> Option<IssuedToken> {
        let cache = self.cache.borrow();
        cache.as_ref().filter(|cached| time::now_secs() < cached.stale_at).map(|cached| cached.issued.clone())
    }

    /// Keeps the cached token fresh: replaces it when it goes stale (see `Cached`), for as long as the
    /// returned handle lives. Dropping the handle cancels the timer.
    pub fn keep_fresh(self: &Rc<Self>) -> RefreshHandle {
        let handle = RefreshHandle { timer: Rc::new(RefCell::new(None)) };
        schedule_refresh(Rc::downgrade(self), Rc::downgrade(&handle.timer));
        handle
    }
}

/// Cancels the proactive refresh when dropped.
#[must_use = "the proactive refresh is cancelled when this is dropped"]
pub struct RefreshHandle {
    timer: Rc<RefCell<Option<Timeout>>>,
}

impl RefreshHandle {
    /// Whether a refresh is scheduled (false after a refresh failed for good or no token is cached).
    pub fn is_scheduled(&self) -> bool {
        self.timer.borrow().is_some()
    }
}

impl Drop for RefreshHandle {
    fn drop(&mut self) {
        self.timer.borrow_mut().take();
    }
}

/// When a refresh fails, try again this much later (the cached token may still have time left).
const REFRESH_RETRY: Duration = Duration::from_secs(30);

fn schedule_refresh(source: Weak<EndpointSource>, slot: Weak<RefCell<Option<Timeout>>>) {
    let Some(strong_source) = source.upgrade() else { return };
    let Some(stale_at) = strong_source.cache.borrow().as_ref().map(|cached| cached.stale_at) else {
        if let Some(slot) = slot.upgrade() {
            slot.borrow_mut().take();
        }
        return;
    };
    let due_in = (stale_at - time::now_secs()).max(0);
    drop(strong_source);
    arm_refresh(source, slot, u32::try_from(due_in.saturating_mul(1000)).unwrap_or(u32::MAX));
}

/// One refresh after `delay_ms`; then the next is scheduled from the new token, or retried after a
/// transient failure. A refusal (signed out, not in the date) stops it: retrying cannot help.
fn arm_refresh(source: Weak<EndpointSource>, slot: Weak<RefCell<Option<Timeout>>>, delay_ms: u32) {
    let Some(strong_slot) = slot.upgrade() else { return };
    let timeout = Timeout::new(delay_ms, move || {
        wasm_bindgen_futures::spawn_local(async move {
            let Some(source_now) = source.upgrade() else { return };
            if slot.upgrade().is_none() {
                return;
            }
            let outcome = source_now.fetch(Freshness::Fresh).await;
            drop(source_now);
            match outcome {
                Ok(_) => schedule_refresh(source, slot),
                Err(TokenError::Unauthorized | TokenError::NotInThisDate) => {
                    if let Some(slot) = slot.upgrade() {
                        slot.borrow_mut().take();
                    }
                }
                Err(_) => arm_refresh(source, slot, time::millis(REFRESH_RETRY)),
            }
        });
    });
    *strong_slot.borrow_mut() = Some(timeout);
}

/// Aborts the fetch when dropped: leaving the page mid-request cancels it rather than leaving it running.
#[must_use = "the request is aborted when this is dropped"]
struct AbortOnDrop(web_sys::AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn request(options: &EndpointSourceOptions) -> Result<IssuedToken, TokenError> {
    let controller = web_sys::AbortController::new().map_err(|_| TokenError::Network("no AbortController".into()))?;
    let timed_out = Rc::new(Cell::new(false));
    let _deadline = Timeout::new(time::millis(options.timeout), {
        let controller = controller.clone();
        let timed_out = timed_out.clone();
        move || {
            timed_out.set(true);
            controller.abort();
        }
    });
    let _cancel_on_drop = AbortOnDrop(controller.clone());
    let url = with_query(
        &options.endpoint,
        &[("room", options.expected.room.as_str()), ("username", options.expected.identity.as_str())],
    );
    let authorization = format!("Bearer {}", options.access_token.expose());
    let signal = controller.signal();
    let failed = |err: gloo_net::Error| {
        if timed_out.get() {
            TokenError::Timeout { after_ms: time::millis(options.timeout) }
        } else {
            TokenError::Network(sanitize_excerpt(&wire::request_failure(&err), &[&options.access_token]))
        }
    };
    let response = Request::get(&url)
        .header("Authorization", &authorization)
        .abort_signal(Some(&signal))
        .send()
        .await
        .map_err(failed)?;
    let body = response.text().await.map_err(failed)?;
    validate_response(response.status(), &body, &options.expected, time::now_secs(), &[&options.access_token])
}
