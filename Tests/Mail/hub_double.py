"""HubDouble: a test double for the hub's `POST /v1/mail` (issue 26) — not the hub.

It stands in for swarmd's HTTP answers so that swarm-mailgate and the mail harness can be tested before
the hub side exists: it records every request exactly as it came (method, path, HTTP version, the
headers in order, the body's bytes) and answers what the test told it to.

    from hub_double import HubDouble
    double = HubDouble()                      # listens on 127.0.0.1, a free port
    double.answer(202, {"outcome": "opened", "ticket": "T-1", "reason": "new"})
    double.answer(503, error("internal", "starting"), {"Retry-After": "30"})
    double.answer(202, ..., delay=3)          # answers after 3 s (for timeouts)
    ... run swarm-mailgate --url double.url ...
    double.requests                           # [Request(method, path, version, headers, body), ...]
    double.wait_for(1, timeout=60)            # until that many requests came
    double.stop()
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    version: str
    headers: list  # [(name, value)] in the order sent
    body: bytes


def error(code, message):
    """The hub's error body (Sources/SwarmHub/HubError+HTTP.swift, Protocol/openapi.yaml: Error)."""
    return {"error": {"code": code, "message": message}}


class HubDouble:
    def __init__(self, port=0):
        double = self
        self.requests = []
        self.changed = threading.Condition()
        self.status, self.body, self.headers, self.delay = 202, {"outcome": "ignored", "reason": "double"}, {}, 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *arguments):
                pass

            def do_POST(self):
                self.handle_any()

            def do_GET(self):
                self.handle_any()

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with double.changed:
                    status, answer, headers, delay = double.status, double.body, dict(double.headers), double.delay
                    double.requests.append(
                        Request(self.command, self.path, self.request_version, list(self.headers.items()), body))
                    double.changed.notify_all()
                if delay:
                    time.sleep(delay)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, status, body=None, headers=None, delay=0):
        """What every following request is answered (until changed)."""
        with self.changed:
            self.status, self.body = status, body if body is not None else {}
            self.headers, self.delay = headers or {}, delay

    def wait_for(self, count, timeout):
        """Waits until at least count requests came; returns whether they did."""
        end = time.monotonic() + timeout
        with self.changed:
            while len(self.requests) < count:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
