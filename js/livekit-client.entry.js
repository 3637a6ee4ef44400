// esbuild entry: the names src/livekit/sys.rs binds, so the bundle keeps only what they reach.
// `cargo xtask setup` turns this into js/livekit-client.js (minified, generated, not committed).
// Bundled from the package's TypeScript sources rather than its prebuilt ESM file: esbuild can then drop
// unused modules, and swap out webrtc-adapter (see no-webrtc-adapter.js). 149 KB -> 120 KB gzip.
export { LocalAudioTrack, LocalVideoTrack, Room, createLocalTracks } from "../node_modules/livekit-client/src/index.ts";
