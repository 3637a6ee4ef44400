//! Bindings to `tests/js/leak_probe.js`: counts of the browser resources the page has open.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/tests/js/leak_probe.js")]
extern "C" {
    /// Wraps the constructors it counts; call it before the page creates anything.
    #[wasm_bindgen(js_name = installLeakProbe)]
    pub fn install_leak_probe();
    #[wasm_bindgen(js_name = liveTracks)]
    pub fn live_tracks() -> u32;
    #[wasm_bindgen(js_name = openSockets)]
    pub fn open_sockets() -> u32;
    #[wasm_bindgen(js_name = openPeerConnections)]
    pub fn open_peer_connections() -> u32;
    #[wasm_bindgen(js_name = activeIntervals)]
    pub fn active_intervals() -> u32;
    #[wasm_bindgen(js_name = pendingTimeouts)]
    pub fn pending_timeouts() -> u32;
}
