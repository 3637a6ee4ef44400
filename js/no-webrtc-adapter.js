// Stands in for `webrtc-adapter`, which livekit-client imports only for its side effects: shims for
// browsers older than the ones this app supports (Chrome/Edge 110+, Firefox 115+, Safari 16.4+), where
// the shimmed APIs are native. It was 38 KB of the bundle (about 10 KB gzip).
export {};
