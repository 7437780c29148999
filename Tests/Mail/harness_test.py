#!/usr/bin/env python3
"""The mail harness's self-test (scripts/lib/mail.sh, docs/mail.md): real Postfix, Dovecot and fetchmail on
loopback, with swarm-mailgate posting to HubDouble, a test double for the hub's `POST /v1/mail` (the hub
side comes with issue 26).

Starts the harness in a temporary folder and checks:
  1. SMTP to help@it.example: Postfix's pipe runs swarm-mailgate, and the double gets the message
     unchanged apart from the headers Postfix adds on top (Return-Path, Received), in exactly
     swarm-mailgate's request; Postfix logs it sent, with the hub's verdict;
  2. a message put into the Dovecot mailbox (IMAP APPEND): fetchmail, run once, hands it to
     swarm-mailgate, the double gets it unchanged apart from fetchmail's Received header, and the
     mailbox is empty after; while the double answers 503, fetchmail leaves the message on the server;
  3. SMTP to someone@elsewhere.example lands in the catch-all Maildir (where the hub's outgoing mail
     will be read), unchanged apart from Postfix's headers;
  4. the double answers 503: Postfix defers the message (it stays in the queue, postqueue -j, with the
     reason swarm-mailgate gave); the double answers 202, the queue is flushed: delivered once more,
     the queue is empty;
  5. the double answers 413: Postfix bounces with swarm-mailgate's status 5.3.4 and reason, and the
     bounce reaches the sender (in the catch-all).
Everything is stopped and the folder removed however the test ends.
Prints one line per check and "N passed, M failed"; exit status 1 if anything failed.
"""

import email
import imaplib
import json
import re
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "Clients" / "c"
MAIL_SH = REPO / "scripts" / "lib" / "mail.sh"
sys.path.insert(0, str(REPO / "Tests" / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import check, summary  # noqa: E402
from hub_double import HubDouble, error  # noqa: E402

TOKEN = "mg_harness_0123456789"


def message(sender, recipient, subject, body):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = recipient
    m["Subject"] = subject
    m["Message-ID"] = f"<{abs(hash(subject))}@users.example>"
    m["Date"] = "Mon, 07 Dec 2026 10:00:00 +0000"
    m.set_content(body)
    return m.as_bytes(policy=m.policy.clone(linesep="\r\n"))


def added_headers(received, original):
    """The header lines `received` has on top of `original` (LF line ends, as MTAs hand it on), or None
    if the rest is not exactly the original."""
    original = original.replace(b"\r\n", b"\n")
    if not received.endswith(original):
        return None
    return received[:len(received) - len(original)].decode(errors="replace")


def header_names(block):
    return [line.split(":", 1)[0] for line in block.splitlines() if line and not line[0].isspace()]


def wait(condition, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def smtp_send(port, sender, recipient, data):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail(sender, [recipient], data)


def queue(folder):
    out = subprocess.run([str(MAIL_SH), "queue", str(folder)], capture_output=True, text=True, timeout=60).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def maildir_messages(path):
    new = Path(path) / "new"
    return [file.read_bytes() for file in sorted(new.iterdir())] if new.is_dir() else []


def main():
    subprocess.run(["make", "-s", "-C", str(CLIENT), "all"], check=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` stops the servers
    work = Path(tempfile.mkdtemp(prefix="swarm-mail-harness-test-"))
    work.chmod(0o755)  # Postfix's daemons and the pipe's user reach into it
    folder = work / "mail"
    token_file = work / "mailgate.token"
    token_file.write_text(TOKEN + "\n")
    double = HubDouble()
    try:
        started = subprocess.run([str(MAIL_SH), "init", str(folder), double.url, str(token_file)],
                                 capture_output=True, text=True, timeout=120)
        if not check(started.returncode == 0, f"the harness starts ({started.stderr.strip()})"):
            return summary()
        env = dict(line.split("=", 1) for line in (folder / "env").read_text().splitlines())
        smtp_port, imap_port = int(env["SWARM_TEST_SMTP_PORT"]), int(env["SWARM_TEST_IMAP_PORT"])
        catchall = env["SWARM_TEST_MAIL_CATCHALL"]
        check(env["SWARM_TEST_SMTP_URL"] == f"smtp://127.0.0.1:{smtp_port}", f"env: {env['SWARM_TEST_SMTP_URL']}")
        log = folder / "postfix" / "postfix.log"

        # 1. SMTP → Postfix's pipe → swarm-mailgate → the double.
        double.answer(202, {"outcome": "opened", "ticket": "T-1", "reason": "a new conversation"})
        first = message("alice@users.example", "help@it.example", "Printer on 3rd floor",
                        "The printer on the third floor prints nothing.\n.\nA lone dot above.\n")
        smtp_send(smtp_port, "alice@users.example", "help@it.example", first)
        if check(double.wait_for(1, 60), "SMTP to help@it.example reaches the double"):
            request = double.requests[0]
            check((request.method, request.path) == ("POST", "/v1/mail"), f"{request.method} {request.path}")
            check(dict(request.headers).get("Authorization") == f"Bearer {TOKEN}"
                  and dict(request.headers).get("Content-Type") == "message/rfc822",
                  f"with the token and message/rfc822 ({request.headers})")
            added = added_headers(request.body, first)
            check(added is not None and header_names(added) == ["Return-Path", "Received"]
                  and "<alice@users.example>" in added.splitlines()[0],
                  f"unchanged apart from Postfix's Return-Path and Received on top: {added!r}")
        sent = wait(lambda: re.search(r"to=<help@it\.example>.*relay=mailgate.*status=sent \((.*)\)",
                                      log.read_text(errors="replace")))
        check(sent and "opened T-1" in sent.group(1), f"Postfix logs it sent, with the hub's verdict: "
              f"{sent.group(0) if sent else log.read_text()[-2000:]}")

        # 2. IMAP APPEND → fetchmail → swarm-mailgate → the double.
        hosted = message("bob@users.example", "helpdesk@hosted.example", "VPN drops every hour",
                         "Since Monday the VPN drops every hour.\n")
        imap = imaplib.IMAP4("127.0.0.1", imap_port)
        imap.login(env["SWARM_TEST_IMAP_USER"], env["SWARM_TEST_IMAP_PASSWORD"])
        check(imap.append("INBOX", None, None, hosted)[0] == "OK", "IMAP APPEND to the hosted mailbox")
        double.answer(503, error("internal", "starting"), {"Retry-After": "5"})
        kept = subprocess.run([str(MAIL_SH), "fetch", str(folder)], capture_output=True, text=True, timeout=120)
        imap.select("INBOX")
        check(len(imap.search(None, "ALL")[1][0].split()) == 1 and double.wait_for(2, 10),
              f"the double answers 503: fetchmail leaves the message on the server (exit {kept.returncode}: "
              f"{(kept.stdout + kept.stderr).strip()[-300:]!r})")
        imap.close()
        double.answer(202, {"outcome": "opened", "ticket": "T-2", "reason": "a new conversation"})
        fetched = subprocess.run([str(MAIL_SH), "fetch", str(folder)], capture_output=True, text=True, timeout=120)
        check(fetched.returncode == 0, f"fetchmail runs once: exit 0 ({(fetched.stdout + fetched.stderr).strip()!r})")
        if check(len(double.requests) == 3, f"fetchmail's mda reaches the double ({len(double.requests)} requests)"):
            added = added_headers(double.requests[2].body, hosted)
            check(added is not None and header_names(added) == ["Received"] and "fetchmail" in added,
                  f"unchanged apart from fetchmail's Received on top: {added!r}")
        imap.select("INBOX")
        check(imap.search(None, "ALL")[1] == [b""], "the hosted mailbox is empty after delivery")
        imap.logout()

        # 3. Other domains: the catch-all Maildir.
        out = message("hub@it.example", "someone@elsewhere.example", "Re: [T-1] Printer", "We are on it.\n")
        smtp_send(smtp_port, "hub@it.example", "someone@elsewhere.example", out)
        landed = wait(lambda: maildir_messages(catchall))
        check(len(landed) == 1, f"mail to someone@elsewhere.example lands in the catch-all Maildir ({len(landed)})")
        if landed:
            added = added_headers(landed[0], out)
            check(added is not None and header_names(added) == ["Return-Path", "X-Original-To", "Delivered-To", "Received"],
                  f"unchanged apart from Postfix's headers: {added!r}")
        check(len(double.requests) == 3, "and it does not reach the hub")

        # 4. 503: deferred, kept in the queue; 202 and a flush: delivered.
        double.answer(503, error("internal", "the log is not writable"), {"Retry-After": "30"})
        deferred = message("carol@users.example", "help@it.example", "Laptop will not boot", "Black screen.\n")
        smtp_send(smtp_port, "carol@users.example", "help@it.example", deferred)
        check(double.wait_for(4, 60), "the deferred message was offered to the double")
        held = wait(lambda: [q for q in queue(folder) if q.get("queue_name") == "deferred"])
        reason = held[0]["recipients"][0].get("delay_reason", "") if held else ""
        check(len(held) == 1 and held[0]["recipients"][0]["address"] == "help@it.example"
              and reason.startswith("swarm-mailgate: the hub is unavailable (503, Retry-After 30)"),
              f"503: Postfix keeps it in the deferred queue, with swarm-mailgate's reason ({held})")
        check(re.search(r"to=<help@it\.example>.*relay=mailgate.*dsn=4\.3\.2, status=deferred",
                        log.read_text(errors="replace")), "and logs it deferred with swarm-mailgate's status 4.3.2")
        double.answer(202, {"outcome": "opened", "ticket": "T-3", "reason": "a new conversation"})
        subprocess.run([str(MAIL_SH), "flush", str(folder)], check=True, timeout=60)
        check(double.wait_for(5, 60), "after a flush it is offered again")
        wait(lambda: queue(folder) == [])
        check(queue(folder) == [], f"202: the queue is empty ({queue(folder)})")
        if len(double.requests) >= 5:
            check(double.requests[4].body == double.requests[3].body and double.requests[4].body.endswith(
                deferred.replace(b"\r\n", b"\n")), "the same bytes both times")

        # 5. 413: bounced with swarm-mailgate's status and reason; the bounce reaches the sender.
        double.answer(413, error("too_large", "the message is over 25 MB"))
        big = message("dave@elsewhere.example", "help@it.example", "Huge attachment", "See attached.\n")
        smtp_send(smtp_port, "dave@elsewhere.example", "help@it.example", big)
        bounced = wait(lambda: re.search(r"to=<help@it\.example>.*dsn=5\.3\.4, status=bounced \((.*)\)",
                                         log.read_text(errors="replace")))
        check(bounced and "the message is too large for the hub (413)" in bounced.group(1),
              f"413: Postfix bounces with 5.3.4 and the reason: {bounced.group(0) if bounced else None}")
        bounce = wait(lambda: [m for m in maildir_messages(catchall) if b"dave@elsewhere.example" in m
                               and b"MAILER-DAEMON" in m])
        if check(bool(bounce), "the bounce reaches the sender (catch-all)"):
            text = email.message_from_bytes(bounce[0]).as_string()
            check("too_large: the message is over 25 MB" in text, "the bounce tells the hub's reason")
        check(queue(folder) == [], "nothing is left in the queue")
    finally:
        double.stop()
        subprocess.run([str(MAIL_SH), "destroy", str(folder)], timeout=120)
        token_file.unlink()
        work.rmdir()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
