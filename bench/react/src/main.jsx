// The date page as the seed's Next.js page did it, for `cargo xtask bench` to compare with the Rust app: React,
// supabase-js and livekit-client imported eagerly, connecting on load. Built by xtask/src/bench/react.rs with
// esbuild (minified); served by the devserver under /react/ on the same stack as the app.
import { createClient } from "@supabase/supabase-js";
import { Room, RoomEvent, Track } from "livekit-client";
import { StrictMode, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import "./app.css";

// Next.js inlines its public env at build time; esbuild's --define does the same here. The devserver plays
// Supabase and the token endpoint on the page's own origin.
const supabase = createClient(location.origin, SUPABASE_ANON_KEY);
const TOKEN_ENDPOINT = `${location.origin}/api/livekit-token`;

function VideoDate({ dateId }) {
  const partnerVideo = useRef(null);
  const partnerAudio = useRef(null);
  const selfVideo = useRef(null);
  const [roomState, setRoomState] = useState("loading");
  const [date, setDate] = useState(null);
  const [problem, setProblem] = useState(null);

  useEffect(() => {
    const room = new Room({ adaptiveStream: true, dynacast: true });
    let channel = null;
    let left = false;
    room
      .on(RoomEvent.ConnectionStateChanged, setRoomState)
      .on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind === Track.Kind.Video) track.attach(partnerVideo.current);
        if (track.kind === Track.Kind.Audio) track.attach(partnerAudio.current);
      })
      .on(RoomEvent.LocalTrackPublished, (publication) => {
        if (publication.track.kind === Track.Kind.Video) publication.track.attach(selfVideo.current);
      });
    (async () => {
      const { data: { session } } = await supabase.auth.getSession();
      if (!session) throw new Error("You are not signed in.");
      const { data: rows, error } = await supabase.from("video_dates").select("*").eq("id", dateId);
      if (error) throw new Error(`The date could not be loaded: ${error.message}`);
      if (!rows.length) throw new Error("This date does not exist or is not yours.");
      if (left) return;
      setDate(rows[0]);
      channel = supabase
        .channel(`video_date:${dateId}`)
        .on("postgres_changes", { event: "*", schema: "public", table: "video_dates", filter: `id=eq.${dateId}` },
          (change) => setDate(change.new))
        .subscribe();
      const query = new URLSearchParams({ room: rows[0].room_name, username: session.user.id });
      const answer = await fetch(`${TOKEN_ENDPOINT}?${query}`, { headers: { Authorization: `Bearer ${session.access_token}` } });
      if (!answer.ok) throw new Error(`The token endpoint answered ${answer.status}.`);
      const { token, serverUrl } = await answer.json();
      if (left) return;
      await room.connect(serverUrl, token);
      await room.localParticipant.enableCameraAndMicrophone();
    })().catch((err) => { if (!left) setProblem(err.message); });
    return () => {
      left = true;
      room.disconnect();
      if (channel) supabase.removeChannel(channel);
    };
  }, [dateId]);

  return (
    <main data-room-state={roomState}>
      <p>{problem ?? (date ? `Your date (${date.status}) — ${roomState}` : "Loading your date…")}</p>
      <video className="partner-video" ref={partnerVideo} autoPlay playsInline />
      <audio ref={partnerAudio} autoPlay />
      <video className="self-video" ref={selfVideo} autoPlay playsInline muted />
    </main>
  );
}

const dateId = location.pathname.split("/").filter(Boolean).pop();
createRoot(document.getElementById("root")).render(<StrictMode><VideoDate dateId={dateId} /></StrictMode>);
