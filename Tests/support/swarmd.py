"""A real `swarmd serve` process for the Python end-to-end tests (Tests/Monitoring, Tests/Contract).

    from swarmd import Swarmd, free_port
    hub = Swarmd(folder)                # a fresh SQLite file in folder, a free loopback port
    output = hub.start("--log-format", "json")   # waits for 'listening on'; returns what it printed
    hub.token("alice", "agent")         # `swarmd token create`
    node = Swarmd(folder, postgres=URL)  # a node of a cluster: `--postgres URL` instead of the SQLite file
    hub.stop()                          # SIGTERM; the exit status (None if it had to be killed)
    hub.kill()                          # SIGKILL, as a crash; start() brings it back on the same port

Environment: SWARMD (default .build/debug/swarmd, relative to the repository root).
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SWARMD = Path(os.environ.get("SWARMD", REPO / ".build" / "debug" / "swarmd"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terminate(process, timeout):
    """SIGTERM, then the exit status; None when it had to be killed after `timeout` seconds, or was not running.
    Shared by every server a test starts (swarmd here, HAProxy in haproxy.py)."""
    if process is None:
        return None
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


class Swarmd:
    """`swarmd serve --port PORT --db FOLDER/swarm.sqlite --log-level warning`, its log in FOLDER/swarmd.log;
    with `postgres`, `--postgres URL` instead of `--db` (a cluster's node; give each node a folder of its own).

    The port stays the same across restarts, so a client comes back to the same address."""

    def __init__(self, folder, port=None, postgres=None):
        self.folder = Path(folder)
        self.port = port or free_port()
        self.db = str(self.folder / "swarm.sqlite")
        self.postgres = postgres
        self.store = ["--postgres", postgres] if postgres else ["--db", self.db]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"ws://127.0.0.1:{self.port}/v1/ws"
        self.process = None
        self.output = ""

    def start(self, *extra, timeout=60):
        """Starts it with `extra` arguments and waits for its 'listening on' line; returns its standard
        output up to there (the first admin token, on a new database)."""
        self.log = open(self.folder / "swarmd.log", "a")
        self.process = subprocess.Popen(
            [str(SWARMD), "serve", "--port", str(self.port), *self.store, "--log-level", "warning", *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.monotonic() + timeout
        self.output = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"swarmd exited before listening: {self.output}; see {self.folder / 'swarmd.log'}")
            self.output += line
            if "listening on" in line:
                return self.output
        raise RuntimeError(f"swarmd did not start within {timeout} s")

    @property
    def admin(self):
        """The first admin token it printed (a new database only)."""
        return next(line for line in self.output.splitlines() if line.startswith("swm_"))

    def token(self, name, role):
        result = subprocess.run([str(SWARMD), "token", "create", *self.store, "--name", name, "--role", role],
                                capture_output=True, text=True, check=True)
        return result.stdout.strip().splitlines()[-1]

    def kill(self):
        """SIGKILL (a crash: no graceful close of anything), then reaps it."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None
        if hasattr(self, "log"):
            self.log.close()

    def stop(self):
        """SIGTERM, then the exit status; None when it had to be killed, or was not running."""
        status = terminate(self.process, 30)
        self.process = None
        if hasattr(self, "log"):
            self.log.close()
        return status
