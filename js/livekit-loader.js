// The only module the wasm imports for LiveKit (src/livekit/sys.rs): it loads livekit-client with a dynamic
// `import()` when the date page asks (src/livekit/loader.rs), so nothing before "Join" waits for the SDK.
// Served as a Trunk snippet; the SDK itself is a file named by its content hash (xtask/src/build.rs).

// One load per address for the page's life: a second call joins the first. A failed load is forgotten, and the
// next attempt asks for a new address (a `retry` query), because a module map may keep a failed fetch's result
// for its address (whatwg/html#6768): a retry must really fetch again.
const loads = new Map();
const failures = new Map();

export function loadLivekitClient(url) {
  const href = new URL(url, document.baseURI);
  const key = href.href;
  let load = loads.get(key);
  if (load === undefined) {
    const failed = failures.get(key) ?? 0;
    if (failed > 0) href.searchParams.set("retry", String(failed));
    load = import(href.href);
    loads.set(key, load);
    load.catch(() => {
      loads.delete(key);
      failures.set(key, failed + 1);
    });
  }
  return load;
}

export function newRoom(sdk, options) {
  return new sdk.Room(options);
}

// A camera or microphone track the page opened itself (the pre-join preview), handed to the SDK as
// `createLocalTracks` hands it the tracks it opens: not user-provided, so muting the camera turns it off and
// unmuting opens it again with the same constraints (the device actually used, as the SDK itself records it).
export function adoptLocalTrack(sdk, mediaStreamTrack) {
  const constraints = { ...mediaStreamTrack.getConstraints(), deviceId: mediaStreamTrack.getSettings().deviceId };
  if (mediaStreamTrack.kind === "video") {
    const track = new sdk.LocalVideoTrack(mediaStreamTrack, constraints, false);
    track.source = "camera";
    return track;
  }
  const track = new sdk.LocalAudioTrack(mediaStreamTrack, constraints, false);
  track.source = "microphone";
  return track;
}
