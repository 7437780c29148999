// The WebSocket client the dashboard and the portal share (Protocol/README.md §1–§11, §18): one
// connection to the hub's /v1/ws, signed in with `hello`, subscribed to the page's channels, kept
// alive with `ping`, resumed with `since` and `epoch` after a drop, reconnected with backoff.
// The hub serves this one file under each page (/dashboard/swarm-socket.mjs, /portal/swarm-socket.mjs;
// Sources/SwarmHub/StaticSite.swift). No DOM: everything it needs from the browser (WebSocket,
// timers, clock, randomness, the URL) can be handed in, so Tests/Browser/swarm-socket.test.mjs runs
// it under Node with a fake socket and a fake clock.

/** A `hello` not answered within this time: close and try again. */
export const HELLO_TIMEOUT_MS = 10000;
/** An application `ping` this often once signed in; the hub answers each with `pong`. */
export const PING_EVERY_MS = 25000;
/** Nothing at all from the hub for this long (pongs included): the connection is dead. */
export const SILENCE_LIMIT_MS = 70000;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30000;
/** Close codes of the hub (§18) that change what comes next. */
export const CLOSE = { revoked: 4003, flooding: 4029 };
/** After a 4029 ("slow down, then reconnect") the backoff starts at this attempt (4 s ± 25 %). */
export const FLOODING_ATTEMPT = 3;
/** Closes this client sends: 1000 when it is done, 4000 when it gives up on a connection. */
const CLOSE_BYE = 1000;
const CLOSE_RETRY = 4000;

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a drop): 0.5 s doubling up to
 * 30 s, each ± 25 % at random so pages do not come back in step after a hub restart.
 */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempt, 0), 10));
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * What to do after the hub (or the network) closed the connection with `code`: `stop` for a revoked
 * token (4003: reconnecting with it is pointless), `slow` for flooding (4029), otherwise
 * `reconnect` — 1000, 1001 (shutdown, ping timeout), 1006 (no close frame), 1009, 1011, 4001 (no hello
 * in time), 4008 (slow consumer) all resume with `since`.
 */
export function afterClose(code) {
  if (code === CLOSE.revoked) return 'stop';
  if (code === CLOSE.flooding) return 'slow';
  return 'reconnect';
}

/**
 * Ids for client frames, unique across page loads: the hub remembers a command's id per agent for
 * 24 h and answers a repeat with the first ack and no effect (§12), so a counter that starts at 1
 * again after a reload would make the next `ticket.open` a silent no-op. A random session part
 * (as the `swarm` client's `swarm-<uuid>-N`) keeps them apart.
 */
export function idGenerator(prefix, randomBytes) {
  const bytes = randomBytes(8);
  const session = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  let next = 0;
  return () => `${prefix}-${session}-${(next += 1)}`;
}

function defaultRandomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

function defaultURL() {
  const { protocol, host } = globalThis.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/v1/ws`;
}

const OPEN = 1; // WebSocket.OPEN

/**
 * One page's connection to the hub. `start(token)` connects and keeps reconnecting until `stop()`
 * or a refusal. Options: `client` (sent in `hello`, and the ids' prefix), `channels(welcome)` (what
 * to subscribe to), `resume` (send `since`/`epoch`: for channels that carry events), and the
 * callbacks below, all optional:
 *
 * - `onChange()`: `status`, `live`, `attempt` or `unreachable` may have changed.
 * - `onText(text)`: every text message as received, before it is parsed.
 * - `onWelcome(welcome)`: signed in; call `stop()` here to refuse the role.
 * - `onSubscribed(ack)`: the subscription took (also after each reconnect): the page is live.
 * - `onSubscribeError(error)`: the hub refused the subscription (`forbidden`, …); the connection stays.
 * - `onEpochChanged(error)`: the hub serves another log (§11): drop what the page holds; the
 *   client subscribes again without `since`, and `onSubscribed` follows.
 * - `onRefused(reason, frame)`: the token is no good (`unauthorized` answer to hello, or `revoked`
 *   close 4003); the client has stopped.
 * - `onHelloFailed(error)`: another error answered `hello` (`internal`…); the client retries.
 * - `onEvent(frame)`, `onActivity(frame)`, `onMetrics(frame)`: the hub's frames of those types
 *   (`event` frames at or before the resume point, already seen, are dropped).
 *
 * Injected for tests: `WebSocket`, `url`, `setTimeout`, `clearTimeout`, `setInterval`,
 * `clearInterval`, `now`, `random`, `randomBytes`.
 */
export class SwarmSocket {
  constructor(options = {}) {
    this.options = options;
    this.client = options.client || 'browser';
    this.io = {
      WebSocket: options.WebSocket || globalThis.WebSocket,
      url: options.url || defaultURL,
      setTimeout: options.setTimeout || globalThis.setTimeout.bind(globalThis),
      clearTimeout: options.clearTimeout || globalThis.clearTimeout.bind(globalThis),
      setInterval: options.setInterval || globalThis.setInterval.bind(globalThis),
      clearInterval: options.clearInterval || globalThis.clearInterval.bind(globalThis),
      now: options.now || Date.now,
      random: options.random || Math.random,
    };
    this.newId = idGenerator(this.client, options.randomBytes || defaultRandomBytes);
    this.token = null;
    this.ws = null;
    this.stopped = true;
    this.live = false;
    this.attempt = 0;
    this.unreachable = false;
    this.welcome = null;
    /** The resume point (§11): the highest event seq seen, or the welcome's/ack's; and its log's epoch. */
    this.seq = null;
    this.epoch = null;
    this.pending = new Map();
    this.helloId = null;
    this.lastMessageAt = 0;
    this.timers = { reconnect: null, hello: null, ping: null };
  }

  /** `signed-out`, `connecting`, `reconnecting` or `live`. */
  get status() {
    if (this.live) return 'live';
    if (this.stopped) return 'signed-out';
    return this.attempt > 0 ? 'reconnecting' : 'connecting';
  }

  /** Connects with `token`, from scratch: no resume point, no pending request. */
  start(token) {
    this.stop();
    this.token = token;
    this.stopped = false;
    this.attempt = 0;
    this.unreachable = false;
    this.seq = null;
    this.epoch = null;
    this.connect();
  }

  /** Closes the connection for good (log-out, refused token). Pending requests fail `stopped`. */
  stop() {
    this.stopped = true;
    this.live = false;
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
    const ws = this.ws;
    this.ws = null;
    this.failPending({ code: 'stopped', message: 'signed out' });
    if (ws) try { ws.close(CLOSE_BYE, 'bye'); } catch (_) { /* closed already */ }
    this.changed();
  }

  /** Retries at once if a reconnect is waiting (the browser came online, the tab became visible). */
  reconnectNow() {
    if (!this.stopped && !this.ws && this.timers.reconnect !== null) this.connect();
  }

  /**
   * Sends `frame` with a fresh id once signed in; resolves with its `ack`, rejects with its `error`
   * frame, or with `{code: 'offline'}` when not connected or when the connection drops first
   * (`{code: 'stopped'}` after `stop()`: nothing to tell the user).
   */
  request(frame) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== OPEN || !this.welcome) {
        reject({ code: 'offline', message: 'not connected to the hub' });
        return;
      }
      const id = this.newId();
      this.pending.set(id, { resolve, reject });
      this.send({ ...frame, id });
    });
  }

  // ---------------------------------------------------------------- connection

  connect() {
    this.clearTimer('reconnect');
    if (this.stopped) return;
    this.live = false;
    this.welcome = null;
    this.changed();
    let ws;
    try {
      ws = new this.io.WebSocket(this.io.url());
    } catch (_) {
      this.unreachable = true;
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      opened = true;
      this.unreachable = false;
      this.lastMessageAt = this.io.now();
      this.helloId = this.newId();
      this.send({ type: 'hello', id: this.helloId, token: this.token, client: this.client });
      this.timers.hello = this.io.setTimeout(() => {
        if (this.ws === ws) ws.close(CLOSE_RETRY, 'no welcome');
      }, HELLO_TIMEOUT_MS);
    });
    ws.addEventListener('message', (message) => {
      if (this.ws !== ws) return;
      this.lastMessageAt = this.io.now();
      if (typeof message.data !== 'string') return;
      this.options.onText?.(message.data);
      let frame;
      try { frame = JSON.parse(message.data); } catch (_) { return; }
      if (frame && typeof frame === 'object' && !Array.isArray(frame)) this.handleFrame(frame);
    });
    ws.addEventListener('close', (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      this.welcome = null;
      this.clearTimer('hello');
      this.clearTimer('ping');
      this.failPending({ code: 'offline', message: 'the connection to the hub was lost' });
      if (!opened) this.unreachable = true;
      if (this.stopped) return;
      const next = afterClose(event && event.code);
      if (next === 'stop') {
        this.refuse('revoked', { code: 'unauthorized', message: (event && event.reason) || 'the token was revoked' });
        return;
      }
      if (next === 'slow') this.attempt = Math.max(this.attempt, FLOODING_ATTEMPT);
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    this.clearTimer('reconnect');
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.io.random);
    this.attempt += 1;
    this.changed();
    this.timers.reconnect = this.io.setTimeout(() => this.connect(), delay);
  }

  startKeepalive(ws) {
    this.clearTimer('ping');
    this.timers.ping = this.io.setInterval(() => {
      if (this.ws !== ws) return;
      if (this.io.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
        ws.close(CLOSE_RETRY, 'silent hub');
        return;
      }
      this.send({ type: 'ping', id: this.newId() });
    }, PING_EVERY_MS);
  }

  // ---------------------------------------------------------------- frames

  handleFrame(frame) {
    const on = this.options;
    switch (frame.type) {
      case 'welcome':
        if (frame.id !== this.helloId || this.welcome) return;
        this.clearTimer('hello');
        this.welcome = frame;
        on.onWelcome?.(frame);
        if (this.stopped || !this.ws) return; // the page refused this role
        this.startKeepalive(this.ws);
        if (this.seq === null && typeof frame.seq === 'number') this.seq = frame.seq;
        if (this.epoch === null && typeof frame.epoch === 'string') this.epoch = frame.epoch;
        this.subscribe(true);
        return;
      case 'ack':
      case 'error': {
        if (frame.type === 'error' && frame.id !== undefined && frame.id === this.helloId && !this.welcome) {
          this.helloFailed(frame);
          return;
        }
        const waiting = frame.id === undefined ? undefined : this.pending.get(frame.id);
        if (!waiting) return; // a ping's error, or an answer to a connection given up
        this.pending.delete(frame.id);
        if (frame.type === 'ack') waiting.resolve(frame); else waiting.reject(frame);
        return;
      }
      case 'event':
        if (typeof frame.seq === 'number') {
          // One subscribe per connection: seqs only increase (§10); one at or before the resume
          // point was delivered before the drop.
          if (this.options.resume && this.seq !== null && frame.seq <= this.seq) return;
          this.seq = Math.max(this.seq ?? 0, frame.seq);
        }
        on.onEvent?.(frame);
        return;
      case 'activity':
        on.onActivity?.(frame);
        return;
      case 'metrics.updated':
        on.onMetrics?.(frame);
        return;
      default:
        return; // pong, and whatever is newer than this page
    }
  }

  /** One `subscribe` of every channel, from the resume point when `resume` and `withSince`. */
  subscribe(withSince) {
    const channels = this.options.channels ? this.options.channels(this.welcome) : [];
    const frame = { type: 'subscribe', channels };
    if (this.options.resume && withSince && this.seq !== null) {
      frame.since = this.seq;
      if (this.epoch !== null) frame.epoch = this.epoch;
    }
    const ws = this.ws;
    this.request(frame).then(
      (ack) => {
        if (this.ws !== ws) return;
        if (this.seq === null && typeof ack.seq === 'number') this.seq = ack.seq;
        if (typeof ack.epoch === 'string') this.epoch = ack.epoch;
        this.live = true;
        this.attempt = 0;
        this.changed();
        this.options.onSubscribed?.(ack);
      },
      (error) => {
        if (this.ws !== ws || error.code === 'offline' || error.code === 'stopped') return;
        if (error.code === 'epoch_changed') {
          // Our seqs are another log's (§11): start again from this log's present.
          this.seq = null;
          this.epoch = null;
          this.options.onEpochChanged?.(error);
          if (this.ws === ws && !this.stopped) this.subscribe(false);
          return;
        }
        this.options.onSubscribeError?.(error);
      },
    );
  }

  helloFailed(frame) {
    this.clearTimer('hello');
    if (frame.code === 'unauthorized') {
      this.refuse('unauthorized', frame);
      return;
    }
    this.options.onHelloFailed?.(frame);
    if (this.ws) this.ws.close(CLOSE_RETRY, 'hello failed');
  }

  refuse(reason, frame) {
    this.stop();
    this.token = null;
    this.options.onRefused?.(reason, frame);
  }

  // ---------------------------------------------------------------- helpers

  send(frame) {
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify(frame));
  }

  failPending(error) {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of pending) reject({ ...error });
  }

  clearTimer(name) {
    if (this.timers[name] === null) return;
    if (name === 'ping') this.io.clearInterval(this.timers[name]);
    else this.io.clearTimeout(this.timers[name]);
    this.timers[name] = null;
  }

  changed() {
    this.options.onChange?.();
  }
}
