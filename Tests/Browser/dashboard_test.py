#!/usr/bin/env python3
"""Real-browser test of the leads' dashboard (Tests/Browser/README.md).

Starts a real swarmd on a fresh database, opens a ticket over REST, signs in to /dashboard in
headless Chromium (Selenium, Debian's chromedriver) with a wrong, an agent's and a lead's token,
resolves the ticket with the real `swarm` client, and checks that the page shows it live over the
`metrics` channel without a reload. Exit status 0 when everything holds, 1 otherwise; on failure the
hub's output, a screenshot and the page source are kept in a temporary folder whose path is printed.

Environment: SWARMD, SWARM (the binaries; default .build/debug/swarmd and .build/debug/swarm, relative
to the repository root), CHROMIUM (default /usr/bin/chromium), CHROMEDRIVER (default
/usr/bin/chromedriver), KEEP_ARTEFACTS=1 (keep the folder after a pass too).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STARTED = time.monotonic()


def log(message):
    print(f"[{time.monotonic() - STARTED:6.2f}s] {message}", flush=True)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_for(description, probe, timeout, interval=0.1, seen=None):
    """Polls probe() until it returns something truthy; returns that, or fails after timeout,
    saying what seen() (or else probe()) last returned."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = probe()
        except Exception as error:  # a stale element, a page still loading: try again
            last = f"{type(error).__name__}: {error}"
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            if seen is not None:
                try:
                    last = seen()
                except Exception as error:
                    last = f"{type(error).__name__}: {error}"
            raise Failure(f"timed out after {timeout:g}s waiting for {description} (last seen: {last!r})")
        time.sleep(interval)


def binary(variable, default):
    path = Path(os.environ.get(variable) or default)
    if not path.is_absolute():
        path = REPO / path
    check(path.is_file() and os.access(path, os.X_OK),
          f"{variable}: no executable at {path} (build first: swift build, or set {variable})")
    return str(path)


def tail(path, lines=40):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError as error:
        return f"(cannot read {path}: {error})"
    return "\n".join(text[-lines:]) or "(empty)"


class Hub:
    """A real swarmd on a fresh database in `folder`, on a free loopback port."""

    def __init__(self, swarmd, folder):
        self.swarmd = swarmd
        self.folder = Path(folder)
        self.db = str(self.folder / "hub.sqlite")
        self.stdout_path = self.folder / "swarmd.stdout"
        self.stderr_path = self.folder / "swarmd.stderr"
        self.process = None
        self.port = None

    def create_token(self, name, role):
        # `swarmd token create --db FILE --init --name NAME --role ROLE` (before the first start, so the
        # first token creates the file): the token is alone on the last line.
        result = subprocess.run(
            [self.swarmd, "token", "create", "--db", self.db, "--init", "--name", name, "--role", role],
            cwd=REPO, capture_output=True, text=True, timeout=60)
        check(result.returncode == 0,
              f"swarmd token create --name {name} --role {role} exited with {result.returncode}:\n"
              f"{result.stdout}{result.stderr}")
        lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        check(lines, f"swarmd token create printed no token for {name}")
        return lines[-1]

    def start(self, *options):
        # `swarmd serve --db FILE --host 127.0.0.1 --port 0 [OPTIONS]`: prints 'listening on ws://HOST:PORT/v1/ws'.
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [self.swarmd, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", "0", *options],
                cwd=REPO, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        pattern = re.compile(r"listening on ws://127\.0\.0\.1:(\d+)/v1/ws")

        def listening():
            code = self.process.poll()
            if code is not None:
                raise Failure(f"swarmd serve exited with {code} before listening")
            match = pattern.search(self.stdout_path.read_text(errors="replace"))
            return match and int(match.group(1))

        self.port = wait_for("swarmd to print 'listening on'", listening, timeout=60)

        def healthy():
            with urllib.request.urlopen(f"{self.base}/health", timeout=2) as response:
                return response.status == 200 and json.load(response).get("status") == "ok"

        wait_for("GET /health to answer 200 ok", healthy, timeout=30)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def request(self, method, path, token, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            raise Failure(f"{method} {path} answered {error.code}: {error.read().decode(errors='replace')}")


def start_browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise Failure("the Python package 'selenium' is missing (scripts/bootstrap-test installs it)")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    chromedriver = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    for path, package in ((chromium, "chromium"), (chromedriver, "chromium-driver")):
        check(os.access(path, os.X_OK), f"no {path}: install the Debian package {package} (scripts/bootstrap-test does)")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1366,768", "--no-first-run", "--disable-extensions", "--lang=en-GB"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
    return webdriver.Chrome(service=Service(chromedriver), options=options)


class Page:
    def __init__(self, driver):
        from selenium.webdriver.common.by import By
        self.driver = driver
        self.By = By

    def one(self, css):
        found = self.driver.find_elements(self.By.CSS_SELECTOR, css)
        return found[0] if found else None

    @staticmethod
    def settled(action, tries=5):
        """Runs action() again when the page replaced an element it found (the dashboard re-renders
        its panels on every update: an element found a moment ago can be gone when it is read)."""
        from selenium.common.exceptions import StaleElementReferenceException
        for attempt in range(tries):
            try:
                return action()
            except StaleElementReferenceException:
                if attempt == tries - 1:
                    raise
                time.sleep(0.05)

    def text(self, css):
        def read():
            element = self.one(css)
            return element.text.strip() if element is not None else None
        return self.settled(read)

    def metric(self, name):
        return self.text(f'[data-metric="{name}"]')

    def status(self):
        def read():
            element = self.one("#status")
            return (element.get_attribute("data-state"), element.text.strip()) if element is not None else (None, None)
        return self.settled(read)

    def state(self):
        """What a failed wait reports: the status, the error and the swarm column."""
        return {"status": self.status(), "error": self.text("#error"),
                **{name: self.metric(name) for name in ("swarm.opened", "swarm.resolved")}}

    def sign_in(self, token):
        def submit():
            field = self.one("#login #token")
            check(field is not None and field.is_displayed(), "the login form (#login with #token) is not shown")
            check(field.get_attribute("type") == "password", "the token field is not a password field")
            field.clear()
            field.send_keys(token)
            self.one('#login button[type="submit"]').click()
        self.settled(submit)


def run_swarm(swarm, hub, token, folder, *arguments):
    # The real client, with the hub and token from SWARM_SERVER and SWARM_TOKEN (docs/swarm.md,
    # ENVIRONMENT), and a private XDG_CONFIG_HOME so no profile of the machine is read or written.
    environment = {k: v for k, v in os.environ.items() if k != "SWARM_PROFILE"}
    environment.update(SWARM_SERVER=hub.base, SWARM_TOKEN=token, NO_COLOR="1",
                       XDG_CONFIG_HOME=str(Path(folder) / "xdg"))
    result = subprocess.run([swarm, *arguments], cwd=REPO, env=environment, capture_output=True,
                            text=True, timeout=60)
    check(result.returncode == 0,
          f"swarm {' '.join(arguments)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    log(f"swarm {' '.join(arguments)}: {result.stdout.strip()}")


def scenario(hub, driver, swarm, folder, timings):
    page = Page(driver)
    lead = hub.create_token("lena", "lead")
    agent = hub.create_token("dana", "agent")
    requester = hub.create_token("rita", "requester")
    log("tokens created: lena (lead), dana (agent), rita (requester)")

    moment = time.monotonic()
    hub.start()
    timings["hub ready"] = time.monotonic() - moment
    log(f"swarmd listening on {hub.base}")

    status, body = hub.request("POST", "/v1/tickets", requester, {
        "title": "Printer on fire", "description": "3rd floor", "category": "hardware",
        "urgency": "high", "impact": "medium"})
    check(status == 201, f"POST /v1/tickets answered {status}, expected 201")
    ticket = body["ticket"]["id"]
    log(f"rita opened {ticket} over REST")

    for path, kind in (("/dashboard", "text/html"), ("/dashboard/dashboard.js", "javascript"),
                       ("/dashboard/dashboard.css", "text/css")):
        try:
            with urllib.request.urlopen(f"{hub.base}{path}", timeout=10) as response:
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            raise Failure(f"GET {path} answered {error.code}: the hub does not serve the dashboard")
        check(kind in content_type, f"GET {path} has Content-Type {content_type!r}, expected {kind}")

    moment = time.monotonic()
    driver.get(f"{hub.base}/dashboard")
    wait_for("the login form", lambda: page.one("#login #token") is not None and page.one("#token").is_displayed(), 15)
    timings["page load"] = time.monotonic() - moment
    check(page.one("#status") is not None, "no #status line")
    check(page.one("#status").get_attribute("aria-live"), "#status has no aria-live")

    page.sign_in("swm_" + "x" * 43)
    wait_for('#error to say "Unknown or revoked token"',
             lambda: "unknown or revoked" in (page.text("#error") or "").lower(), 15, seen=page.state)
    check(page.one("#login").is_displayed(), "the login form is hidden after a wrong token")
    check(page.status()[0] != "live", "the status says live after a wrong token")
    log(f"wrong token refused: {page.text('#error')!r}")

    page.sign_in(agent)
    wait_for('#error to say "Leads only"', lambda: "leads only" in (page.text("#error") or "").lower(), 15,
             seen=page.state)
    check(page.metric("swarm.opened") is None, "an agent's token shows metrics")
    log(f"agent token refused: {page.text('#error')!r}")

    moment = time.monotonic()
    page.sign_in(lead)
    wait_for("#status to become live", lambda: page.status()[0] == "live" and "live" in page.status()[1].lower(), 15,
             seen=page.state)
    wait_for("swarm.opened to show 1", lambda: page.metric("swarm.opened") == "1", 15, seen=page.state)
    timings["sign-in to live"] = time.monotonic() - moment
    check(page.metric("swarm.resolved") == "0", f"swarm.resolved shows {page.metric('swarm.resolved')!r}, expected 0")
    check(page.metric("tiered.opened") == "0", f"tiered.opened shows {page.metric('tiered.opened')!r}, expected 0")
    check((page.text("#error") or "") == "", f"an error is shown for the lead: {page.text('#error')!r}")
    check(not page.one("#login").is_displayed(), "the login form is still shown for the lead")
    log(f"lead signed in; status line {page.text('.status-line')!r}")
    check_page_is_clean(driver, "after the lead signed in")

    driver.execute_script("window.__dashboardTestMarker = 'not reloaded';")
    moment = time.monotonic()
    run_swarm(swarm, hub, agent, folder, "status", ticket, "in_progress")
    run_swarm(swarm, hub, agent, folder, "resolve", ticket, "Toner cartridge replaced; fire out")
    resolved_at = time.monotonic()
    timings["resolve via swarm"] = resolved_at - moment

    wait_for("swarm.resolved to show 1 (live, without a reload)", lambda: page.metric("swarm.resolved") == "1", 15,
             seen=page.state)
    timings["live update"] = time.monotonic() - resolved_at
    check(driver.execute_script("return window.__dashboardTestMarker;") == "not reloaded",
          "the page was reloaded: the update did not come over the WebSocket")
    check(page.status()[0] == "live", f"status is {page.status()} after the update, expected live")
    median = page.metric("swarm.resolve.median")
    check(median and median != "—", f"swarm.resolve.median shows {median!r} after a resolve")

    bars = driver.find_elements(page.By.CSS_SELECTOR, '[data-chart="resolve"] rect[data-mode="swarm"][data-count]')
    counts = [int(float(bar.get_attribute("data-count"))) for bar in bars]
    check(any(count > 0 for count in counts),
          f"the time-to-resolve chart has no non-zero swarm bar (data-count values: {counts})")
    log(f"live update seen: swarm.resolved 1, resolve median {median}, resolve bars {counts}")
    check_page_is_clean(driver, "after the live update")


def check_page_is_clean(driver, when):
    body = driver.find_element("css selector", "body").text
    for bad in ("NaN", "undefined", "[object Object]"):
        check(bad not in body, f"the page shows {bad!r} {when}")
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    check(overflow <= 0, f"the page scrolls horizontally by {overflow}px at 1366x768 {when}")
    errors = [entry for entry in driver.get_log("browser")
              if entry.get("level") == "SEVERE" and entry.get("source") == "javascript"]
    check(not errors, f"JavaScript errors {when}: {errors}")


def save_artefacts(driver, folder):
    if driver is None:
        return
    try:
        driver.save_screenshot(str(Path(folder) / "failure.png"))
        Path(folder, "page.html").write_text(driver.page_source)
        Path(folder, "console.log").write_text(
            "\n".join(json.dumps(entry) for entry in driver.get_log("browser")))
    except Exception as error:
        print(f"(could not save the browser artefacts: {error})", file=sys.stderr)


def main():
    folder = tempfile.mkdtemp(prefix="swarm-dashboard-test-")
    timings = {}
    hub = driver = None
    passed = False
    try:
        swarmd = binary("SWARMD", ".build/debug/swarmd")
        swarm = binary("SWARM", ".build/debug/swarm")
        hub = Hub(swarmd, folder)
        moment = time.monotonic()
        driver = start_browser()
        timings["browser start"] = time.monotonic() - moment
        scenario(hub, driver, swarm, folder, timings)
        passed = True
    except Exception as error:
        kind = "" if isinstance(error, Failure) else f"{type(error).__name__}: "
        print(f"\nFAIL: {kind}{error}", file=sys.stderr)
        save_artefacts(driver, folder)
        if hub is not None:
            print(f"\n--- swarmd stdout (tail) ---\n{tail(hub.stdout_path)}", file=sys.stderr)
            print(f"--- swarmd stderr (tail) ---\n{tail(hub.stderr_path)}", file=sys.stderr)
        print(f"\nartefacts (hub output, database, failure.png, page.html, console.log): {folder}", file=sys.stderr)
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        if hub is not None:
            hub.stop()
    total = time.monotonic() - STARTED
    parts = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in timings.items())
    if passed:
        print(f"dashboard_test: PASS in {total:.1f}s ({parts})")
        if os.environ.get("KEEP_ARTEFACTS") == "1":
            print(f"artefacts kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
    print(f"dashboard_test: FAIL after {total:.1f}s ({parts})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
