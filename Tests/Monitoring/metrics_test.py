#!/usr/bin/env python3
"""End-to-end test of `GET /metrics` (Prometheus) against a real swarmd (docs/operations.md).

Starts the real `swarmd serve` on a fresh database on loopback, scrapes /metrics and parses it with
prometheus_client's text parser (the one Prometheus' own Python client uses), then drives traffic over
real WebSocket connections and scrapes again:
  1. every metric docs/operations.md lists is in the scrape, and nothing undocumented is;
  2. the figures move as the traffic says: frames in and out, connections and subscriptions, commands
     by type and outcome (exact counts), errors by code, the group commit's batch size and latency,
     a resume (subscribe with since), the log's seq (exactly the last ack's), the timer's lag and SLA
     warnings and breaches (tiny SLA targets), and a slow consumer closed with 4008;
  3. `--metrics-address` serves /metrics on its own listener and not on the main port, and
     `--metrics-token-file` makes it answer 401 without the token or with a wrong one, 200 with it;
  4. bad option values stop swarmd with a one-line message and exit status 64, a token file it cannot
     use with 2.
Prints one line per check and "N passed, M failed"; exit status 1 if anything failed.

Environment: SWARMD (default .build/debug/swarmd, relative to the repository root).
"""

import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import websocket  # websocket-client
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))
from swarmd import SWARMD, Swarmd, free_port  # noqa: E402
from checks import check, summary  # noqa: E402

class Hub(Swarmd):
    """The real swarmd on a free port of loopback, started with `extra`."""

    def __init__(self, folder, extra=()):
        super().__init__(folder)
        self.start(*extra)


def get(url, token=None):
    """(status, body) of a GET."""
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Content-Type", "")


def scrape(base, token=None):
    """The samples of one scrape: {(sample name, sorted labels): value}, and the families' types by the
    names the text declares them with (`# TYPE swarm_errors_total counter`, `# TYPE hb_requests counter`)."""
    status, text, _ = get(base + "/metrics", token)
    assert status == 200, (status, text)
    samples = {}
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE))
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Client:
    """One WebSocket connection speaking protocol v1."""

    def __init__(self, url, token, sockopt=()):
        self.ws = websocket.create_connection(url, timeout=20, sockopt=list(sockopt))
        self.counter = 0
        self.send({"type": "hello", "token": token, "id": "h"})
        self.welcome = self.reply("h")

    def send(self, frame):
        self.ws.send(json.dumps(frame))

    def reply(self, id):
        """The ack or error answering `id` (events before it are skipped)."""
        while True:
            frame = json.loads(self.ws.recv())
            if frame.get("id") == id and frame["type"] in ("ack", "error", "welcome"):
                return frame

    def command(self, frame):
        self.counter += 1
        id = f"c{self.counter}"
        self.send({**frame, "id": id})
        return self.reply(id)

    def close(self):
        self.ws.close()


def documented_metrics():
    """The metric names of docs/operations.md's table (rows starting with | `swarm_...`, `hb_...`, `http_...`)."""
    text = (REPO / "docs" / "operations.md").read_text()
    return set(re.findall(r"^\| `((?:swarm|hb|http)_[a-z_]+)`", text, re.MULTILINE))


def family_names(types):
    """Scraped family names, as the text declares them and the docs spell them."""
    return set(types)


def traffic_moves_the_figures(folder):
    config = folder / "sla.yaml"
    # Targets of seconds: a P4 ticket warns at 80 % of 2 s and breaches at 2 s, both fired by the timer.
    config.write_text("defaults:\n  sla:\n    P4: {first_response: 2s, resolution: 30m}\n")
    hub = Hub(folder, ["--config", str(config), "--outbound-queue-bytes", "262144", "--command-rate", "2000"])
    try:
        before, types = scrape(hub.base)
        status, _, content_type = get(hub.base + "/metrics")
        check(status == 200 and content_type.startswith("text/plain; version=0.0.4"),
              f"GET /metrics answers 200 in the Prometheus text format ({content_type})")
        check(value(before, "swarm_connections") == 0 and value(before, "swarm_frames_received_total") == 0,
              "a new hub has no connection and has read no frame")

        admin = Client(hub.url, hub.admin)
        watcher = Client(hub.url, hub.admin)
        # Three P1 tickets for the traffic (no SLA target in the file), two untouched P4 ones for the SLA.
        opened = [admin.command({"type": "ticket.open", "title": f"printer {i}", "description": "jammed",
                                 "category": "hardware", "urgency": "high", "impact": "high"})
                  for i in range(3)]
        opened += [admin.command({"type": "ticket.open", "title": f"toner {i}", "description": "low",
                                  "category": "hardware", "urgency": "low", "impact": "low"})
                   for i in range(2)]
        check(all(frame["type"] == "ack" for frame in opened), "five tickets opened")
        refused = admin.command({"type": "comment.add", "ticket": "T-999", "body": "nobody home"})
        check(refused.get("code") == "not_found", "a comment on a missing ticket is refused with not_found")
        admin.send({"type": "no.such.thing", "id": "x"})
        check(admin.reply("x").get("code") == "unknown_type", "an unknown frame type gets unknown_type")
        status, _, _ = get(hub.base + "/v1/tickets/T-999", hub.admin)
        check(status == 404, f"REST: a missing ticket is 404 ({status})")
        subscribed = watcher.command({"type": "subscribe", "channels": ["ticket:T-1", "ticket:T-2"], "since": 0})
        check(subscribed["type"] == "ack", "a subscribe with since (a resume) is acked")
        admin.command({"type": "comment.add", "ticket": "T-1", "body": "on it"})
        middle, _ = scrape(hub.base)
        check(value(middle, "swarm_connections") == 2 and value(middle, "swarm_subscriptions") == 2,
              f"2 connections, 2 subscriptions ({value(middle, 'swarm_connections')}, "
              f"{value(middle, 'swarm_subscriptions')})")

        # A slow consumer: a tiny receive buffer and never a read, while big comments pile up for it.
        slow = Client(hub.url, hub.admin, sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
        slow.command({"type": "subscribe", "channels": ["ticket:T-3"]})
        body = "x" * 9000  # under the 10,000-character limit of a comment
        for i in range(600):
            admin.send({"type": "comment.add", "ticket": "T-3", "body": body, "id": f"big{i}"})
        admin.reply("big599")
        admin.command({"type": "comment.add", "ticket": "T-2", "body": "last one"})

        # The SLA timer fires on its next poll (at most 1 s) after the 2 s target; the slow consumer's
        # TCP connection is dropped when its close grace (5 s) runs out.
        deadline = time.monotonic() + 30
        while True:
            after, _ = scrape(hub.base)
            done = value(after, "swarm_sla_events_total", kind="breach") >= 2 and value(after, "swarm_connections") == 2
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        _, health, _ = get(hub.base + "/health")
        _, types = scrape(hub.base)
        documented = documented_metrics()
        scraped = family_names(types)
        check(len(documented) >= 15, f"docs/operations.md lists the metrics ({len(documented)})")
        check(documented <= scraped, f"every documented metric is scraped (missing: {sorted(documented - scraped)})")
        check(scraped <= documented, f"every scraped metric is documented (undocumented: {sorted(scraped - documented)})")

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        check(value(after, "swarm_connections") == 2,
              f"the slow consumer's connection is gone: 2 open ({value(after, 'swarm_connections')})")
        check(value(after, "swarm_subscriptions") == 2,
              f"and its subscription with it: 2 ({value(after, 'swarm_subscriptions')})")
        check(value(after, "swarm_connections_opened_total") == 3, "3 connections accepted")
        check(moved("swarm_frames_received_total") >= 600 + 12,
              f"frames in moved ({moved('swarm_frames_received_total')})")
        check(moved("swarm_frames_sent_total") >= 600 + 12, f"frames out moved ({moved('swarm_frames_sent_total')})")
        check(value(after, "swarm_commands_total", type="ticket.open", outcome="ok") == 5,
              "commands_total{type=ticket.open,outcome=ok} is exactly 5")
        check(value(after, "swarm_commands_total", type="comment.add", outcome="not_found") == 1,
              "commands_total{type=comment.add,outcome=not_found} is exactly 1")
        check(value(after, "swarm_commands_total", type="comment.add", outcome="ok") == 602,
              f"commands_total{{type=comment.add,outcome=ok}} is 602 "
              f"({value(after, 'swarm_commands_total', type='comment.add', outcome='ok')})")
        check(value(after, "swarm_commands_total", type="system.connected", outcome="ok") == 1,
              "the admin coming online is counted as the hub's own command")
        check(value(after, "swarm_errors_total", code="not_found") == 2
              and value(after, "swarm_errors_total", code="unknown_type") == 1,
              "errors_total counts not_found twice (a WebSocket error frame, a REST answer) and unknown_type once")
        check(value(after, "hb_requests_total", http_route="/v1/tickets/{id}", http_request_method="GET",
                    http_response_status_code="404") == 1
              and value(after, "hb_requests_total", http_route="/metrics", http_request_method="GET",
                        http_response_status_code="200") >= 2,
              "hb_requests counts REST answers by route pattern, method and status")
        check(value(after, "swarm_errors_total", code="internal") == 0
              and value(after, "swarm_errors_total", code="invalid_field") == 0, "no internal or invalid_field error")
        seq = json.loads(health)["seq"]
        check(value(after, "swarm_event_log_seq") == seq,
              f"event_log_seq is the log's last seq ({value(after, 'swarm_event_log_seq')} = {seq})")
        batches = value(after, "swarm_commit_batch_size_count")
        check(0 < batches <= value(after, "swarm_commit_batch_size_sum"),
              f"group commits are counted with their sizes ({batches} batches, "
              f"{value(after, 'swarm_commit_batch_size_sum')} commands)")
        commits = value(after, "swarm_commit_duration_seconds_count")
        check(0 < commits <= batches and value(after, "swarm_commit_duration_seconds_sum") > 0,
              f"every append's latency is in the histogram ({commits} appends)")
        check(value(after, "swarm_commit_duration_seconds_bucket", le="+Inf") == commits,
              "the latency histogram's +Inf bucket holds every append")
        check(value(after, "swarm_resume_duration_seconds_count") == 1, "the resume's duration is recorded")
        check(types.get("swarm_log_replay_seconds") == "gauge", "the start-up replay time is a gauge")
        check(value(after, "swarm_slow_consumer_closes_total") == 1,
              f"the slow consumer was closed with 4008 ({value(after, 'swarm_slow_consumer_closes_total')})")
        check(value(after, "swarm_sla_events_total", kind="warning") == 2
              and value(after, "swarm_sla_events_total", kind="breach") == 2,
              "2 SLA warnings and 2 breaches (one each per P4 ticket)")
        check(value(after, "swarm_timer_lag_seconds_count") >= 1, "the timer's lag is recorded when it fires")
        for client in (admin, watcher):
            client.close()
        slow.ws.sock.close()
    finally:
        hub.stop()


def separate_listener_with_token(folder):
    token_file = folder / "metrics.token"
    token = "metrics-secret-0123456789"
    token_file.write_text(token + "\n")
    metrics_port = free_port()
    hub = Hub(folder, ["--metrics-address", f"127.0.0.1:{metrics_port}", "--metrics-token-file", str(token_file)])
    try:
        metrics = f"http://127.0.0.1:{metrics_port}"
        status, _, _ = get(hub.base + "/metrics", token)
        check(status == 404, f"with --metrics-address the main port has no /metrics ({status})")
        status, body, _ = get(metrics + "/metrics")
        check(status == 401 and "unauthorized" in body, f"no token: 401 ({status} {body.strip()})")
        status, _, _ = get(metrics + "/metrics", "wrong-token-0123456789")
        check(status == 401, f"a wrong token: 401 ({status})")
        samples, _ = scrape(metrics, token)
        check(("swarm_connections", ()) in samples, "the right token: 200, a parseable scrape")
        status, _, _ = get(metrics + "/v1/tickets", hub.admin)
        check(status == 404, f"the metrics listener serves nothing else ({status})")
        status, _, _ = get(hub.base + "/health")
        check(status == 200, "the main port still serves the API")
    finally:
        hub.stop()


def bad_options(folder):
    def serve(*arguments):
        result = subprocess.run([str(SWARMD), "serve", "--db", str(folder / "bad.sqlite"), *arguments],
                                capture_output=True, text=True, timeout=30)
        return result.returncode, result.stderr

    status, err = serve("--metrics-address", "localhost")
    check(status == 64 and "--metrics-address" in err and "HOST:PORT" in err, f"--metrics-address localhost: {err.strip().splitlines()[0]}")
    status, err = serve("--metrics-address", "127.0.0.1:99999")
    check(status == 64 and "port" in err, f"--metrics-address with port 99999: {err.strip().splitlines()[0]}")
    status, err = serve("--metrics-address", "127.0.0.1:8080", "--port", "8080")
    check(status == 64 and "another port" in err, f"the main port twice: {err.strip().splitlines()[0]}")
    status, err = serve("--metrics-token-file", str(folder / "missing"))
    check(status == 2 and "cannot read" in err, f"a missing token file: {err.strip().splitlines()[0]}")
    short = folder / "short.token"
    short.write_text("abc\n")
    status, err = serve("--metrics-token-file", str(short))
    check(status == 2 and "16 to 512" in err, f"a short token: {err.strip().splitlines()[0]}")
    status, err = serve("--log-format", "xml")
    check(status == 64 and "--log-format" in err, f"--log-format xml: {err.strip().splitlines()[0]}")


def main():
    if not SWARMD.exists():
        print(f"FAIL swarmd not built at {SWARMD}")
        return 1
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        for name, test in [("traffic", traffic_moves_the_figures), ("listener", separate_listener_with_token),
                           ("options", bad_options)]:
            folder = root / name
            folder.mkdir()
            try:
                test(folder)
            except Exception as error:  # a crash of one part is a failure, and the others still run
                check(False, f"{name}: {type(error).__name__}: {error}")
                log = folder / "swarmd.log"
                if log.exists():
                    print(log.read_text()[-3000:])
    return summary()


if __name__ == "__main__":
    sys.exit(main())
