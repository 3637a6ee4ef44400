// esbuild entry: the names src/livekit/sys.rs binds, so the bundle keeps only what they reach.
// `cargo xtask setup` turns this into js/livekit-client.js (minified, generated, not committed).
export { Room } from "livekit-client";
