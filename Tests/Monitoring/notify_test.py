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
  7. swarm-notify --attach against a third hub with a small `--attachment-max-file`: files on the alert's
     ticket, downloaded back over REST with the same bytes and SHA-256 (the first run under valgrind);
     internal or --public; every bad argument (64), a file over the limit refused before anything is sent;
     the hub down: the alert spooled with copies of its files, delivered and attached once after it is
     back, and a replayed copy of that spool entry attaches nothing more; the hub unable to take files
     (a clamd it cannot reach: 503): the alert delivered, the file spooled and attached once later; a
     file of 16 MiB streamed (the client's peak memory grows by far less than the file).
The library's live tests run last on the first hub, so the tickets above are T-1, T-2, T-3.
Prints one line per check and "N passed, M failed"; exit status 1 if anything failed.

Environment: SWARMD (default .build/debug/swarmd, relative to the repository root).
"""

import hashlib
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
        self.extra = ()
        # With TLS, the name in the certificate: clients check the host name against it.
        self.url = f"wss://localhost:{port}/v1/ws" if tls else f"ws://127.0.0.1:{port}/v1/ws"

    def start(self):
        tls = ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]] if self.tls else []
        return super().start(*tls, *self.extra, timeout=30)

    def get(self, path, token):
        return json.loads(self.download(path, token))

    def download(self, path, token):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()


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


LIMIT = 16 * 1024 * 1024  # the attachments hub's --attachment-max-file


def peak_memory(command, env):
    """Runs command in a fresh Python whose only child it is: the child's peak resident memory (KiB) and
    its result, so that nothing else this test started counts."""
    probe = ("import json, resource, subprocess, sys\n"
             "done = subprocess.run(json.loads(sys.argv[1]), env=json.loads(sys.argv[2]), capture_output=True, text=True)\n"
             "print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode, done.stdout,"
             " done.stderr]))\n")
    result = subprocess.run([sys.executable, "-c", probe, json.dumps(command), json.dumps(env)], capture_output=True,
                            text=True, timeout=300, check=True)
    return json.loads(result.stdout)


def attachments(folder):
    """7. swarm-notify --attach against a hub of its own (tickets from T-1); returns the hub, stopped."""
    base = folder / "attach"
    base.mkdir()
    spool = base / "spool"
    hub = Hub(base, free_port())
    hub.extra = ("--attachment-max-file", str(LIMIT))
    hub.start()
    lead = hub.token("lena", "lead")
    (base / "nagios.token").write_text(hub.token("nagios", "requester") + "\n")
    staff = hub.token("ops-bot", "agent")
    common = ["--url", hub.url, "--token-file", str(base / "nagios.token"), "--spool", str(spool)]
    plain = {"PATH": "/usr/bin"}

    def alert(host, *more):
        return ["--type", "problem", "--host", host, "--service", "Disk /", "--output", "DISK CRITICAL", *more]

    def attachments_of(ticket):
        return hub.get(f"/v1/tickets/{ticket}", lead)["ticket"].get("attachments", [])

    def same_bytes(attachment, data):
        back = hub.download(f"/v1/attachments/{attachment['id']}", lead)
        return back == data and attachment["sha256"] == hashlib.sha256(data).hexdigest() == hashlib.sha256(back).hexdigest()

    log = base / "disk.log"
    log_bytes = b"".join(b"%05d sda1 97%% used\n" % i for i in range(2000))
    log.write_bytes(log_bytes)
    capture = base / "capture.bin"
    capture_bytes = bytes(range(256)) * 1000 + b"\0end"
    capture.write_bytes(capture_bytes)

    # Two files on a new alert's ticket; a requester's token attaches public files (its own requester is the monitor).
    first = notify([*alert("db7", "--attach", str(log), "--attach", str(capture)), *common], plain, valgrind=True)
    lines = first.stdout.splitlines()
    check(first.returncode == 0 and len(lines) == 3 and lines[0] == "T-1 opened (alert:db7/Disk /)"
          and lines[1] == f"T-1 attached disk.log as A-1 ({len(log_bytes)} bytes, public)"
          and lines[2] == f"T-1 attached capture.bin as A-2 ({len(capture_bytes)} bytes, public)",
          f"--attach twice puts both files on the alert's new ticket T-1 (valgrind clean): {first.returncode} "
          f"{first.stdout!r} {first.stderr!r}")
    files = attachments_of("T-1")
    check([f["name"] for f in files] == ["disk.log", "capture.bin"] and same_bytes(files[0], log_bytes)
          and same_bytes(files[1], capture_bytes) and files[0]["author"] == "nagios",
          f"downloaded back over REST, each file has its bytes and SHA-256: {files}")
    # A repeat attaches its file to the ticket it repeated on.
    repeat = notify([*alert("db7", "--attach", str(log)), *common], plain)
    check(repeat.returncode == 0 and repeat.stdout.splitlines() == ["T-1 repeated (alert:db7/Disk /)",
                                                                      f"T-1 attached disk.log as A-3 ({len(log_bytes)} bytes, public)"],
          f"a repeated alert attaches to the ticket it repeated on: {repeat.stdout!r} {repeat.stderr!r}")
    # A staff token: internal unless --public.
    internal = notify([*alert("db8", "--attach", str(log)), "--url", hub.url, "--token", staff, "--spool", str(spool)],
                      plain)
    public = notify([*alert("db8", "--attach", str(capture), "--public"), "--url", hub.url, "--token", staff,
                     "--spool", str(spool)], plain)
    check(internal.returncode == 0 and internal.stdout.endswith(f"T-2 attached disk.log as A-4 ({len(log_bytes)} bytes, internal)\n")
          and public.returncode == 0 and public.stdout.endswith(f"({len(capture_bytes)} bytes, public)\n"),
          f"a staff token's files are internal, or public with --public: {internal.stdout!r} {public.stdout!r} "
          f"{internal.stderr!r} {public.stderr!r}")

    # Bad arguments: exit 64, one line, nothing sent, nothing spooled.
    before = hub.get("/v1/tickets", lead)["total"]
    missing = notify([*alert("db9", "--attach", str(base / "none.log")), *common], plain)
    folder_given = notify([*alert("db9", "--attach", str(base)), *common], plain)
    over = base / "over.bin"
    with open(over, "wb") as sparse:
        sparse.truncate(LIMIT + 1)
    too_big = notify([*alert("db9", "--attach", str(log), "--attach", str(over)), *common], plain)
    flush_with = notify(["--flush", "--attach", str(log), *common], plain)
    public_alone = notify([*alert("db9", "--public"), *common], plain)
    check(missing.returncode == 64 and missing.stderr == f"swarm-notify: --attach: no file {base / 'none.log'}\n",
          f"a missing file: exit 64 naming it: {missing.returncode} {missing.stderr!r}")
    check(folder_given.returncode == 64
          and folder_given.stderr == f"swarm-notify: --attach: {base} is a directory; attach its files one by one\n",
          f"a directory: exit 64: {folder_given.returncode} {folder_given.stderr!r}")
    check(too_big.returncode == 64 and too_big.stderr ==
          f"swarm-notify: --attach: {over} has {LIMIT + 1} bytes, 1 over the hub's limit of {LIMIT} bytes per file; "
          "the alert was not sent\n", f"a file over the hub's limit: exit 64 with the numbers, before anything is "
          f"sent: {too_big.returncode} {too_big.stderr!r}")
    check(flush_with.returncode == 64 and "--attach goes with an alert" in flush_with.stderr
          and public_alone.returncode == 64 and "--public is for the files of --attach" in public_alone.stderr,
          f"--attach with --flush, --public alone: exit 64: {flush_with.stderr!r} {public_alone.stderr!r}")
    leftovers = [p.name for p in spool.glob("*") if not p.name.startswith(".")] if spool.exists() else []
    check(hub.get("/v1/tickets", lead)["total"] == before and not leftovers,
          f"after bad arguments: no ticket opened, nothing spooled: {leftovers}")
    (base / "bad.token").write_text("swm_unknown\n")
    stranger = notify([*alert("db9", "--attach", str(log)), "--url", hub.url, "--token-file", str(base / "bad.token"),
                       "--spool", str(spool)], plain)
    check(stranger.returncode == 77 and "refused the token" in stranger.stderr,
          f"an unknown token with --attach: exit 77: {stranger.returncode} {stranger.stderr!r}")

    # The hub down: the alert is spooled with copies of its files; the originals may go.
    hub.stop()
    down_log, down_capture = base / "down.log", base / "down.bin"
    down_log.write_bytes(log_bytes[:5000])
    down_capture.write_bytes(capture_bytes[:7777])
    down = notify([*alert("web3", "--attach", str(down_log), "--attach", str(down_capture)), "--retries", "0", *common],
                  plain)
    entries = sorted(spool.glob("*.json"))
    folders = sorted(spool.glob("*.files"))
    check(down.returncode == 75 and "alert spooled as" in down.stderr and "with 2 files" in down.stderr
          and len(entries) == 1 and len(folders) == 1
          and sorted(p.name for p in folders[0].iterdir()) == ["1", "2", "files.json"],
          f"the hub down: the alert spooled with its 2 files (exit 75): {down.returncode} {down.stderr!r}")
    down_log.unlink()
    down_capture.unlink()
    saved = base / "saved"
    saved.mkdir()
    if entries and folders:
        shutil.copy(entries[0], saved / "0000000000000-copy.json")
        shutil.copytree(folders[0], saved / "0000000000000-copy.files")
    hub.start()
    flushed = notify(["--flush", *common], plain)
    lines = flushed.stdout.splitlines()
    check(flushed.returncode == 0 and len(lines) == 3 and lines[0] == "spooled alert delivered: T-3 opened (alert:web3/Disk /)"
          and lines[1] == "spooled alert delivered: T-3 attached down.log as A-6 (5000 bytes, public)"
          and lines[2] == "spooled alert delivered: T-3 attached down.bin as A-7 (7777 bytes, public)",
          f"--flush delivers the alert as T-3 and attaches its spooled files: {flushed.stdout!r} {flushed.stderr!r}")
    files = attachments_of("T-3")
    check(len(files) == 2 and same_bytes(files[0], log_bytes[:5000]) and same_bytes(files[1], capture_bytes[:7777]),
          f"T-3's files are the ones spooled, byte for byte: {files}")
    check(not [p for p in spool.iterdir() if not p.name.startswith(".")], "the spool is empty after the flush")
    # The same spool entry again (a run that died after attaching, before removing it): nothing more.
    for item in saved.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, spool / item.name)
    replay = notify(["--flush", *common], plain)
    ticket = hub.get("/v1/tickets/T-3", lead)["ticket"]
    check(replay.returncode == 0 and "T-3 attached down.log as A-6" in replay.stdout
          and "T-3 attached down.bin as A-7" in replay.stdout and len(ticket["attachments"]) == 2
          and ticket["alert"]["count"] == 1 and hub.get("/v1/tickets", lead)["total"] == 3,
          f"replaying the spooled alert and its files (same ids and keys) adds nothing: {replay.stdout!r} "
          f"{replay.stderr!r} {[f['id'] for f in ticket['attachments']]}")
    hub.stop()

    # The hub up but unable to take files now (a clamd it cannot reach, no wait: 503 unavailable): the alert
    # is delivered, the file spooled with it; once the hub takes files, the next run attaches it once.
    hub.extra = ("--attachment-max-file", str(LIMIT), "--clamd", "tcp://127.0.0.1:1", "--clamd-wait", "0s")
    hub.start()
    later = notify([*alert("web4", "--attach", str(log)), *common], plain)
    check(later.returncode == 75 and later.stdout == "T-4 opened (alert:web4/Disk /)\n"
          and later.stderr.startswith("swarm-notify: cannot attach disk.log to T-4 yet: ")
          and "alert spooled as" in later.stderr and "with 1 file" in later.stderr and not attachments_of("T-4"),
          f"the hub cannot take files now: the alert delivered, the file spooled (75): {later.returncode} "
          f"{later.stdout!r} {later.stderr!r}")
    hub.stop()
    hub.extra = ("--attachment-max-file", str(LIMIT))
    hub.start()
    flushed = notify(["--flush", *common], plain)
    ticket = hub.get("/v1/tickets/T-4", lead)["ticket"]
    check(flushed.returncode == 0 and flushed.stdout.splitlines() == [
              "spooled alert delivered: T-4 opened (alert:web4/Disk /)",
              f"spooled alert delivered: T-4 attached disk.log as A-8 ({len(log_bytes)} bytes, public)"]
          and len(ticket["attachments"]) == 1 and same_bytes(ticket["attachments"][0], log_bytes)
          and ticket["alert"]["count"] == 1,
          f"the next run attaches the file once, the alert not raised again: {flushed.stdout!r} {flushed.stderr!r}")

    # Streamed: a file of 16 MiB costs the client far less than 16 MiB of memory.
    big = base / "big.bin"
    big_bytes = os.urandom(LIMIT)
    big.write_bytes(big_bytes)
    small_peak, small_code, _, small_err = peak_memory([str(NOTIFY), *alert("big1", "--attach", str(log)), *common], plain)
    big_peak, big_code, big_out, big_err = peak_memory([str(NOTIFY), *alert("big2", "--attach", str(big)), *common], plain)
    big_ticket = big_out.split(" ", 1)[0]
    files = attachments_of(big_ticket) if big_code == 0 else []
    check(small_code == 0 and big_code == 0 and len(files) == 1 and same_bytes(files[0], big_bytes)
          and big_peak - small_peak < 8 * 1024,
          f"a 16 MiB file is streamed: peak memory {big_peak} KiB against {small_peak} KiB with a small file; "
          f"{big_out!r} {small_err!r} {big_err!r}")
    hub.stop()
    return hub


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
        check(live.returncode == 0 and "[  PASSED  ] 5 test(s)." in live.stdout + live.stderr,
              "libswarm's live tests pass under valgrind memcheck (attach and download back included)")
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
        check(live.returncode == 0 and "[  PASSED  ] 6 test(s)." in live.stdout + live.stderr,
              "libswarm's live tests pass over wss:// (attachments over https://) under valgrind memcheck, and "
              "refuse an untrusted certificate")
        hub.stop()

        # 8. swarm-notify --attach.
        hub = attachments(folder)

    finally:
        hub.stop()
        if not failed():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"hub log and spool kept in {folder}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
