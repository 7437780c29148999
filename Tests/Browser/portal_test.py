#!/usr/bin/env python3
"""Real-browser test of the requesters' portal (Tests/Browser/README.md, docs/portal.md).

Starts a real swarmd on a fresh database, creates requester tokens in bulk from a CSV (the real
`swarmd token create --csv`), writes two articles over REST, and drives /portal in headless
Chromium (Selenium, Debian's chromedriver) started in German: a wrong token is explained; the
requester signs in, switches to English, searches the knowledge base and reads an article, opens a
ticket in plain words with an article suggested while typing and the mapping's reasons shown,
follows it live while an agent (the real `swarm` client) writes an internal note and a public
reply, replies, reopens and confirms; then resolves a second ticket with a suggested article (a
deflection). The internal note must never appear: not in the page, not in its source, not in any
WebSocket frame the page received (the page keeps them in window.swarmPortal.frames). The page is
checked at 1366 and 360 pixels wide. Exit status 0 when everything holds, 1 otherwise; artefacts
as for the dashboard test. SCREENSHOTS=DIR saves the screenshots docs/portal.md shows into DIR.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_test import (REPO, Failure, Hub, Page, binary, check, log, run_swarm, save_artefacts,  # noqa: E402
                            tail, wait_for)

STARTED = time.monotonic()
SECRET = "SECRET-NOTE"


def start_browser(language):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    chromedriver = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    for path, package in ((chromium, "chromium"), (chromedriver, "chromium-driver")):
        check(os.access(path, os.X_OK), f"no {path}: install the Debian package {package} (scripts/bootstrap-test does)")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1366,768", "--no-first-run", "--disable-extensions", f"--lang={language}"):
        options.add_argument(argument)
    # The browser's language as a page sees it (navigator.languages) comes from this preference.
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def bulk_tokens(hub, folder):
    csv = Path(folder) / "people.csv"
    csv.write_text("name,email\nrita,rita@example.com\nsam,sam@example.com\n")
    result = subprocess.run([hub.swarmd, "token", "create", "--db", hub.db, "--role", "requester", "--csv", str(csv)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, f"swarmd token create --csv exited {result.returncode}: {result.stderr}")
    lines = result.stdout.splitlines()
    check(lines[0] == "name,token", f"bulk output starts with {lines[0]!r}")
    return dict(line.split(",", 1) for line in lines[1:])


class Portal(Page):
    def visible(self, css):
        element = self.one(css)
        return element is not None and element.is_displayed()

    def state(self):
        return {"status": self.status(), "error": self.text("#error"), "view": [
            name for name in ("login-view", "view-help", "view-article", "view-open", "view-tickets", "view-ticket")
            if self.visible(f"#{name}")]}

    def frames(self):
        return self.driver.execute_script("return (window.swarmPortal && window.swarmPortal.frames) || [];")

    def choose(self, group, value):
        self.one(f'label[for="{group}-{value}"]').click()

    def replies(self):
        return [item.text for item in self.driver.find_elements(self.By.CSS_SELECTOR, "#replies li:not(.earlier)")]


def no_secret(page, when):
    body = page.one("body").text
    check(SECRET not in body, f"the page shows the internal note {when}")
    check(SECRET not in page.driver.page_source, f"the page source holds the internal note {when}")
    frames = page.frames()
    leaked = [frame for frame in frames if SECRET in frame]
    check(not leaked, f"the page received the internal note in a WebSocket frame {when}: {leaked[:1]}")
    return len(frames)


def clean(page, width, when):
    body = page.one("body").text
    for bad in ("NaN", "undefined", "[object Object]"):
        check(bad not in body, f"the page shows {bad!r} {when}")
    overflow = page.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    check(overflow <= 0, f"the page scrolls horizontally by {overflow}px at {width}px {when}")
    errors = [entry for entry in page.driver.get_log("browser")
              if entry.get("level") == "SEVERE" and entry.get("source") == "javascript"]
    check(not errors, f"JavaScript errors {when}: {errors}")


def screenshot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # The whole page, not just the viewport: the window grows to the page's height for the shot.
        driver = page.driver
        size = driver.get_window_size()
        height = driver.execute_script("return document.documentElement.scrollHeight;")
        driver.set_window_size(size["width"], min(2400, max(size["height"], height + 20)))
        time.sleep(0.2)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
        driver.set_window_size(size["width"], size["height"])
        time.sleep(0.1)


def scenario(hub, driver, swarm, folder, timings):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    page = Portal(driver)
    agent = hub.create_token("dana", "agent")
    people = bulk_tokens(hub, folder)
    check(set(people) == {"rita", "sam"}, f"bulk tokens for {sorted(people)}")
    rita = people["rita"]
    hub.start()
    log(f"swarmd listening on {hub.base}; requester tokens for {sorted(people)} made in bulk")
    for title, body in (("Reset the VPN profile", "When the VPN drops every few minutes, open the VPN app, "
                         "choose Reset profile and sign in again."),
                        ("Printer jams paper", "Open tray 2, take out the jammed paper, close the tray.")):
        status, _ = hub.request("POST", "/v1/kb", agent, {"title": title, "body": body})
        check(status == 201, f"POST /v1/kb answered {status}")

    for path, kind in (("/portal", "text/html"), ("/portal/portal.js", "javascript"), ("/portal/portal.css", "text/css")):
        with urllib.request.urlopen(f"{hub.base}{path}", timeout=10) as response:
            check(kind in response.headers.get("Content-Type", ""), f"GET {path} is not {kind}")

    # German first: the browser's language.
    moment = time.monotonic()
    driver.get(f"{hub.base}/portal")
    wait_for("the login form", lambda: page.visible("#login #token"), 15, seen=page.state)
    timings["page load"] = time.monotonic() - moment
    check(driver.execute_script("return document.documentElement.lang") == "de", "the page is not in German")
    check(page.text("#login-title") == "Anmelden", f"the sign-in title is {page.text('#login-title')!r}")
    screenshot(page, "portal-sign-in-de")

    page.sign_in("swm_" + "x" * 43)
    wait_for("the wrong token to be explained in German",
             lambda: "unbekannt oder wurde widerrufen" in (page.text("#error") or ""), 15, seen=page.state)
    check(page.visible("#login"), "the login form is hidden after a wrong token")
    page.one("#login details summary").click()
    check("IT-Team" in (page.text("#login details") or ""), "no help for a token that does not work")
    log(f"wrong token explained: {page.text('#error')!r}")

    page.sign_in(agent)
    wait_for("an agent's token to be turned away", lambda: "Portal ist für" in (page.text("#error") or ""), 15,
             seen=page.state)

    moment = time.monotonic()
    page.sign_in(rita)
    wait_for("the portal to be live", lambda: page.status()[0] == "live", 15, seen=page.state)
    timings["sign-in to live"] = time.monotonic() - moment
    check(page.status()[1] == "Verbunden", f"status {page.status()}")
    check(page.text("#help-title") == "Selbst eine Antwort finden", f"help title {page.text('#help-title')!r}")
    screenshot(page, "portal-search-de")

    # A reload keeps her signed in (the token is in the tab's sessionStorage), and puts the keyboard
    # at the top of the page: Tab reaches the skip link, the language switch, then the search field.
    driver.refresh()
    wait_for("the portal to be live again after a reload", lambda: page.status()[0] == "live", 15, seen=page.state)
    reached = []
    for _ in range(20):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.append(driver.execute_script("return document.activeElement.id || document.activeElement.tagName;"))
        if reached[-1] == "search":
            break
    check(reached[0] == "A" and "lang" in reached and reached[-1] == "search", f"Tab order from the top: {reached}")

    # Switch to English with the keyboard-usable select.
    Select(page.one("#lang")).select_by_value("en")
    wait_for("English texts", lambda: page.text("#help-title") == "Find an answer yourself", 5, seen=page.state)
    check(driver.execute_script("return document.documentElement.lang") == "en", "lang is not en after switching")
    check(page.status()[1] == "Connected", f"status {page.status()} in English")

    # Search as you type; read an article.
    page.one("#search").send_keys("vpn drops")
    wait_for("a search result", lambda: "Reset the VPN profile" in (page.text("#results") or ""), 10, seen=page.state)
    screenshot(page, "portal-search-en")
    result_lang = page.settled(lambda: page.one('#results button[data-article="KB-1"] span').get_attribute("lang"))
    check(result_lang == "en", f"the search result's title is marked {result_lang!r}, not with its article's language")
    page.one('#results button[data-article="KB-1"]').send_keys(Keys.ENTER)
    wait_for("the article", lambda: page.visible("#view-article") and "Reset profile" in (page.text("#article-body") or ""),
             10, seen=page.state)
    screenshot(page, "portal-article-en")
    # The article's language (detected by the hub: English) marks the article, whatever the page's.
    for selector in ("#article-title", "#article-body"):
        marked = page.one(selector).get_attribute("lang")
        check(marked == "en", f"{selector} is marked lang={marked!r}, not the article's language")
    page.one("#not-solved").click()
    wait_for("the ticket form", lambda: page.visible("#view-open"), 5, seen=page.state)
    check(page.one("#what").get_attribute("value") == "vpn drops", "the search words are not carried into the form")

    # Open a ticket in plain words, with a suggestion shown while typing.
    page.one("#what").clear()
    page.one("#what").send_keys("The VPN drops every few minutes")
    wait_for("an article suggested while typing", lambda: page.visible("#suggestions")
             and "Reset the VPN profile" in (page.text("#suggestion-list") or ""), 10, seen=page.state)
    page.one("#details").send_keys("Since the update on Monday.")
    page.choose("about", "network")
    page.choose("since", "days")
    page.choose("affected", "medium")
    page.choose("urgency", "high")
    mapping = page.text("#mapping") or ""
    for expected in ("Category: network", "Urgency: high — because “I cannot work at all”",
                     "Impact: medium — because “My team or several people” is affected", "priority is P2"):
        check(expected in mapping, f"the mapping does not say {expected!r}: {mapping!r}")
    screenshot(page, "portal-open-en")
    page.one("#open-submit").click()
    wait_for("the new ticket", lambda: page.visible("#view-ticket") and "T-1" in (page.text("#ticket-title") or ""),
             15, seen=page.state)
    status, detail = hub.request("GET", "/v1/tickets/T-1", agent)
    ticket = detail["ticket"]
    check((ticket["category"], ticket["urgency"], ticket["impact"], ticket["priority"]) ==
          ("network", "high", "medium", "P2"), f"the ticket was opened as {ticket}")
    check(ticket["description"].startswith("Since: For a few days"), f"description {ticket['description']!r}")
    log("T-1 opened from the form: network, high × medium = P2")
    # She sees what she wrote, as the hub keeps it (line breaks included), under its own heading.
    wait_for("her description", lambda: page.visible("#ticket-description"), 10, seen=page.state)
    shown = page.one("#ticket-description").get_attribute("textContent")
    check(shown == ticket["description"], f"the description shown is {shown!r}, not {ticket['description']!r}")
    check(page.text("#ticket-description-box h3") == "Your description", "the description has no heading")

    # The swarm talks: an internal note, then a public reply, live.
    run_swarm(swarm, hub, agent, folder, "join", "T-1")
    run_swarm(swarm, hub, agent, folder, "comment", "T-1", f"{SECRET}: she keeps breaking the VPN config, do not tell her")
    run_swarm(swarm, hub, agent, folder, "help-request", "T-1", "network.vpn", "--note", f"{SECRET} help")
    run_swarm(swarm, hub, agent, folder, "comment", "--public", "T-1", "We are looking at your VPN now.")
    moment = time.monotonic()
    wait_for("the public reply, live", lambda: any("We are looking at your VPN now." in r for r in page.replies()), 15,
             seen=page.state)
    timings["public reply live"] = time.monotonic() - moment
    check(len(page.replies()) == 1, f"replies shown: {page.replies()}")
    received = no_secret(page, "after the internal note and the public reply")
    check(any("We are looking at your VPN now." in frame for frame in page.frames()),
          "the public reply is not among the frames the page received")
    log(f"public reply shown live; {received} frames received, none with the internal note")

    page.one("#reply").send_keys("It dropped again just now.")
    page.one("#reply-submit").click()
    wait_for("her reply", lambda: any("It dropped again just now." in r for r in page.replies()), 10, seen=page.state)
    screenshot(page, "portal-ticket-en")

    run_swarm(swarm, hub, agent, folder, "resolve", "T-1", "MTU set to 1400")
    wait_for("the resolved status", lambda: page.visible("#confirm"), 10, seen=page.state)
    check("MTU set to 1400" in (page.text("#ticket-resolution") or ""), "the resolution is not shown")
    page.one("#reopen").click()
    wait_for("the reopened status", lambda: page.one("#ticket-status").get_attribute("data-status") == "open", 10,
             seen=page.state)
    run_swarm(swarm, hub, agent, folder, "resolve", "T-1", "MTU set to 1400, profile reset")
    wait_for("resolved again", lambda: page.visible("#confirm"), 10, seen=page.state)
    page.one("#confirm").click()
    wait_for("closed", lambda: page.one("#ticket-status").get_attribute("data-status") == "closed", 10, seen=page.state)
    log("reopened, resolved again, confirmed: closed")

    # A deflection: a second ticket, resolved with the article suggested on it.
    page.one("#tab-open").click()
    page.one("#what").send_keys("Printer jams paper on the 3rd floor")
    for group, value in (("about", "hardware"), ("since", "today"), ("affected", "low"), ("urgency", "low")):
        page.choose(group, value)
    page.one("#open-submit").click()
    wait_for("T-2 with a suggested article", lambda: "T-2" in (page.text("#ticket-title") or "")
             and page.visible('#ticket-suggested button[data-article="KB-2"]'), 15, seen=page.state)
    page.one('#ticket-suggested button[data-article="KB-2"]').click()
    wait_for("the suggested article", lambda: page.visible("#solved"), 10, seen=page.state)
    page.one("#solved").click()
    wait_for("the deflection", lambda: "marked as solved" in (page.text("#article-note") or ""), 10, seen=page.state)
    _, detail = hub.request("GET", "/v1/tickets/T-2", agent)
    check(detail["ticket"]["deflected"] is True and detail["ticket"]["status"] == "resolved",
          f"T-2 is {detail['ticket']['status']}, deflected {detail['ticket']['deflected']}")
    log("T-2 resolved by its requester with KB-2: a deflection")

    page.one("#tab-tickets").click()
    wait_for("two tickets listed", lambda: len(driver.find_elements(page.By.CSS_SELECTOR, "#ticket-list li")) == 2, 10,
             seen=page.state)
    clean(page, 1366, "at 1366 px")
    screenshot(page, "portal-tickets-en")

    # German again, and the narrow screen.
    Select(page.one("#lang")).select_by_value("de")
    wait_for("German ticket list", lambda: page.text("#tickets-title") == "Meine Tickets", 5, seen=page.state)
    check("geschlossen" in (page.text("#ticket-list") or ""), f"statuses in German: {page.text('#ticket-list')!r}")
    driver.set_window_size(360, 740)
    page.one('#ticket-list button[data-ticket="T-1"]').click()
    wait_for("T-1 at 360 px", lambda: page.visible("#view-ticket"), 10, seen=page.state)
    time.sleep(0.3)
    clean(page, 360, "at 360 px")
    screenshot(page, "portal-ticket-de-360")
    driver.set_window_size(1366, 768)

    # A long conversation opens at its latest replies; earlier ones come a page at a time when asked.
    status, opened = hub.request("POST", "/v1/tickets", rita, {
        "title": "Long conversation", "description": "many replies", "category": "network", "urgency": "low",
        "impact": "low"})
    check(status == 201, f"POST /v1/tickets answered {status}")
    long_id = opened["ticket"]["id"]
    import websocket  # websocket-client, installed by scripts/bootstrap-test
    socket = websocket.create_connection(hub.base.replace("http", "ws", 1) + "/v1/ws",
                                         header=[f"Authorization: Bearer {agent}"], timeout=30)
    socket.recv()
    for n in range(1, 61):
        socket.send(json.dumps({"type": "comment.add", "id": f"long{n}", "ticket": long_id,
                                "body": f"{SECRET} {n}" if n % 10 == 0 else f"reply {n}",
                                "visibility": "internal" if n % 10 == 0 else "public"}))
    answered = 0
    while answered < 60:
        frame = json.loads(socket.recv())
        if str(frame.get("id", "")).startswith("long"):
            check(frame.get("type") == "ack", f"comment refused: {frame}")
            answered += 1
    socket.close()
    page.one("#tab-tickets").click()
    wait_for(f"{long_id} listed", lambda: page.visible(f'#ticket-list button[data-ticket="{long_id}"]'), 10,
             seen=page.state)
    page.one(f'#ticket-list button[data-ticket="{long_id}"]').click()
    # 54 public replies: the latest 50 first, with the way to the 4 before them.
    wait_for("the latest 50 replies", lambda: len(page.replies()) == 50 and page.visible("#earlier-replies"), 15,
             seen=page.state)
    check(page.replies()[-1].endswith("reply 59"), f"the last reply shown: {page.replies()[-1]!r}")
    page.one("#earlier-replies").click()
    wait_for("all 54 replies", lambda: len(page.replies()) == 54, 10, seen=page.state)
    check(page.replies()[0].endswith("reply 1"), f"the first reply shown: {page.replies()[0]!r}")
    check(not page.visible("#earlier-replies"), "the earlier-replies button stays after the first reply")
    log(f"{long_id}: 50 of 54 public replies at first, all 54 after 'Show earlier replies'")
    no_secret(page, "at the end")


def main():
    folder = tempfile.mkdtemp(prefix="swarm-portal-test-")
    timings = {}
    hub = driver = None
    passed = False
    try:
        swarmd = binary("SWARMD", ".build/debug/swarmd")
        swarm = binary("SWARM", ".build/debug/swarm")
        hub = Hub(swarmd, folder)
        moment = time.monotonic()
        driver = start_browser("de-DE")
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
        print(f"portal_test: PASS in {total:.1f}s ({parts})")
        if os.environ.get("KEEP_ARTEFACTS") == "1":
            print(f"artefacts kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
    print(f"portal_test: FAIL after {total:.1f}s ({parts})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
