#!/usr/bin/env python3
"""The REST API against its contract, Protocol/openapi.yaml, fuzzed by schemathesis on a real swarmd.

Starts the real `swarmd serve` on a fresh SQLite file on loopback, creates a lead's and a requester's
token with `swarmd token create`, opens a ticket (T-1) and writes an article (KB-1) so the documented
examples name things that exist, then runs schemathesis (pinned in scripts/bootstrap-test) over every
operation of the document with every check (`--checks all`: no 5xx, every status and header documented,
every body valid against its schema, bodies that break the schema refused, valid ones accepted, a missing
token refused, unsupported methods refused) — once with the lead's token and once with the requester's,
which reaches the 403 answers. The examples are drawn from a fixed seed, so a run is repeatable.
Tests/Contract/schemathesis.toml says where a check is switched off for an operation and why.
Last, the hub must still be running, still answer /health, and stop cleanly on SIGTERM.

Prints one line per check and "N passed, M failed"; exit status 1 if anything failed.

Environment: SWARMD (default .build/debug/swarmd), SCHEMATHESIS_EXAMPLES (examples per operation and
mode, default 40), SCHEMATHESIS_SEED (default 16).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "Tests" / "support"))
from swarmd import SWARMD, Swarmd  # noqa: E402
from checks import check, summary  # noqa: E402
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))
SEED = os.environ.get("SCHEMATHESIS_SEED", "16")

class Hub(Swarmd):
    """The real swarmd on a fresh database in `folder`."""

    def __init__(self, folder):
        super().__init__(folder)
        self.start(timeout=30)

    def request(self, method, path, token=None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def schemathesis(hub, token, label, examples):
    """One schemathesis run over the whole document with `token`; True when it found nothing."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"), "run",
        str(REPO / "Protocol" / "openapi.yaml"), "--url", hub.base,
        "-H", f"Authorization: Bearer {token}",
        "--checks", "all", "--seed", SEED, "--max-examples", str(examples), "--workers", "2",
        "--generation-database", "none", "--no-color",
    ]
    started = time.monotonic()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=150, cwd=hub.folder)
    except subprocess.TimeoutExpired as error:
        print((error.stdout or b"").decode(errors="replace") if isinstance(error.stdout, bytes) else error.stdout)
        return check(False, f"schemathesis ({label}) ended within 150 s")
    output = result.stdout + result.stderr
    ok = result.returncode == 0
    if not ok:
        print(output)
    else:
        # The summary lines: how many operations, and how many cases were generated and passed.
        summary = [line for line in output.splitlines() if " generated, " in line or " selected / " in line]
        for line in summary[-2:]:
            print(f"     {line.strip()}")
    return check(ok, f"schemathesis ({label}, {examples} examples per operation, seed {SEED}) found nothing "
                     f"in {time.monotonic() - started:.0f} s")


def main():
    folder = Path(tempfile.mkdtemp(prefix="swarm-openapi-test-"))
    hub = Hub(folder)
    try:
        lead = hub.token("lena", "lead")
        requester = hub.token("rita", "requester")
        status, body = hub.request("POST", "/v1/tickets", requester, {
            "title": "VPN drops every hour", "description": "since Monday", "category": "network",
            "urgency": "medium", "impact": "low"})
        check(status == 201 and body["ticket"]["id"] == "T-1", f"the requester opens T-1: {status}")
        status, body = hub.request("POST", "/v1/kb", lead, {
            "title": "VPN drops every hour", "body": "Set the tunnel MTU to 1400 and reconnect.", "tags": ["network"]})
        check(status == 201 and body["id"] == "KB-1", f"the lead writes KB-1: {status}")

        schemathesis(hub, lead, "lead", EXAMPLES)
        schemathesis(hub, requester, "requester", max(5, EXAMPLES // 4))

        check(hub.process.poll() is None, "the hub is still running after the fuzzing")
        status, body = hub.request("GET", "/health")
        check(status == 200 and body.get("status") == "ok", f"GET /health still answers 200: {status}")
    finally:
        code = hub.stop()
        check(code == 0, f"the hub stops cleanly on SIGTERM (exit status {code})")
        log = (folder / "swarmd.log").read_text(errors="replace")
        for line in log.splitlines()[-20:]:
            print(f"     swarmd: {line}")

    sys.exit(summary())


if __name__ == "__main__":
    main()
