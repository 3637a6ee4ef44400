// The official Supabase JS clients against a running devserver: postgrest-js reads the seeded date, calls its
// functions (`rpc`) and has a direct update refused; realtime-js (both serializers) sees SUBSCRIBED, the
// postgres_changes event of each call, and presence and broadcast round trips between alice and bob. Exits
// non-zero with a reason on the first failure.
// Usage: node --experimental-websocket supabase-clients.mjs   (Node 20 needs the flag for its WebSocket)
// Env: DEVSERVER_URL (default http://127.0.0.1:8797), SUPABASE_ANON_KEY (default dev-anon-key), DATE_ID.
import realtime from '@supabase/realtime-js';
import { PostgrestClient } from '@supabase/postgrest-js';

const { RealtimeClient } = realtime;
const base = process.env.DEVSERVER_URL ?? 'http://127.0.0.1:8797';
const anonKey = process.env.SUPABASE_ANON_KEY ?? 'dev-anon-key';
const dateId = process.env.DATE_ID ?? 'd47e0000-0000-4000-8000-000000000001';
const STEP_MS = 5000;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

/** Resolves with the first value `register(resolve)` yields, or fails after STEP_MS naming `what`. */
function within(what, register) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`timed out waiting for ${what}`), STEP_MS);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

async function signIn(email) {
  const response = await fetch(`${base}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password' }),
  });
  if (!response.ok) fail(`sign-in of ${email}: HTTP ${response.status}`);
  const session = await response.json();
  return { token: session.access_token, id: session.user.id };
}

function rest(token) {
  return new PostgrestClient(`${base}/rest/v1`, { headers: { apikey: anonKey, Authorization: `Bearer ${token}` } });
}

function realtimeClient(token, vsn) {
  const client = new RealtimeClient(`${base.replace(/^http/, 'ws')}/realtime/v1`, { params: { apikey: anonKey }, vsn });
  client.setAuth(token);
  return client;
}

async function subscribe(channel, who) {
  let subscribed = false;
  const status = await within(`${who} SUBSCRIBED`, (done) =>
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') {
        subscribed = true;
        done(status);
      } else if (!subscribed) {
        fail(`${who}: ${status} ${err ?? ''}`);
      }
      // After SUBSCRIBED, only our own removeAllChannels closes the channel.
    }),
  );
  console.log(`ok: ${who} ${status}`);
}

async function roundTrips(alice, bob, vsn, fn, status) {
  const topic = `date-${dateId}-${vsn}`;
  const filter = `id=eq.${dateId}`;
  const aliceClient = realtimeClient(alice.token, vsn);
  const bobClient = realtimeClient(bob.token, vsn);
  let onChange, onBroadcast, onSync;
  const changed = within(`postgres_changes (${vsn})`, (done) => (onChange = done));
  const waved = within(`broadcast (${vsn})`, (done) => (onBroadcast = done));
  const bothPresent = within(`presence of both (${vsn})`, (done) => (onSync = done));
  const aliceChannel = aliceClient
    .channel(topic, { config: { presence: { key: alice.id } } })
    .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'video_dates', filter }, (change) => onChange(change))
    .on('broadcast', { event: 'wave' }, (message) => onBroadcast(message))
    .on('presence', { event: 'sync' }, () => {
      const keys = Object.keys(aliceChannel.presenceState());
      if (keys.includes(alice.id) && keys.includes(bob.id)) onSync(keys);
    });
  const bobChannel = bobClient.channel(topic, { config: { broadcast: { ack: true }, presence: { key: bob.id } } });
  await subscribe(aliceChannel, `alice (${vsn})`);
  await subscribe(bobChannel, `bob (${vsn})`);

  await aliceChannel.track({ name: 'Alice' });
  await bobChannel.track({ name: 'Bob' });
  await bothPresent;
  console.log(`ok: presence sync shows alice and bob (${vsn})`);

  const ack = await bobChannel.send({ type: 'broadcast', event: 'wave', payload: { from: 'bob' } });
  if (ack !== 'ok') fail(`broadcast ack was ${ack}`);
  const message = await waved;
  if (message.payload?.from !== 'bob') fail(`broadcast payload ${JSON.stringify(message)}`);
  console.log(`ok: broadcast bob -> alice, acked (${vsn})`);

  const { data, error } = await rest(bob.token).rpc(fn, { date_id: dateId });
  if (error || data?.status !== status) fail(`rpc ${fn}: ${JSON.stringify(error ?? data)}`);
  const change = await changed;
  if (change.eventType !== 'UPDATE' || change.new.status !== status || change.new.id !== dateId) {
    fail(`postgres_changes payload ${JSON.stringify(change)}`);
  }
  console.log(`ok: rpc ${fn}, postgres_changes UPDATE status=${status} (${vsn})`);

  await aliceClient.removeAllChannels();
  await bobClient.removeAllChannels();
}

const alice = await signIn('alice@example.com');
const bob = await signIn('bob@example.com');
const { data: row, error } = await rest(alice.token).from('video_dates').select('*').eq('id', dateId).single();
if (error || row.id !== dateId) fail(`select: ${JSON.stringify(error ?? row)}`);
console.log('ok: postgrest-js select single');
const carol = await signIn('carol@example.com');
const { data: hidden } = await rest(carol.token).from('video_dates').select('*').eq('id', dateId);
if (hidden?.length !== 0) fail(`carol sees ${JSON.stringify(hidden)}`);
console.log('ok: carol sees no row');

const { error: refused } = await rest(alice.token).from('video_dates').update({ status: 'live' }).eq('id', dateId);
if (refused?.code !== '42501') fail(`a direct update was not refused: ${JSON.stringify(refused)}`);
console.log('ok: postgrest-js direct update refused (42501)');

// Bob joins alone: still scheduled. Then he ends it.
await roundTrips(alice, bob, '1.0.0', 'join_date', 'scheduled');
await roundTrips(alice, bob, '2.0.0', 'end_date', 'ended');
console.log('PASS');
process.exit(0);
