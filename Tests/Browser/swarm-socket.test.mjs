// Unit tests of the WebSocket client the dashboard and the portal share
// (Sources/SwarmHub/Resources/shared/swarm-socket.mjs), under Node's test runner:
// `node --test Tests/Browser/`. No browser and no hub: a fake WebSocket the test drives by hand and
// a fake clock, so nothing here waits for real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SwarmSocket, backoffDelay, afterClose, idGenerator, BACKOFF_MAX_MS, HELLO_TIMEOUT_MS, PING_EVERY_MS,
  SILENCE_LIMIT_MS,
} from '../../Sources/SwarmHub/Resources/shared/swarm-socket.mjs';

// ---------------------------------------------------------------- fakes

/** A clock whose timers run only when the test advances it. */
class FakeClock {
  constructor() { this.time = 1_000_000; this.timers = new Map(); this.nextId = 1; }
  now = () => this.time;
  setTimeout = (fn, ms) => this.add(fn, ms, null);
  setInterval = (fn, ms) => this.add(fn, ms, ms);
  clearTimeout = (id) => { this.timers.delete(id); };
  clearInterval = (id) => { this.timers.delete(id); };
  add(fn, ms, every) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn, every });
    return id;
  }
  /** The delays of the timers still to fire, from now. */
  delays() { return [...this.timers.values()].map((t) => t.at - this.time); }
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every === null) this.timers.delete(id); else timer.at += timer.every;
      timer.fn();
    }
    this.time = end;
  }
}

/** A WebSocket the test opens, feeds and closes; `sent` holds the parsed frames the client sent. */
class FakeSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.listeners = { open: [], message: [], close: [] };
    this.closedWith = null;
  }
  addEventListener(type, fn) { this.listeners[type].push(fn); }
  send(text) {
    assert.equal(this.readyState, 1, 'sent on a socket that is not open');
    this.sent.push(JSON.parse(text));
  }
  close(code, reason) { this.closedWith = { code, reason }; this.readyState = 2; }
  emit(type, event) { for (const fn of this.listeners[type]) fn(event); }
  // what the network does
  open() { this.readyState = 1; this.emit('open', {}); }
  receive(frame) { this.emit('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) }); }
  drop(code = 1006, reason = '') { this.readyState = 3; this.emit('close', { code, reason }); }
  last() { return this.sent[this.sent.length - 1]; }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A client on fakes; `calls` records every callback, `sockets` every socket it made. */
function harness(options = {}) {
  const clock = new FakeClock();
  const sockets = [];
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args]);
  let bytes = 0;
  const socket = new SwarmSocket({
    client: 'portal',
    channels: (welcome) => [`agent:${welcome.agent}`],
    resume: true,
    WebSocket: class extends FakeSocket { constructor(url) { super(url); sockets.push(this); } },
    url: () => 'ws://hub.test/v1/ws',
    setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
    setInterval: clock.setInterval, clearInterval: clock.clearInterval,
    now: clock.now,
    random: () => 0.5, // no jitter: backoffDelay(n) is the base delay
    randomBytes: (n) => Uint8Array.from({ length: n }, () => (bytes += 1)),
    onWelcome: record('welcome'), onSubscribed: record('subscribed'), onSubscribeError: record('subscribeError'),
    onEpochChanged: record('epochChanged'), onRefused: record('refused'), onHelloFailed: record('helloFailed'),
    onEvent: record('event'), onActivity: record('activity'), onMetrics: record('metrics'), onText: record('text'),
    ...options,
  });
  const named = (name) => calls.filter((c) => c[0] === name);
  return { socket, clock, sockets, calls, named, ws: () => sockets[sockets.length - 1] };
}

const EPOCH = '3f9c2a7be01d4c56';

/** Opens the latest socket, answers hello with a welcome and the subscribe with an ack. */
async function signIn(h, { seq = 10, epoch = EPOCH, ackSeq = seq, ackEpoch = epoch } = {}) {
  const ws = h.ws();
  ws.open();
  const hello = ws.last();
  assert.equal(hello.type, 'hello');
  ws.receive({ type: 'welcome', id: hello.id, agent: 'rita', role: 'requester', seq, epoch, protocol: 1, server: 'swarmd' });
  const subscribe = ws.last();
  assert.equal(subscribe.type, 'subscribe');
  ws.receive({ type: 'ack', id: subscribe.id, seq: ackSeq, epoch: ackEpoch });
  await flush();
  return { hello, subscribe };
}

const event = (seq, type = 'comment.added') => ({ type: 'event', seq, channel: 'agent:rita', event: { type, ticket: 'T-1' } });

// ---------------------------------------------------------------- pure parts

test('backoff: 0.5 s doubling to a 30 s cap, each within ± 25 %', () => {
  const half = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, half)), [500, 1000, 2000, 4000, 8000, 16000, 30000]);
  assert.equal(backoffDelay(50, half), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(0, () => 0), 375);
  assert.equal(backoffDelay(0, () => 0.999999), 625);
  assert.equal(backoffDelay(10, () => 0), 22500);
});

test('close codes: 4003 stops, 4029 slows down, the others reconnect', () => {
  assert.equal(afterClose(4003), 'stop');
  assert.equal(afterClose(4029), 'slow');
  for (const code of [1000, 1001, 1006, 1009, 1011, 4000, 4001, 4008, undefined]) assert.equal(afterClose(code), 'reconnect', String(code));
});

test('ids: prefixed, counting, and different in every page load', () => {
  const a = idGenerator('portal', () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const b = idGenerator('portal', () => Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1));
  assert.equal(a(), 'portal-0102030405060708-1');
  assert.equal(a(), 'portal-0102030405060708-2');
  assert.equal(b(), 'portal-0807060504030201-1');
  assert.ok(a().length <= 128);
});

// ---------------------------------------------------------------- connecting

test('signs in with hello, subscribes from the welcome seq and epoch, goes live', async () => {
  const h = harness();
  const changes = [];
  h.socket.options.onChange = () => changes.push(h.socket.status);
  assert.equal(h.socket.status, 'signed-out');
  h.socket.start('swm_rita');
  assert.equal(h.ws().url, 'ws://hub.test/v1/ws');
  assert.equal(h.socket.status, 'connecting');
  const { hello, subscribe } = await signIn(h, { seq: 41 });
  assert.equal(hello.token, 'swm_rita');
  assert.equal(hello.client, 'portal');
  assert.match(hello.id, /^portal-[0-9a-f]{16}-\d+$/);
  assert.deepEqual({ ...subscribe, id: undefined }, { type: 'subscribe', id: undefined, channels: ['agent:rita'], since: 41, epoch: EPOCH });
  assert.notEqual(subscribe.id, hello.id);
  assert.equal(h.socket.status, 'live');
  assert.equal(h.named('welcome').length, 1);
  assert.equal(h.named('subscribed')[0][1].seq, 41);
  assert.equal(changes[changes.length - 1], 'live');
});

test('without resume (the dashboard) the subscribe carries no since, even after a drop', async () => {
  const h = harness({ resume: false, channels: () => ['metrics'] });
  h.socket.start('swm_lena');
  const first = await signIn(h);
  assert.deepEqual(first.subscribe.channels, ['metrics']);
  assert.equal('since' in first.subscribe, false);
  h.ws().drop(1001);
  h.clock.advance(1000);
  const second = await signIn(h, { seq: 12 });
  assert.equal('since' in second.subscribe, false);
  assert.equal('epoch' in second.subscribe, false);
});

test('a welcome answering another id, or a second welcome, is ignored', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  h.ws().open();
  h.ws().receive({ type: 'welcome', id: 'someone-else', agent: 'x', role: 'requester', seq: 1 });
  assert.equal(h.named('welcome').length, 0);
  assert.equal(h.ws().sent.length, 1);
});

// ---------------------------------------------------------------- resume

test('after a drop: backoff, then resume from the last event seq with the epoch; no duplicates', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h, { seq: 10 });
  h.ws().receive(event(11));
  h.ws().receive(event(12));
  assert.deepEqual(h.named('event').map((c) => c[1].seq), [11, 12]);

  h.ws().drop(1006);
  assert.equal(h.socket.status, 'reconnecting');
  assert.deepEqual(h.clock.delays(), [500]);
  h.clock.advance(499);
  assert.equal(h.sockets.length, 1);
  h.clock.advance(1);
  assert.equal(h.sockets.length, 2);

  // The log moved on while we were away: the welcome's seq is newer than what we saw.
  const { subscribe } = await signIn(h, { seq: 15, ackSeq: 15 });
  assert.equal(subscribe.since, 12);
  assert.equal(subscribe.epoch, EPOCH);
  assert.equal(h.socket.status, 'live');
  assert.equal(h.socket.attempt, 0);
  h.ws().receive(event(12)); // already delivered before the drop
  h.ws().receive(event(13));
  assert.deepEqual(h.named('event').map((c) => c[1].seq), [11, 12, 13]);
  assert.equal(h.socket.seq, 13);
});

test('backoff grows while the hub cannot be reached, and resets once live', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  const waits = [];
  for (let i = 0; i < 5; i++) {
    h.ws().drop(1006); // never opened
    assert.equal(h.socket.unreachable, true);
    const [wait] = h.clock.delays();
    waits.push(wait);
    h.clock.advance(wait);
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000]);
  await signIn(h);
  assert.equal(h.socket.unreachable, false);
  h.ws().drop(1001);
  assert.deepEqual(h.clock.delays(), [500]);
});

test('reconnectNow skips the wait (the browser came back online)', () => {
  const h = harness();
  h.socket.start('swm_rita');
  h.ws().drop(1006);
  assert.equal(h.sockets.length, 1);
  h.socket.reconnectNow();
  assert.equal(h.sockets.length, 2);
  assert.deepEqual(h.clock.delays(), []);
  h.socket.reconnectNow(); // connecting already: nothing more
  assert.equal(h.sockets.length, 2);
});

test('epoch_changed: the page drops what it holds, the client subscribes again without since', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h, { seq: 10 });
  h.ws().receive(event(11));
  h.ws().drop(1001);
  h.clock.advance(500);

  const ws = h.ws();
  ws.open();
  ws.receive({ type: 'welcome', id: ws.last().id, agent: 'rita', role: 'requester', seq: 4, epoch: '9a01c4e27f3b8d10' });
  const resume = ws.last();
  assert.equal(resume.since, 11);
  assert.equal(resume.epoch, EPOCH);
  ws.receive({ type: 'error', id: resume.id, code: 'epoch_changed', message: 'the hub’s log is not the one your epoch names' });
  await flush();
  assert.equal(h.named('epochChanged').length, 1);
  assert.equal(h.named('subscribeError').length, 0);
  const fresh = ws.last();
  assert.equal(fresh.type, 'subscribe');
  assert.notEqual(fresh.id, resume.id);
  assert.equal('since' in fresh, false);
  assert.equal('epoch' in fresh, false);
  assert.equal(h.socket.status, 'reconnecting');

  ws.receive({ type: 'ack', id: fresh.id, seq: 4, epoch: '9a01c4e27f3b8d10' });
  await flush();
  assert.equal(h.socket.status, 'live');
  assert.equal(h.named('subscribed').length, 2);
  assert.equal(h.socket.seq, 4);
  assert.equal(h.socket.epoch, '9a01c4e27f3b8d10');
  ws.receive(event(5)); // seq 5 of the new log is news, though we had seen 11 of the old one
  assert.deepEqual(h.named('event').map((c) => c[1].seq), [11, 5]);
});

test('start() forgets the resume point of the previous token', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h, { seq: 10 });
  h.ws().receive(event(30));
  h.socket.start('swm_sam');
  const { subscribe } = await signIn(h, { seq: 31 });
  assert.equal(subscribe.since, 31);
});

// ---------------------------------------------------------------- requests

test('acks and errors reach the request with their id, in whatever order they come', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h);
  const open = h.socket.request({ type: 'ticket.open', title: 'VPN' });
  const openFrame = h.ws().last();
  const reply = h.socket.request({ type: 'comment.add', ticket: 'T-9', body: 'hi' });
  const replyFrame = h.ws().last();
  assert.notEqual(openFrame.id, replyFrame.id);
  assert.equal(openFrame.title, 'VPN');

  h.ws().receive({ type: 'error', id: 'nobody', code: 'not_found', message: 'x' }); // not ours: ignored
  h.ws().receive({ type: 'error', id: replyFrame.id, code: 'not_found', message: 'no ticket T-9' });
  h.ws().receive({ type: 'ack', id: openFrame.id, seq: 12, ticket: 'T-1' });
  assert.deepEqual(await open, { type: 'ack', id: openFrame.id, seq: 12, ticket: 'T-1' });
  await assert.rejects(reply, { code: 'not_found', message: 'no ticket T-9' });
  assert.equal(h.socket.pending.size, 0);
});

test('requests fail offline when not connected, and when the connection drops before the answer', async () => {
  const h = harness();
  await assert.rejects(h.socket.request({ type: 'kb.search', query: 'vpn' }), { code: 'offline' });
  h.socket.start('swm_rita');
  h.ws().open();
  await assert.rejects(h.socket.request({ type: 'kb.search', query: 'vpn' }), { code: 'offline' }); // not signed in yet
  h.ws().receive({ type: 'welcome', id: h.ws().last().id, agent: 'rita', role: 'requester', seq: 1 });
  const search = h.socket.request({ type: 'kb.search', query: 'vpn' });
  h.ws().drop(1001);
  await assert.rejects(search, { code: 'offline' });
});

test('a subscription refused (forbidden) is reported and does not go live', async () => {
  const h = harness({ channels: () => ['metrics'] });
  h.socket.start('swm_dana');
  h.ws().open();
  h.ws().receive({ type: 'welcome', id: h.ws().last().id, agent: 'dana', role: 'agent', seq: 3 });
  h.ws().receive({ type: 'error', id: h.ws().last().id, code: 'forbidden', message: 'only leads and admins may watch the metrics channel' });
  await flush();
  assert.equal(h.named('subscribeError')[0][1].code, 'forbidden');
  assert.equal(h.socket.status, 'connecting');
});

// ---------------------------------------------------------------- refusals and close codes

test('an unknown token: refused, stopped, no reconnect', async () => {
  const h = harness();
  h.socket.start('swm_wrong');
  h.ws().open();
  h.ws().receive({ type: 'error', id: h.ws().last().id, code: 'unauthorized', message: 'unknown or revoked token' });
  assert.deepEqual(h.named('refused').map((c) => c[1]), ['unauthorized']);
  assert.equal(h.socket.status, 'signed-out');
  assert.deepEqual(h.ws().closedWith, { code: 1000, reason: 'bye' });
  h.clock.advance(60_000);
  assert.equal(h.sockets.length, 1);
});

test('close 4003 (token revoked): refused, no reconnect; close 1001: reconnect', async () => {
  const revoked = harness();
  revoked.socket.start('swm_rita');
  await signIn(revoked);
  const pending = revoked.socket.request({ type: 'comment.add', ticket: 'T-1', body: 'x' });
  revoked.ws().drop(4003, 'the token was revoked');
  await assert.rejects(pending, { code: 'offline' });
  assert.deepEqual(revoked.named('refused').map((c) => c[1]), ['revoked']);
  assert.equal(revoked.socket.status, 'signed-out');
  assert.deepEqual(revoked.clock.delays(), []);
  revoked.clock.advance(120_000);
  assert.equal(revoked.sockets.length, 1);

  const shutdown = harness();
  shutdown.socket.start('swm_rita');
  await signIn(shutdown);
  shutdown.ws().drop(1001, 'the hub is shutting down; reconnect and resume with since');
  assert.equal(shutdown.named('refused').length, 0);
  assert.equal(shutdown.socket.status, 'reconnecting');
  shutdown.clock.advance(500);
  assert.equal(shutdown.sockets.length, 2);
});

test('close 4029 (flooding): the next attempt waits longer', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h);
  h.ws().drop(4029, 'too many commands; slow down and reconnect');
  assert.deepEqual(h.clock.delays(), [4000]);
});

test('another error answering hello (internal): reported, the connection closed and tried again', () => {
  const h = harness();
  h.socket.start('swm_rita');
  h.ws().open();
  h.ws().receive({ type: 'error', id: h.ws().last().id, code: 'internal', message: 'could not check the token' });
  assert.equal(h.named('helloFailed')[0][1].code, 'internal');
  assert.equal(h.named('refused').length, 0);
  assert.equal(h.ws().closedWith.code, 4000);
  h.ws().drop(4000);
  h.clock.advance(500);
  assert.equal(h.sockets.length, 2);
});

test('no welcome within the hello timeout: closed and tried again', () => {
  const h = harness();
  h.socket.start('swm_rita');
  h.ws().open();
  h.clock.advance(HELLO_TIMEOUT_MS - 1);
  assert.equal(h.ws().closedWith, null);
  h.clock.advance(1);
  assert.deepEqual(h.ws().closedWith, { code: 4000, reason: 'no welcome' });
});

test('the page may refuse a role in onWelcome: nothing is subscribed', () => {
  const h = harness();
  h.socket.options.onWelcome = () => h.socket.stop();
  h.socket.start('swm_dana');
  h.ws().open();
  h.ws().receive({ type: 'welcome', id: h.ws().last().id, agent: 'dana', role: 'agent', seq: 3 });
  assert.deepEqual(h.ws().sent.map((f) => f.type), ['hello']);
  assert.equal(h.socket.status, 'signed-out');
  assert.deepEqual(h.clock.delays(), []);
});

test('stop(): a clean close, pending requests fail quietly, the old socket is ignored after', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h);
  const pending = h.socket.request({ type: 'ticket.status', ticket: 'T-1', status: 'closed' });
  const ws = h.ws();
  h.socket.stop();
  assert.deepEqual(ws.closedWith, { code: 1000, reason: 'bye' });
  await assert.rejects(pending, { code: 'stopped' });
  ws.receive(event(20));
  ws.drop(1000);
  assert.equal(h.named('event').length, 0);
  assert.deepEqual(h.clock.delays(), []);
  assert.equal(h.socket.status, 'signed-out');
});

// ---------------------------------------------------------------- keep-alive and frames

test('pings every 25 s once signed in; a hub silent for 70 s is given up', async () => {
  const h = harness();
  h.socket.start('swm_rita');
  await signIn(h);
  const ws = h.ws();
  h.clock.advance(PING_EVERY_MS);
  const ping = ws.last();
  assert.equal(ping.type, 'ping');
  ws.receive({ type: 'pong', id: ping.id });
  h.clock.advance(PING_EVERY_MS);
  ws.receive({ type: 'pong', id: ws.last().id });
  assert.equal(ws.closedWith, null);
  // Then nothing comes back any more.
  h.clock.advance(SILENCE_LIMIT_MS + PING_EVERY_MS);
  assert.deepEqual(ws.closedWith, { code: 4000, reason: 'silent hub' });
  assert.equal(ws.sent.filter((f) => f.type === 'ping').length, 4);
});

test('frames go to their callbacks; every text reaches onText, even one that is not JSON', async () => {
  const h = harness();
  h.socket.start('swm_lena');
  await signIn(h);
  const ws = h.ws();
  ws.receive({ type: 'metrics.updated', channel: 'metrics', seq: 10, report: { seq: 10 } });
  ws.receive({ type: 'activity', channel: 'ticket:T-1', ticket: 'T-1', agent: 'dana', activity: 'typing' });
  ws.receive({ type: 'pong' });
  ws.receive({ type: 'something.newer', x: 1 });
  ws.receive('not json');
  ws.receive('[1,2]');
  ws.emit('message', { data: new ArrayBuffer(2) }); // binary: not part of v1
  assert.equal(h.named('metrics')[0][1].report.seq, 10);
  assert.equal(h.named('activity')[0][1].agent, 'dana');
  assert.equal(h.named('event').length, 0);
  const texts = h.named('text').map((c) => c[1]);
  assert.equal(texts.length, 8); // welcome, ack and the six text messages above
  assert.equal(texts[6], 'not json');
});
