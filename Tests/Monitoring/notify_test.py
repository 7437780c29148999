#!/usr/bin/env python3
"""End-to-end tests of the C client (Clients/c) against a real swarmd (docs/monitoring.md).

Builds Clients/c, starts the real `swarmd serve` on a fresh database on loopback, and checks:
  1. libswarm's live tests (Clients/c/tests/test_client.c) under valgrind memcheck;
  2. swarm-notify run with exactly the environment Nagios 4 sets for a service notification
     (PROBLEM opens, PROBLEM again repeats on the same ticket, RECOVERY recovers), the first run
     under valgrind memcheck;
  3. Zabbix's media-script arguments (problem, then resolved);
  4. the hub down during an alert: spooled (exit 75); the hub up again: `--flush` delivers it once,
     and a copy of an already delivered command (same id, its ack lost) adds nothing;
  5. bad input: unknown token (77), oversized output and missing macros (64), an alert the hub
     refuses (65) — each with a one-line message.
  6. libswarm's live tests again, and swarm-notify, over wss:// against a second hub started with
     `--tls-cert/--tls-key` and a self-signed certificate made by `openssl`: trusted with --ca-file
     (and SWARM_TEST_CA), refused without it.
The library's live tests run last, so the tickets above are T-1, T-2, T-3.
Prints one line per check and "N passed, M failed"; exit status 1 if anything failed.

Environment: SWARMD (default .build/debug/swarmd, relative to the repository root).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "Clients" / "c"
NOTIFY = CLIENT / "build" / "swarm-notify"
sys.path.insert(0, str(REPO / "Tests" / "support"))
from swarmd import SWARMD, Swarmd, free_port  # noqa: E402
from checks import check, failed, summary  # noqa: E402
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect", "-q"]

class Hub(Swarmd):
    """The real swarmd on a fixed port (so it comes back on the same address after a restart)."""

    def __init__(self, folder, port, tls=None):
        super().__init__(folder, port)
        self.tls = tls
        # With TLS, the name in the certificate: clients check the host name against it.
        self.url = f"wss://localhost:{port}/v1/ws" if tls else f"ws://127.0.0.1:{port}/v1/ws"

    def start(self):
        tls = ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]] if self.tls else []
        return super().start(*tls, timeout=30)

    def get(self, path, token):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


# What Nagios 4 puts in the environment of a service notification command (enable_environment_macros=1;
# a subset of its NAGIOS_* macros, the names and values as Nagios 4.4 sets them).
def nagios_environment(kind, host, service, state, output):
    return {
        "NAGIOS_NOTIFICATIONTYPE": kind, "NAGIOS_NOTIFICATIONNUMBER": "1", "NAGIOS_NOTIFICATIONRECIPIENTS": "swarm",
        "NAGIOS_CONTACTNAME": "swarm", "NAGIOS_CONTACTEMAIL": "", "NAGIOS_HOSTNAME": host,
        "NAGIOS_HOSTALIAS": host, "NAGIOS_HOSTADDRESS": "10.0.0.5", "NAGIOS_HOSTSTATE": "UP",
        "NAGIOS_HOSTSTATEID": "0", "NAGIOS_HOSTOUTPUT": "PING OK - Packet loss = 0%", "NAGIOS_SERVICEDESC": service,
        "NAGIOS_SERVICESTATE": state, "NAGIOS_SERVICESTATEID": {"OK": "0", "WARNING": "1", "CRITICAL": "2"}[state],
        "NAGIOS_SERVICESTATETYPE": "HARD", "NAGIOS_SERVICEATTEMPT": "3", "NAGIOS_SERVICEOUTPUT": output,
        "NAGIOS_LONGSERVICEOUTPUT": "", "NAGIOS_SERVICEPERFDATA": "/=29GB;30;32;0;33",
        "NAGIOS_LONGDATETIME": "Wed Dec 2 18:00:00 UTC 2026", "NAGIOS_TIMET": "1796234400",
        "NAGIOS_ADMINEMAIL": "nagios@localhost", "PATH": "/usr/bin:/bin",
    }


def notify(arguments, env, valgrind=False):
    command = ([*VALGRIND] if valgrind else []) + [str(NOTIFY), *arguments]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def main():
    subprocess.run(["make", "-s", "-C", str(CLIENT), "all"], check=True)
    folder = Path(tempfile.mkdtemp(prefix="swarm-notify-test-"))
    spool = folder / "spool"
    hub = Hub(folder, free_port())
    try:
        hub.start()
        lead = hub.token("lena", "lead")
        nagios = hub.token("nagios", "requester")
        (folder / "nagios.token").write_text(nagios + "\n")
        common = ["--url", hub.url, "--token-file", str(folder / "nagios.token"), "--spool", str(spool)]

        # 2. Nagios 4's service notification environment.
        env = nagios_environment("PROBLEM", "db1", "Disk /", "CRITICAL", "DISK CRITICAL - free space: / 3%")
        first = notify(["--nagios", *common], env, valgrind=True)
        check(first.returncode == 0 and first.stdout.startswith("T-1 opened (nagios:db1/Disk /)"),
              f"Nagios PROBLEM opens T-1 (valgrind clean): {first.returncode} {first.stdout!r} {first.stderr!r}")
        env["NAGIOS_SERVICEOUTPUT"] = "DISK CRITICAL - free space: / 2%"
        env["NAGIOS_NOTIFICATIONNUMBER"] = "2"
        second = notify(["--nagios", *common], env)
        check(second.returncode == 0 and second.stdout.startswith("T-1 repeated"),
              f"Nagios PROBLEM again repeats on T-1: {second.stdout!r} {second.stderr!r}")
        ticket = hub.get("/v1/tickets/T-1", lead)["ticket"]
        check(ticket["alert"]["count"] == 2 and ticket["alert"]["output"] == "DISK CRITICAL - free space: / 2%",
              f"T-1 counts 2 raises and keeps the latest output: {ticket.get('alert')}")
        check(ticket["title"] == "db1: Disk / is CRITICAL" and ticket["priority"] == "P1",
              f"T-1's title and priority come from the macros: {ticket['title']} {ticket['priority']}")
        recovery = nagios_environment("RECOVERY", "db1", "Disk /", "OK", "DISK OK - free space: / 41%")
        recovered = notify(["--nagios", *common], recovery)
        check(recovered.returncode == 0 and recovered.stdout.startswith("T-1 recovered"),
              f"Nagios RECOVERY recovers T-1: {recovered.stdout!r} {recovered.stderr!r}")
        alert = hub.get("/v1/tickets/T-1", lead)["ticket"]["alert"]
        check("recoveredAt" in alert and alert["output"] == "DISK OK - free space: / 41%",
              f"the recovery is logged on T-1: {alert}")
        acknowledged = notify(["--nagios", *common], {**env, "NAGIOS_NOTIFICATIONTYPE": "ACKNOWLEDGEMENT"})
        check(acknowledged.returncode == 0 and "ignored ACKNOWLEDGEMENT" in acknowledged.stdout,
              f"an ACKNOWLEDGEMENT is ignored: {acknowledged.stdout!r}")

        # 3. Zabbix media-script arguments.
        message = ("Problem started at 18:00:00 on 2026.12.02\nProblem name: High CPU on web1\nHost: web1\n"
                   "Severity: High\nOriginal problem ID: 4711\n")
        zabbix = notify(["--zabbix", *common, "swarm", "Problem: High CPU on web1", message], {"PATH": "/usr/bin"})
        check(zabbix.returncode == 0 and zabbix.stdout.startswith("T-2 opened (zabbix:4711)"),
              f"a Zabbix problem opens T-2: {zabbix.stdout!r} {zabbix.stderr!r}")
        resolved = notify(["--zabbix", *common, "swarm", "Resolved: High CPU on web1",
                           "Problem has been resolved\nOriginal problem ID: 4711\n"], {"PATH": "/usr/bin"})
        check(resolved.returncode == 0 and resolved.stdout.startswith("T-2 recovered"),
              f"the Zabbix recovery recovers T-2: {resolved.stdout!r} {resolved.stderr!r}")

        # 4. The hub down during an alert, then up.
        hub.stop()
        down = notify(["--nagios", "--retries", "1", *common],
                      nagios_environment("PROBLEM", "web1", "HTTP", "CRITICAL", "HTTP CRITICAL - connection refused"))
        spooled = sorted(spool.glob("*.json"))
        check(down.returncode == 75 and "alert spooled as" in down.stderr and len(spooled) == 1,
              f"with the hub down the alert is spooled (exit 75): {down.returncode} {down.stderr!r}")
        saved = spooled[0].read_text() if spooled else "{}"
        hub.start()
        flushed = notify(["--flush", *common], {"PATH": "/usr/bin"})
        check(flushed.returncode == 0 and flushed.stdout.startswith("spooled alert delivered: T-3 opened"),
              f"--flush delivers the spooled alert as T-3: {flushed.stdout!r} {flushed.stderr!r}")
        check(not list(spool.glob("*.json")), "the spool is empty after the flush")
        again = notify(["--flush", *common], {"PATH": "/usr/bin"})
        check(again.returncode == 0 and "spool empty" in again.stdout, f"a second flush sends nothing: {again.stdout!r}")
        # The ack of a delivery lost: the same command (same id) is spooled again and re-sent.
        (spool / "0000000000000-copy.json").write_text(saved)
        duplicate = notify(["--flush", *common], {"PATH": "/usr/bin"})
        tickets = hub.get("/v1/tickets", lead)["tickets"]
        t3 = hub.get("/v1/tickets/T-3", lead)
        check(duplicate.returncode == 0 and "T-3 opened" in duplicate.stdout and len(tickets) == 3
              and t3["ticket"]["alert"]["count"] == 1 and len([e for e in t3["events"]
                                                                if e["event"]["type"] == "ticket.opened"]) == 1,
              f"re-sending the same command id adds nothing (exactly once): {duplicate.stdout!r} "
              f"{[t['id'] for t in tickets]}")

        # 5. Bad input.
        (folder / "bad.token").write_text("swm_unknown\n")
        unknown = notify(["--nagios", "--url", hub.url, "--token-file", str(folder / "bad.token"), "--spool",
                          str(spool)], env)
        check(unknown.returncode == 77 and "refused the token" in unknown.stderr
              and len(unknown.stderr.strip().splitlines()) == 1 and not list(spool.glob("*.json")),
              f"an unknown token: exit 77, one line, nothing spooled: {unknown.returncode} {unknown.stderr!r}")
        big = notify(["--nagios", *common], {**env, "NAGIOS_SERVICEOUTPUT": "x" * 10001})
        check(big.returncode == 64 and big.stderr.strip() ==
              "swarm-notify: the output has 10001 characters; the hub accepts at most 10000",
              f"oversized output: exit 64 with a clear message: {big.returncode} {big.stderr!r}")
        missing = notify(["--nagios", *common], {"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "PATH": "/usr/bin"})
        check(missing.returncode == 64 and missing.stderr.strip() ==
              "swarm-notify: missing Nagios macro NAGIOS_HOSTNAME",
              f"missing macros: exit 64 naming the macro: {missing.returncode} {missing.stderr!r}")
        nothing = notify(["--nagios", *common], {"PATH": "/usr/bin"})
        check(nothing.returncode == 64 and "NAGIOS_NOTIFICATIONTYPE" in nothing.stderr,
              f"no macros at all: exit 64: {nothing.stderr!r}")
        other = hub.token("icinga", "requester")
        refused = notify(["--url", hub.url, "--token", other, "--spool", str(spool), "--type", "problem",
                          "--host", "db1", "--key", "nagios:db1/Disk /", "--output", "x"], {"PATH": "/usr/bin"})
        # T-1 was recovered but not resolved: its key still belongs to nagios's open ticket.
        check(refused.returncode == 65 and refused.stderr.startswith("swarm-notify: the hub refused the alert: conflict:"),
              f"an alert the hub refuses: exit 65 with its code: {refused.returncode} {refused.stderr!r}")
        # 6. (1.) The library against the live hub.
        agent = hub.token("ctest", "agent")
        live = subprocess.run(["make", "-s", "-C", str(CLIENT), "check-live"], capture_output=True, text=True,
                              env={**os.environ, "SWARM_TEST_URL": hub.url, "SWARM_TEST_TOKEN": agent})
        print(live.stdout + live.stderr, end="")
        check(live.returncode == 0 and "[  PASSED  ] 3 test(s)." in live.stdout + live.stderr,
              "libswarm's live tests pass under valgrind memcheck")
        hub.stop()

        # 7. The same over TLS: a second hub with a self-signed certificate.
        tls_folder = folder / "tls"
        tls_folder.mkdir()
        cert, key = str(tls_folder / "hub.pem"), str(tls_folder / "hub-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
        hub = Hub(tls_folder, free_port(), tls=(cert, key))
        started = hub.start()
        check(f"listening on wss://127.0.0.1:{hub.port}/v1/ws" in started, f"the TLS hub says wss://: {started!r}")
        nagios = hub.token("nagios", "requester")
        secure = ["--url", hub.url, "--token", nagios, "--spool", str(tls_folder / "spool")]
        problem = nagios_environment("PROBLEM", "db9", "Disk /", "CRITICAL", "DISK CRITICAL - free space: / 3%")
        trusted = notify(["--nagios", "--ca-file", cert, *secure], problem, valgrind=True)
        check(trusted.returncode == 0 and trusted.stdout.startswith("T-1 opened (nagios:db9/Disk /)"),
              f"swarm-notify --ca-file opens T-1 over wss:// (valgrind clean): {trusted.returncode} "
              f"{trusted.stdout!r} {trusted.stderr!r}")
        untrusted = notify(["--nagios", "--retries", "0", *secure], problem)
        check(untrusted.returncode == 75 and "alert spooled" in untrusted.stderr,
              f"without --ca-file the certificate is refused and the alert spooled: {untrusted.returncode} "
              f"{untrusted.stderr!r}")
        no_file = notify(["--nagios", "--ca-file", str(tls_folder / "missing.pem"), *secure], problem)
        check(no_file.returncode == 64 and "cannot read the CA file" in no_file.stderr,
              f"a missing --ca-file: exit 64 naming it: {no_file.returncode} {no_file.stderr!r}")
        agent = hub.token("ctest", "agent")
        live = subprocess.run(["make", "-s", "-C", str(CLIENT), "check-live"], capture_output=True, text=True,
                              env={**os.environ, "SWARM_TEST_URL": hub.url, "SWARM_TEST_TOKEN": agent,
                                   "SWARM_TEST_CA": cert})
        print(live.stdout + live.stderr, end="")
        check(live.returncode == 0 and "[  PASSED  ] 4 test(s)." in live.stdout + live.stderr,
              "libswarm's live tests pass over wss:// under valgrind memcheck, and refuse an untrusted certificate")

    finally:
        hub.stop()
        if not failed():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"hub log and spool kept in {folder}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
