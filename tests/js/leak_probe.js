// Test-only probe: counts the browser resources the page opens, so a test can prove unmounting leaves
// none running. Installed once, before the page creates anything; wraps constructors, never changes behaviour.
const live = { tracks: new Set(), sockets: new Set(), peers: new Set(), intervals: new Set(), timeouts: new Set() };

export function installLeakProbe() {
  if (globalThis.__videoDateLeakProbe) return;
  globalThis.__videoDateLeakProbe = true;

  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    stream.getTracks().forEach((track) => live.tracks.add(track));
    return stream;
  };
  const clone = MediaStreamTrack.prototype.clone;
  MediaStreamTrack.prototype.clone = function () {
    const copy = clone.call(this);
    live.tracks.add(copy);
    return copy;
  };

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) { super(...args); live.sockets.add(this); }
  };
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) { super(...args); live.peers.add(this); }
  };

  const { setInterval, clearInterval, setTimeout, clearTimeout } = window;
  window.setInterval = (fn, ms, ...rest) => { const id = setInterval(fn, ms, ...rest); live.intervals.add(id); return id; };
  window.clearInterval = (id) => { live.intervals.delete(id); clearInterval(id); };
  window.setTimeout = (fn, ms, ...rest) => {
    const id = setTimeout((...args) => { live.timeouts.delete(id); typeof fn === "function" && fn(...args); }, ms, ...rest);
    live.timeouts.add(id);
    return id;
  };
  window.clearTimeout = (id) => { live.timeouts.delete(id); clearTimeout(id); };
}

// Counting forgets what has finished: the probe holds strong references (a leaked live track must stay
// visible), but only to what is still open, so it does not keep closed rooms alive in the heap figures.
function stillOpen(set, isOpen) {
  for (const item of set) if (!isOpen(item)) set.delete(item);
  return set.size;
}

export function liveTracks() { return stillOpen(live.tracks, (t) => t.readyState === "live"); }
export function openSockets() { return stillOpen(live.sockets, (s) => s.readyState <= 1); }
export function openPeerConnections() {
  return stillOpen(live.peers, (p) => p.connectionState !== "closed" && p.signalingState !== "closed");
}
export function activeIntervals() { return live.intervals.size; }
export function pendingTimeouts() { return live.timeouts.size; }
