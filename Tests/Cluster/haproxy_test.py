#!/usr/bin/env python3
"""Three `swarmd --postgres` nodes behind a real HAProxy: a node killed under load loses nothing (invariant 7).

Starts a PostgreSQL database, three `swarmd serve --postgres` nodes on it and HAProxy in front of them on loopback
(Tests/support/haproxy.py: `balance leastconn`, WebSocket upgrades, health checks on GET /health; the configuration
docs/operations.md explains, "Several nodes behind HAProxy"). Every client connects through HAProxy only; the
`X-Swarm-Node` header HAProxy adds to the upgrade's answer tells which node holds each connection. Then:
  a. spread: 30 WebSocket connections through HAProxy land on every node; each node's own count
     (`swarm_connections` in its GET /metrics) and HAProxy's (`scur` in `show stat`) agree with the header's;
  b. a writer opens a ticket and keeps adding comments through HAProxy (pipelined, a few in flight) while 12
     subscribers follow `ticket:T-1` through HAProxy. The node that holds the writer and some subscribers is
     killed with SIGKILL mid-stream, just after the writer sent a burst. Its clients' connections drop; they
     reconnect through HAProxy (to the other nodes): the writer at once, sending its unacknowledged comments again
     with the same ids (and a few acknowledged ones: each must get its first ack); the subscribers after a pause,
     resubscribing with `since` = the last seq they saw (and the log's epoch), so what was written meanwhile must
     come from their replay. HAProxy marks the node DOWN by its health check; the node is started again and
     HAProxy marks it UP; a new client lands on it and reads the log from there.
     At the end every subscriber holds exactly the ticket channel's log (read from each node): every comment event
     once, in seq order, with no gap; every acked comment's seq among them; each comment once in the log
     (the acked and the retried ones), at the seq of its ack; and the global seq gap-free.
Prints one line per check and "N passed, M failed" (Tests/support/checks.py); exit status 1 if anything failed.

Run by scripts/test with its throwaway PostgreSQL (SWARM_TEST_POSTGRES_URL, a new database on it). Alone, after
`scripts/bootstrap-test` (haproxy, postgresql, websocket-client) and `swift build`:
    python3 Tests/Cluster/haproxy_test.py
makes a private PostgreSQL cluster with scripts/lib/postgres.sh and removes it afterwards.

Environment: SWARMD (default .build/debug/swarmd, relative to the repository root), HAPROXY (default: haproxy on
the PATH), SWARM_TEST_POSTGRES_URL (optional, above), HAPROXY_TEST_KILL_DELAY (seconds from the burst to the kill;
random from 0 to 10 ms by default, printed in the summary).
"""

import json
import os
import random
import re
import select
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import websocket  # websocket-client

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))
from swarmd import SWARMD, Swarmd  # noqa: E402
from haproxy import HAPROXY, HAProxy  # noqa: E402
from postgres import TestDatabase, psql  # noqa: E402
from checks import check, summary  # noqa: E402

NODES = 3
SPREAD_CONNECTIONS = 30
SUBSCRIBERS = 12
WINDOW = 8  # comments the writer has in flight at most
BURST = 20  # comments sent at once just before the kill, so some are in flight when the node dies
ACKED_AGAIN = 3  # acknowledged comments the writer sends again after the reconnect
COMMENTS_PER_SECOND = 40  # the writer's pace: under the hub's 100 frames/s per connection
# How long after the burst the node is killed: a different moment of its commits each run (any must lose nothing);
# HAPROXY_TEST_KILL_DELAY (seconds) fixes it.
KILL_DELAY = float(os.environ.get("HAPROXY_TEST_KILL_DELAY") or random.uniform(0, 0.01))
CONNECT_TIMEOUT = 60  # seconds a client keeps trying to get through HAProxy
# A subscriber whose connection dropped waits this long before it reconnects (clients back off); the writer goes on
# meanwhile, so what the subscriber missed must come from the replay of its resume.
RECONNECT_PAUSE = 0.5


def get(url, timeout=10):
    """(status, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def gauge(node, name):
    """A gauge without labels from the node's own GET /metrics (not through HAProxy)."""
    _, text = get(node.base + "/metrics")
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else None


def wait_until(condition, timeout, interval=0.2):
    """Polls `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


class Dropped(Exception):
    """The connection closed under the client."""


class Connection:
    """One WebSocket connection, authenticated with `hello`: `node` is the X-Swarm-Node that HAProxy named
    (None on a direct connection), `welcome` the hub's welcome frame."""

    def __init__(self, url, token):
        self.ws = websocket.create_connection(url, timeout=15)
        self.node = self.ws.getheaders().get("x-swarm-node")
        self.send({"type": "hello", "id": "hello", "token": token})
        self.welcome = self.answer("hello", timeout=30)
        if self.welcome.get("type") != "welcome":
            raise RuntimeError(f"hello refused: {self.welcome}")

    def send(self, frame):
        try:
            self.ws.send(json.dumps(frame))
        except (OSError, websocket.WebSocketException) as error:
            raise Dropped(repr(error))

    def next(self, timeout):
        """The next frame, or None when none came within `timeout` s; raises Dropped when the connection is gone.
        (select first: websocket-client reads exactly one frame's bytes, so nothing waits in a buffer.)"""
        try:
            readable, _, _ = select.select([self.ws.sock], [], [], timeout)
            if not readable:
                return None
            text = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return None  # a ping arrived and was answered, no frame behind it yet
        except (OSError, ValueError, websocket.WebSocketException) as error:
            raise Dropped(repr(error))
        if not text:
            raise Dropped("closed")
        return json.loads(text)

    def answer(self, id, timeout):
        """The welcome, ack or error answering `id` (events before it are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.next(1)
            if frame and frame.get("id") == id and frame["type"] in ("ack", "error", "welcome"):
                return frame
        raise RuntimeError(f"no answer to {id} within {timeout} s")

    def close(self):
        try:
            self.ws.close(timeout=2)
        except Exception:  # already gone
            pass


def connect(url, token, timeout=CONNECT_TIMEOUT):
    """A Connection through `url`, tried again (every 0.2 s, for `timeout` s) while HAProxy answers 503 or the
    connection drops before the welcome: what a client does while a node dies. Returns (connection, attempts)."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        try:
            return Connection(url, token), attempts
        except (OSError, Dropped, RuntimeError, websocket.WebSocketException) as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not connect through {url} in {timeout} s ({attempts} attempts): {error!r}")
            time.sleep(0.2)


class Subscriber(threading.Thread):
    """Follows ticket:T through HAProxy; after a drop: a pause, a reconnect, `since` = the last seq it saw."""

    def __init__(self, index, url, token, ticket):
        super().__init__(name=f"subscriber{index}", daemon=True)
        self.index, self.url, self.token, self.ticket = index, url, token, ticket
        self.events = []  # (seq, event type, comment body or None), as received
        self.nodes = []  # the node of each connection, in order
        self.attempts = []  # connection attempts each (re)connection took
        self.epochs = set()
        self.drops = 0
        self.subscribed = 0  # subscribe acks, one per connection
        self.subscriptions = []  # (node, since, the ack's seq, events received before it), one per connection
        self.errors = []
        self.ready = threading.Event()  # the first subscribe is acked
        self.target = None  # stop once a seq at least this high was seen
        self.abort = threading.Event()
        self.connection = None

    def last(self):
        return self.events[-1][0] if self.events else 0

    def done(self):
        return self.abort.is_set() or (self.target is not None and self.last() >= self.target)

    def run(self):
        try:
            while not self.done():
                connection, attempts = connect(self.url, self.token)
                self.connection = connection
                self.nodes.append(connection.node)
                self.attempts.append(attempts)
                epoch = connection.welcome.get("epoch")
                self.epochs.add(epoch)
                try:
                    # Protocol §11: resume from the highest seq received, in the log (epoch) it was read in.
                    since = self.last()
                    connection.send({"type": "subscribe", "id": f"s{len(self.nodes)}",
                                     "channels": [f"ticket:{self.ticket}"], "since": since, "epoch": epoch})
                    while not self.done():
                        frame = connection.next(1)
                        if frame is None:
                            continue
                        if frame["type"] == "event":
                            event = frame["event"]
                            body = event.get("comment", {}).get("body") if event["type"] == "comment.added" else None
                            self.events.append((frame["seq"], event["type"], body))
                        elif frame["type"] == "ack" and frame.get("id", "").startswith("s"):
                            self.epochs.add(frame.get("epoch"))
                            self.subscribed += 1
                            self.subscriptions.append((connection.node, since, frame.get("seq"), len(self.events)))
                            self.ready.set()
                        elif frame["type"] == "error":
                            self.errors.append(frame)
                            return
                except Dropped:
                    self.drops += 1
                    time.sleep(RECONNECT_PAUSE)
                finally:
                    connection.close()
        except Exception as error:  # reported by the checks
            self.errors.append(repr(error))


class Writer(threading.Thread):
    """Adds comments to the ticket through HAProxy, pipelined (WINDOW in flight), at COMMENTS_PER_SECOND; after a
    drop reconnects and sends every unacknowledged comment again with the same id (Protocol §12), and the last
    ACKED_AGAIN acknowledged ones too, as a client unsure of them would (each must get its first ack, and add nothing).
    Armed (`arm`), it sends BURST comments at once and says so (`burst_sent`): the moment for the kill. It
    reconnects only when `may_reconnect` is set, so the test can read the log's head before it does."""

    def __init__(self, url, token, ticket):
        super().__init__(name="writer", daemon=True)
        self.url, self.token, self.ticket = url, token, ticket
        self.bodies = {}  # id -> body, of every comment sent
        self.pending = {}  # id -> body, sent and not acked (in order)
        self.acks = {}  # id -> seq
        self.retried = []  # unacknowledged ids sent again after a reconnect
        self.acked_again = {}  # acknowledged ids sent again after a reconnect -> the seq answered (None: not yet)
        self.nodes = []
        self.attempts = []
        self.drops = 0
        self.errors = []
        self.stopping = threading.Event()  # send no new comment; end when every one is acked
        self.arm = threading.Event()
        self.burst_sent = threading.Event()
        self.may_reconnect = threading.Event()
        self.may_reconnect.set()
        self.connection = None

    def new_comment(self, connection):
        id = f"c{len(self.bodies) + 1}"
        self.bodies[id] = f"comment {len(self.bodies) + 1} through HAProxy"
        self.pending[id] = self.bodies[id]
        self.comment(connection, id)

    def comment(self, connection, id):
        connection.send({"type": "comment.add", "id": id, "ticket": self.ticket, "body": self.bodies[id]})

    def run(self):
        try:
            while True:
                if not self.may_reconnect.wait(timeout=60):
                    raise RuntimeError("not let reconnect within 60 s")
                connection, attempts = connect(self.url, self.token)
                self.connection = connection
                self.nodes.append(connection.node)
                self.attempts.append(attempts)
                try:
                    for id in list(self.pending):
                        self.retried.append(id)
                        self.comment(connection, id)
                    if len(self.nodes) > 1:
                        for id in list(self.acks)[-ACKED_AGAIN:]:
                            self.acked_again[id] = None
                            self.comment(connection, id)
                    next_send = time.monotonic()
                    while True:
                        if self.stopping.is_set() and not self.pending and None not in self.acked_again.values():
                            return
                        now = time.monotonic()
                        if self.arm.is_set() and not self.burst_sent.is_set():
                            for _ in range(BURST):
                                self.new_comment(connection)
                            self.burst_sent.set()
                        if not self.stopping.is_set() and len(self.pending) < WINDOW and now >= next_send:
                            self.new_comment(connection)
                            next_send = now + 1 / COMMENTS_PER_SECOND
                            continue
                        frame = connection.next(min(0.5, max(0.005, next_send - now)))
                        if frame is None or frame.get("id") not in self.bodies:
                            continue
                        if frame["type"] == "ack":
                            if frame["id"] in self.acked_again and frame["id"] not in self.pending:
                                self.acked_again[frame["id"]] = frame.get("seq")
                            if frame["id"] in self.acks and self.acks[frame["id"]] != frame.get("seq"):
                                self.errors.append(f"{frame['id']} acked twice with different seqs: "
                                                   f"{self.acks[frame['id']]}, {frame.get('seq')}")
                            self.acks[frame["id"]] = frame.get("seq")
                        else:
                            self.errors.append(frame)
                        self.pending.pop(frame["id"], None)
                except Dropped:
                    self.drops += 1
                finally:
                    connection.close()
        except Exception as error:
            self.errors.append(repr(error))


def channel_log(url, token, ticket, through, timeout=60):
    """The ticket channel's events through seq `through`, replayed from since 0 on a fresh connection to `url`:
    [(seq, type, body)], and the connection's node."""
    connection, _ = connect(url, token)
    try:
        connection.send({"type": "subscribe", "id": "all", "channels": [f"ticket:{ticket}"], "since": 0})
        events = []
        deadline = time.monotonic() + timeout
        while (events[-1][0] if events else 0) < through:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: saw up to seq {events[-1][0] if events else 0} of {through}")
            frame = connection.next(1)
            if frame and frame["type"] == "event":
                event = frame["event"]
                body = event.get("comment", {}).get("body") if event["type"] == "comment.added" else None
                events.append((frame["seq"], event["type"], body))
        return events, connection.node
    finally:
        connection.close()


def spread(proxy, nodes, token):
    """(a) 30 connections through HAProxy land on every node; the header, HAProxy and each node agree."""
    names = proxy.names
    status, body = get(proxy.base + "/health")
    check(status == 200 and '"ok"' in body, f"GET /health through HAProxy answers 200 ({status} {body.strip()})")
    statuses = {path: get(proxy.base + path)[0] for path in ("/metrics", "/metrics/", "//metrics")}
    check(set(statuses.values()) == {403}, f"GET /metrics is not forwarded: 403 from HAProxy ({statuses})")
    connections = [connect(proxy.url, token)[0] for _ in range(SPREAD_CONNECTIONS)]
    try:
        by_header = {name: sum(1 for c in connections if c.node == name) for name in names}

        def counts():
            stats = proxy.servers()
            return ({name: stats[name]["scur"] for name in names},
                    {name: gauge(node, "swarm_connections") for name, node in zip(names, nodes)})

        agreed = wait_until(lambda: counts() == (by_header, by_header), 20)
        scur, own = counts()
        print(f"     {SPREAD_CONNECTIONS} connections through HAProxy: {by_header} (X-Swarm-Node); "
              f"HAProxy scur {scur}; nodes' swarm_connections {own}")
        check(sum(by_header.values()) == SPREAD_CONNECTIONS,
              f"every connection through HAProxy names its node in X-Swarm-Node ({sum(by_header.values())})")
        check(all(by_header[name] > 0 for name in names), f"every node holds some of the connections {by_header}")
        check(agreed, f"HAProxy's scur and each node's swarm_connections agree with the header ({scur}, {own})")
    finally:
        for connection in connections:
            connection.close()
    emptied = wait_until(lambda: all(gauge(node, "swarm_connections") == 0 for node in nodes)
                         and all(row["scur"] == 0 for row in proxy.servers().values()), 30)
    check(emptied, "closed through HAProxy, the connections are gone from every node and from HAProxy")


def killed_node(proxy, nodes, tokens, report):
    """(b) SIGKILL of the node holding the writer and some subscribers, under load, through HAProxy."""
    names = proxy.names
    node_of = dict(zip(names, nodes))
    opener, _ = connect(proxy.url, tokens["writer"])
    opener.send({"type": "ticket.open", "id": "open", "title": "printer queue stuck on floor 3",
                 "description": "jobs stay queued", "category": "hardware", "urgency": "low", "impact": "low"})
    opened = opener.answer("open", 30)
    opener.close()
    check(opened.get("type") == "ack" and opened.get("ticket"), f"a ticket opened through HAProxy ({opened})")
    ticket = opened["ticket"]
    # A node authorises a subscription against the log as far as it has applied it: on a node that has not yet
    # read the ticket's ticket.opened from the others, `subscribe` answers not_found (seen here). So the subscribers
    # start once every node has caught up with the open (each node's swarm_event_log_seq).
    caught_up = wait_until(
        lambda: all((gauge(node, "swarm_event_log_seq") or 0) >= opened["seq"] for node in nodes), 30)
    check(caught_up, f"every node has applied the open (seq {opened['seq']})")

    subscribers = [Subscriber(i, proxy.url, tokens["viewer"], ticket) for i in range(SUBSCRIBERS)]
    writer = Writer(proxy.url, tokens["writer"], ticket)
    threads = subscribers + [writer]
    try:
        for subscriber in subscribers:
            subscriber.start()
        deadline = time.monotonic() + 60
        ready = all(s.ready.wait(timeout=max(0.1, deadline - time.monotonic())) for s in subscribers)
        check(ready, f"{SUBSCRIBERS} subscribers follow ticket:{ticket} through HAProxy")
        writer.start()
        streaming = wait_until(lambda: len(writer.acks) >= 60 and all(s.last() > 0 for s in subscribers)
                               and writer.nodes, 90)
        check(streaming, f"the writer streams comments and every subscriber sees them ({len(writer.acks)} acked)")

        # The victim: the node that holds the writer's connection, if it holds subscribers too (it nearly always
        # does with leastconn); else the node with the most subscribers. Found out through HAProxy's header and
        # checked against each node's own gauges and HAProxy's session counts.
        on_node = {name: [s for s in subscribers if s.nodes and s.nodes[-1] == name] for name in names}
        subscriptions = {name: gauge(node, "swarm_subscriptions") for name, node in node_of.items()}
        connections = {name: gauge(node, "swarm_connections") for name, node in node_of.items()}
        scur = {name: row["scur"] for name, row in proxy.servers().items()}
        victim = writer.nodes[-1] if on_node[writer.nodes[-1]] else max(names, key=lambda n: len(on_node[n]))
        expected_connections = {n: len(on_node[n]) + (1 if writer.nodes[-1] == n else 0) for n in names}
        print(f"     subscribers per node {({n: len(on_node[n]) for n in names})}, writer on {writer.nodes[-1]}; "
              f"nodes' swarm_subscriptions {subscriptions}, swarm_connections {connections}; HAProxy scur {scur}")
        check(subscriptions == {n: len(on_node[n]) for n in names},
              f"each node's swarm_subscriptions matches the subscribers HAProxy sent it ({subscriptions})")
        check(connections == expected_connections and scur == expected_connections,
              f"each node's swarm_connections and HAProxy's scur match ({connections}, {scur})")
        check(len(on_node[victim]) > 0 and writer.nodes[-1] == victim,
              f"the victim {victim} holds the writer and {len(on_node[victim])} subscribers")
        victims = on_node[victim]
        others = [s for s in subscribers if s not in victims]
        acked_before = len(writer.acks)

        # The kill, right after the writer sent a burst: some of it is committed with its ack lost, some maybe not
        # decided. The writer reconnects once the log's head after the kill is read: a retried comment at or below
        # it was committed by the dead node (its retry must get that first ack), one above it was decided anew.
        writer.may_reconnect.clear()
        writer.arm.set()
        check(writer.burst_sent.wait(timeout=30), f"the writer sent {BURST} comments at once")
        time.sleep(KILL_DELAY)
        node_of[victim].kill()
        killed_at = time.monotonic()
        head_at_kill = int(psql(nodes[0].postgres, "SELECT coalesce(max(seq), 0) FROM event"))
        writer.may_reconnect.set()
        marked_down = proxy.wait_status(victim, "DOWN", 30)
        down_after = time.monotonic() - killed_at
        check(marked_down, f"HAProxy's health check marks {victim} DOWN after the SIGKILL ({down_after:.1f} s)")
        moved = wait_until(lambda: all(s.drops >= 1 and s.subscribed >= 2 for s in victims)
                           and writer.drops >= 1 and len(writer.acks) >= acked_before + 40, 90)
        check(moved, f"the victim's {len(victims)} subscribers and the writer reconnected through HAProxy and the "
                     f"writer goes on ({len(writer.acks) - acked_before} more acks)")
        check(all(node != victim for s in victims for node in s.nodes[1:]) and writer.nodes[1] != victim,
              f"they reconnected to the other nodes ({sorted({n for s in victims for n in s.nodes[1:]})}, "
              f"writer {writer.nodes[1:2]})")

        node_of[victim].start("--command-rate", "100000")
        restarted_at = time.monotonic()
        marked_up = proxy.wait_status(victim, "UP", 60)
        check(marked_up, f"started again, {victim} is marked UP by the health check "
                         f"({time.monotonic() - restarted_at:.1f} s)")
        acked_at_up = len(writer.acks)
        wait_until(lambda: len(writer.acks) >= acked_at_up + 40, 60)
        # leastconn: the node that came back holds no connection, so the next client goes to it.
        late = channel_log(proxy.url, tokens["viewer"], ticket, max(writer.acks.values()))
        check(late[1] == victim, f"a client connecting now lands on the restarted {victim} ({late[1]})")
        writer.stopping.set()
        writer.join(timeout=60)
        check(not writer.is_alive() and not writer.pending,
              f"the writer ends with every comment acked ({len(writer.acks)} of {len(writer.bodies)})")

        target = max(writer.acks.values())
        for subscriber in subscribers:
            subscriber.target = target
        deadline = time.monotonic() + 60
        for subscriber in subscribers:
            subscriber.join(timeout=max(0.1, deadline - time.monotonic()))
        check(all(not s.is_alive() for s in subscribers), f"every subscriber saw seq {target}, the last ack, in time")
        through = max([target] + [s.last() for s in subscribers])

        # The channel's log as each node replays it (directly, not through HAProxy), and the late client's.
        logs = {name: channel_log(node.url, tokens["admin"], ticket, through)[0] for name, node in node_of.items()}
        log = logs[names[0]]
        check(all(other == log for other in logs.values()),
              f"every node replays the same ticket channel ({ {n: len(l) for n, l in logs.items()} } events)")
        late_events = late[0]
        check(late_events == [e for e in log if e[0] <= late_events[-1][0]],
              f"the client on the restarted node read the same log from since 0 ({len(late_events)} events)")
        comments = [e for e in log if e[1] == "comment.added"]
        bodies = [e[2] for e in comments]
        check(len(bodies) == len(set(bodies)) == len(writer.bodies) and set(bodies) == set(writer.bodies.values()),
              f"each comment is in the log once: {len(bodies)} comment events for {len(writer.bodies)} comments "
              f"({len(writer.retried)} sent again after the reconnect)")
        seq_of_body = {body: seq for seq, _, body in comments}
        wrong = [id for id, seq in writer.acks.items() if seq_of_body.get(writer.bodies[id]) != seq]
        check(not wrong, f"every ack's seq is its comment's seq in the log, retried ones too (wrong: {wrong[:5]})")
        check(len(set(writer.acks.values())) == len(writer.acks), "no two acks share a seq")
        check(not writer.errors, f"the writer got no error ({writer.errors[:3]})")
        again = {id: (writer.acks[id], seq) for id, seq in writer.acked_again.items()}
        check(again and all(first == second for first, second in again.values()),
              f"acknowledged comments sent again on another node get their first ack {again}")
        committed_before = [id for id in writer.retried if writer.acks[id] <= head_at_kill]
        check(len(writer.retried) > 0,
              f"the writer had comments in flight at the kill and sent them again: {len(writer.retried)}, "
              f"{len(committed_before)} of them committed by the dead node (their retry got the first ack), "
              f"{len(writer.retried) - len(committed_before)} decided anew")

        acked = set(writer.acks.values())
        for s in subscribers:
            seqs = [e[0] for e in s.events]
            on_victim = "victim's" if s in victims else "other"
            problems = []
            if seqs != sorted(set(seqs)):
                problems.append(f"out of order or twice: {[q for q in seqs if seqs.count(q) > 1][:5]}")
            if s.events != [e for e in log if e[0] <= s.last()]:
                missing = sorted({e[0] for e in log if e[0] <= s.last()} - set(seqs))
                problems.append(f"not the channel's log: missing {missing[:5]} ({len(missing)})")
            if not acked <= set(seqs):
                problems.append(f"acked seqs missing: {sorted(acked - set(seqs))[:5]}")
            if s.errors:
                problems.append(f"errors {s.errors[:2]}")
            if problems:
                problems.append("subscriptions (node, since, ack seq, events before): "
                                f"{s.subscriptions}; seqs after the first resume: "
                                f"{seqs[s.subscriptions[-1][3]:][:8] if s.subscriptions else []}")
            if len(s.epochs - {None}) != 1:
                problems.append(f"epochs {s.epochs}")
            check(not problems, f"subscriber {s.index} ({on_victim}, via {'→'.join(s.nodes)}): {len(seqs)} events, "
                                f"{len([e for e in s.events if e[1] == 'comment.added'])} comments, each once, in seq "
                                f"order, no gap, every ack {'; '.join(problems)}")
        replayed = {s.index: sum(1 for seq, _, _ in s.events[s.subscriptions[-1][3]:]
                                 if s.subscriptions[-1][1] < seq <= s.subscriptions[-1][2]) for s in victims}
        check(all(count > 0 for count in replayed.values()),
              f"the victim's subscribers missed events while away, and their resume replayed them {replayed}")
        check(all(s.drops == 0 and len(s.nodes) == 1 for s in others),
              f"the {len(others)} subscribers on the other nodes were not disturbed (no drop)")

        healths = {name: json.loads(get(node.base + "/health")[1])["seq"] for name, node in node_of.items()}
        count, high = psql(nodes[0].postgres, "SELECT count(*) || ' ' || coalesce(max(seq), 0) FROM event").split()
        check(len(set(healths.values())) == 1 and int(count) == int(high) == healths[names[0]],
              f"one gap-free log: {count} events numbered 1…{high}; /health on every node {healths}")
        report.update(victim=victim, delay=KILL_DELAY, down=down_after, victims=len(victims),
                      comments=len(writer.bodies), retried=len(writer.retried),
                      committed_before=len(committed_before), writer_attempts=writer.attempts,
                      subscriber_attempts=[a for s in victims for a in s.attempts[1:]], seq=high)
    finally:
        for subscriber in subscribers:
            subscriber.abort.set()
        writer.stopping.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=10)


def cluster(root):
    with TestDatabase(root) as url:
        nodes = []
        proxy = None
        try:
            for index in range(NODES):
                folder = root / f"node{index + 1}"
                folder.mkdir()
                node = Swarmd(folder, postgres=url)
                # The first alone: it creates the admin token (docs/operations.md). No rate limit in the way.
                node.start("--command-rate", "100000")
                nodes.append(node)
            tokens = {"admin": nodes[0].admin, "writer": nodes[0].token("writer", "agent"),
                      "viewer": nodes[0].token("viewer", "agent")}
            proxy = HAProxy(root, [(f"node{index + 1}", node.port) for index, node in enumerate(nodes)])
            proxy.start()
            up = all(proxy.wait_status(name, "UP", 30) for name in proxy.names)
            check(up, f"HAProxy {proxy.port} in front of {NODES} nodes on one PostgreSQL, every one UP by "
                      f"its /health check ({ {n: r['status'] for n, r in proxy.servers().items()} })")
            spread(proxy, nodes, tokens["viewer"])
            report = {}
            killed_node(proxy, nodes, tokens, report)
            if report:
                print(f"     summary: {report['comments']} comments, log ends at seq {report['seq']}; "
                      f"SIGKILL of {report['victim']} with the writer and {report['victims']} subscribers; "
                      f"{report['delay'] * 1000:.0f} ms after a burst; HAProxy marked it DOWN after "
                      f"{report['down']:.1f} s; {report['retried']} comments sent again "
                      f"({report['committed_before']} had been committed); connection attempts after the drop: "
                      f"writer {report['writer_attempts'][1:]}, "
                      f"subscribers {report['subscriber_attempts']}")
        finally:
            if proxy:
                proxy.stop()
            for node in nodes:
                node.stop()


def main():
    if not SWARMD.exists():
        print(f"FAIL swarmd not built at {SWARMD}")
        return 1
    if not Path(HAPROXY).exists():
        print(f"FAIL haproxy not installed ({HAPROXY}; scripts/bootstrap-test installs it)")
        return 1
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        try:
            cluster(root)
        except Exception as error:  # a crash is a failure; show the logs
            check(False, f"{type(error).__name__}: {error}")
            for log in sorted(root.glob("**/*.log")):
                print(f"--- {log.relative_to(root)} (end)\n{log.read_text(errors='replace')[-2000:]}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
