//! The one way our code listens to a DOM event: an [`EventListener`] that is removed when dropped, so nothing
//! outlives the handle that added it. A component keeps one in a local `StoredValue` it empties on cleanup.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A listener for `name` events on one target, removed from it when dropped.
#[must_use = "the listener is removed when this is dropped"]
pub(crate) struct EventListener {
    target: web_sys::EventTarget,
    name: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl EventListener {
    pub(crate) fn new(
        target: &web_sys::EventTarget,
        name: &'static str,
        handler: impl FnMut(web_sys::Event) + 'static,
    ) -> Self {
        let callback: Closure<dyn FnMut(web_sys::Event)> = Closure::new(handler);
        // Adding a listener only fails for a non-function callback, which a `Closure` never is.
        let _ = target.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        EventListener { target: target.clone(), name, callback }
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.name, self.callback.as_ref().unchecked_ref());
    }
}
