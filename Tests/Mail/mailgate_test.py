#!/usr/bin/env python3
"""End-to-end tests of swarm-mailgate (Clients/c, docs/mail.md) against HubDouble, a test double for the
hub's answers to `POST /v1/mail` (Tests/Mail/hub_double.py; the hub side comes with issue 26).

Builds Clients/c and runs the real program with a message on standard input, and checks:
  1. the exact request: POST /v1/mail, HTTP/1.1, exactly the headers Host, User-Agent, Accept,
     Authorization (Bearer, the token file's first line), Content-Type message/rfc822 and Content-Length,
     no Expect or chunking; the body byte for byte (CRLF, 8-bit bytes and all), from a pipe and from a
     file, 3 MiB too; once under valgrind memcheck;
  2. each answer's exit status (sysexits) and line: 202 of every outcome is 0 ("rejected" too), with the
     hub's verdict on stdout; 413 and 400 are 65 with a 5.x.x reason; 429, 503 (Retry-After), 500,
     401, 403 and 404 are 75 with a 4.x.x reason; so are no listener and no answer within --timeout;
  3. what is refused before anything is sent: a message over --max-size (65, the double sees nothing),
     an empty one (65), bad arguments and --token (64), no token or an unreadable token file (75);
     SWARM_TOKEN and SWARM_URL work in place of the options.
Prints one line per check and "N passed, M failed"; exit status 1 if anything failed.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "Clients" / "c"
MAILGATE = CLIENT / "build" / "swarm-mailgate"
sys.path.insert(0, str(REPO / "Tests" / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import check, summary  # noqa: E402
from hub_double import HubDouble, error  # noqa: E402
from swarmd import free_port  # noqa: E402

VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect", "-q"]
TOKEN = "mg_0123456789abcdef"

MESSAGE = (b"Return-Path: <alice@users.example>\r\n"
           b"From: Alice <alice@users.example>\r\n"
           b"To: help@it.example\r\n"
           b"Subject: =?UTF-8?Q?Drucker_im_3._Stock_dr=C3=BCckt_nicht?=\r\n"
           b"Message-ID: <m1@users.example>\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n"
           b"\r\n"
           b"Der Drucker dr\xfcckt nicht.\r\n"
           b".\r\n"
           b"From the third floor, with a lone dot above.\n")


def run(arguments, stdin=b"", env=None, valgrind=False, stdin_file=None):
    command = ([*VALGRIND] if valgrind else []) + [str(MAILGATE), *arguments]
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    if stdin_file is not None:
        with open(stdin_file, "rb") as handle:
            result = subprocess.run(command, stdin=handle, env=environment, capture_output=True, timeout=120)
    else:
        result = subprocess.run(command, input=stdin, env=environment, capture_output=True, timeout=120)
    return result.returncode, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")


def expected_headers(double, length):
    return [("Host", f"127.0.0.1:{double.port}"), ("User-Agent", "swarm-mailgate/1"),
            ("Accept", "application/json"), ("Authorization", f"Bearer {TOKEN}"),
            ("Content-Type", "message/rfc822"), ("Content-Length", str(length))]


def exact_request(double, index, body, what):
    """Checks request `index` is exactly what swarm-mailgate must send."""
    if not check(len(double.requests) > index, f"{what}: the double got the request"):
        return
    request = double.requests[index]
    check((request.method, request.path, request.version) == ("POST", "/v1/mail", "HTTP/1.1"),
          f"{what}: POST /v1/mail HTTP/1.1 ({request.method} {request.path} {request.version})")
    check(sorted(request.headers) == sorted(expected_headers(double, len(body))),
          f"{what}: exactly the expected headers ({request.headers})")
    check(request.body == body, f"{what}: the body byte for byte ({len(request.body)} of {len(body)} bytes)")


def main():
    subprocess.run(["make", "-s", "-C", str(CLIENT), "all"], check=True)
    folder = Path(tempfile.mkdtemp(prefix="swarm-mailgate-test-"))
    token_file = folder / "mailgate.token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    double = HubDouble()
    common = ["--url", double.url, "--token-file", str(token_file)]
    try:
        # 1. The exact request, and 202's outcomes.
        double.answer(202, {"outcome": "opened", "ticket": "T-1", "reason": "a new conversation"})
        status, out, err = run(common, MESSAGE, valgrind=True)
        check(status == 0 and out == "opened T-1\n" and err == "",
              f"202 opened: exit 0, 'opened T-1' on stdout, valgrind clean ({status} {out!r} {err!r})")
        exact_request(double, 0, MESSAGE, "from a pipe")

        message_file = folder / "message.eml"
        message_file.write_bytes(MESSAGE)
        double.answer(202, {"outcome": "commented", "ticket": "T-1", "reason": "a reply"})
        status, out, err = run(common, stdin_file=message_file)
        check(status == 0 and out == "commented T-1\n", f"202 commented, message from a file: ({status} {out!r} {err!r})")
        exact_request(double, 1, MESSAGE, "from a file")

        large = b"Subject: large\r\n\r\n" + b"".join(b"%07d " % i + b"x" * 70 + b"\r\n" for i in range(41000))
        status, out, err = run(common, large)
        check(status == 0 and len(large) > 3 * 1024 * 1024, f"a 3 MiB message is delivered ({status} {err!r})")
        exact_request(double, 2, large, "3 MiB from a pipe")

        for outcome, line in (("ignored", "ignored: an auto-reply"), ("rejected", "rejected: unknown sender")):
            double.answer(202, {"outcome": outcome, "reason": line.split(": ", 1)[1]})
            status, out, err = run(common, MESSAGE)
            check(status == 0 and out == line + "\n", f"202 {outcome} is delivered: exit 0 ({status} {out!r} {err!r})")

        # 2. Refusals and failures.
        cases = [
            (413, error("too_large", "the message is over 25 MB"), {}, 65,
             "5.3.4 swarm-mailgate: the message is too large for the hub (413): too_large: the message is over 25 MB"),
            (400, error("invalid_field", "not an RFC 5322 message"), {}, 65,
             "5.6.0 swarm-mailgate: the hub refused the message (400): invalid_field: not an RFC 5322 message"),
            (429, error("rate_limited", "too many messages"), {"Retry-After": "7"}, 75,
             "4.3.2 swarm-mailgate: the hub is busy (429, Retry-After 7): rate_limited: too many messages"),
            (503, error("internal", "the log is not writable"), {"Retry-After": "30"}, 75,
             "4.3.2 swarm-mailgate: the hub is unavailable (503, Retry-After 30): internal: the log is not writable"),
            (500, error("internal", "boom"), {}, 75, "4.3.0 swarm-mailgate: the hub failed (500): internal: boom"),
            (401, error("unauthorized", "unknown or revoked token"), {"WWW-Authenticate": "Bearer"}, 75,
             f"4.7.0 swarm-mailgate: the hub at {double.url} refused the token (401): unauthorized: unknown or "
             "revoked token; the mail waits in the queue until the token is fixed"),
            (403, error("forbidden", "the role agent may not post mail"), {}, 75,
             f"4.7.0 swarm-mailgate: the hub at {double.url} refused the token (403): forbidden: the role agent may "
             "not post mail; the mail waits in the queue until the token is fixed"),
            (404, error("not_found", "no such route"), {}, 75,
             f"4.3.5 swarm-mailgate: {double.url} answered 404: not a hub with POST /v1/mail (check --url, or the "
             "hub's version): not_found: no such route"),
        ]
        for answer, body, headers, expected_status, line in cases:
            before = len(double.requests)
            double.answer(answer, body, headers)
            status, out, err = run(common, MESSAGE)
            check(status == expected_status and err == line + "\n" and out == "",
                  f"{answer}: exit {expected_status} with the reason on stderr ({status} {err!r})")
            check(len(double.requests) == before + 1 and double.requests[-1].body == MESSAGE,
                  f"{answer}: the message was sent once")

        nobody = f"http://127.0.0.1:{free_port()}"
        status, out, err = run(["--url", nobody, "--token-file", str(token_file)], MESSAGE)
        check(status == 75 and err.startswith(f"4.4.1 swarm-mailgate: cannot reach the hub at {nobody}: ")
              and err.count("\n") == 1, f"no listener: exit 75 ({status} {err!r})")

        double.answer(202, {"outcome": "opened", "ticket": "T-9", "reason": "late"}, delay=3)
        status, out, err = run([*common, "--timeout", "500"], MESSAGE)
        check(status == 75 and err.startswith(f"4.4.2 swarm-mailgate: no answer from the hub at {double.url} in time "
                                              "(--timeout): "), f"no answer in time: exit 75 ({status} {err!r})")
        double.answer(202, {"outcome": "opened", "ticket": "T-2", "reason": "new"})

        # 3. Refused before sending.
        before = len(double.requests)
        status, out, err = run([*common, "--max-size", str(len(MESSAGE) - 1)], MESSAGE)
        check(status == 65 and err == f"5.3.4 swarm-mailgate: the message has more than {len(MESSAGE) - 1} bytes, "
              "the limit (--max-size)\n", f"over --max-size from a pipe: exit 65 ({status} {err!r})")
        status, out, err = run([*common, "--max-size", str(len(MESSAGE) - 1)], stdin_file=message_file)
        check(status == 65 and err == f"5.3.4 swarm-mailgate: the message has {len(MESSAGE)} bytes; the limit is "
              f"{len(MESSAGE) - 1} (--max-size)\n", f"over --max-size from a file: exit 65 ({status} {err!r})")
        huge = b"Subject: huge\n\n" + b"y" * (2 * 1024 * 1024)
        status, out, err = run([*common, "--max-size", "1M"], huge)
        check(status == 65 and "more than 1048576 bytes" in err, f"2 MiB over --max-size 1M: exit 65 ({status} {err!r})")
        status, out, err = run([*common, "--max-size", str(len(MESSAGE))], MESSAGE)
        check(status == 0, f"exactly --max-size is delivered ({status} {err!r})")
        status, out, err = run(common, b"")
        check(status == 65 and err == "5.6.0 swarm-mailgate: no message on standard input\n",
              f"empty input: exit 65 ({status} {err!r})")
        check(len(double.requests) == before + 1, "nothing was sent for the refused inputs")

        before = len(double.requests)
        for arguments, reason in (
                (["--token", TOKEN], "--token is not taken (every user sees the command line in ps): use --token-file "
                                     "or SWARM_TOKEN"),
                (["--max-size", "lots"], "--max-size must be 1 byte to 1G (digits, optionally k, M or G)"),
                (["--url", "ws://127.0.0.1:8080/v1/ws"], "the hub URL must start with http:// or https:// (its "
                                                          "base, e.g. http://127.0.0.1:8080), not "
                                                          "'ws://127.0.0.1:8080/v1/ws'"),
                (["help@it.example"], "unexpected argument 'help@it.example': the message comes on standard input "
                                      "(the token: --token-file or SWARM_TOKEN)")):
            status, out, err = run([*common, *arguments], MESSAGE)
            check(status == 64 and err == f"5.3.5 swarm-mailgate: {reason}\n",
                  f"{' '.join(arguments)}: exit 64 ({status} {err!r})")
        status, out, err = run(["--url", double.url], MESSAGE)
        check(status == 75 and err == "4.3.5 swarm-mailgate: no token: give --token-file or SWARM_TOKEN\n",
              f"no token: exit 75, the mail is kept ({status} {err!r})")
        status, out, err = run(["--url", double.url, "--token-file", str(folder / "missing.token")], MESSAGE)
        check(status == 75 and err.startswith("4.3.5 swarm-mailgate: cannot read the token file ")
              and "No such file or directory" in err, f"unreadable token file: exit 75 ({status} {err!r})")
        check(len(double.requests) == before, "nothing was sent for the bad command lines")
        status, out, err = run([], MESSAGE, env={"SWARM_URL": double.url + "/", "SWARM_TOKEN": TOKEN})
        check(status == 0 and out == "opened T-2\n", f"SWARM_URL and SWARM_TOKEN ({status} {out!r} {err!r})")
        exact_request(double, len(double.requests) - 1, MESSAGE, "from the environment")
        status, out, err = run(["--help"])
        check(status == 0 and out.startswith("usage: swarm-mailgate"), f"--help ({status})")
    finally:
        double.stop()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
