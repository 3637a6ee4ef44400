//! A DOM event listener that is removed when dropped, so nothing outlives the handle that added it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
