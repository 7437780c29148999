#!/usr/bin/env python3
"""Real-browser test of the requesters' portal (Tests/Browser/README.md, docs/portal.md).

Starts a real swarmd on a fresh database, creates requester tokens in bulk from a CSV (the real
`swarmd token create --csv`), writes two articles over REST, and drives /portal in headless
Chromium (Selenium, Debian's chromedriver) started in German: a wrong token is explained; the
requester signs in, switches to English, searches the knowledge base and reads an article, opens a
ticket in plain words with an article suggested while typing and the mapping's reasons shown,
follows it live while an agent (the real `swarm` client) writes an internal note and a public
reply, replies, reopens and confirms; then resolves a second ticket with a suggested article (a
deflection). Files: she attaches one with the picker to her request, pastes a screenshot into a reply
and drops a file onto one (each arrives byte for byte, the screenshot as a thumbnail), a file over the hub's small limit
(--attachment-max-file) is refused in the page before anything is sent, a refusal by the hub is
shown with its message, an upload that failed is sent again alone, and a download gives the file's
bytes. The internal note, and an internal file an agent attaches, must never appear: not in the
page, not in its source, not in any WebSocket frame the page received (the page keeps them in
window.swarmPortal.frames), not after a reload. The page is checked at 1366 and 360 pixels wide.
Exit status 0 when everything holds, 1 otherwise; artefacts as for the dashboard test.
SCREENSHOTS=DIR saves the screenshots docs/portal.md shows into DIR.
"""

import base64
import hashlib
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_test import (REPO, Failure, Hub, Page, binary, check, log, run_swarm, save_artefacts,  # noqa: E402
                            tail, wait_for)

STARTED = time.monotonic()
SECRET = "SECRET-NOTE"
# Small limits, so a file over them is cheap to make: 100 KiB per file, 200 KiB per ticket.
MAX_FILE = 102400
MAX_TICKET = 204800
SCREENSHOT_NAME = re.compile(r"^screenshot-\d{4}-\d{2}-\d{2}-\d{4}\.png$")


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
        return [item.text for item in self.driver.find_elements(self.By.CSS_SELECTOR, "#replies li.reply")]

    def files(self):
        """The files in the conversation, in order: {id, name, thumb (naturalWidth, or None: no <img>)}."""
        return self.driver.execute_script("""
            return [...document.querySelectorAll('#replies li.file')].map((item) => {
              const img = item.querySelector('img.thumb');
              return { id: item.getAttribute('data-attachment'), name: item.querySelector('.file-name').textContent,
                       thumb: img ? img.naturalWidth : null, alt: img ? img.alt : null };
            });""")

    def file_names(self):
        return [f["name"] for f in self.files()]

    def note(self, css):
        return (self.text(css) or "").replace("\xa0", " ").replace("\u202f", " ")

    def uploads_started(self):
        return self.driver.execute_script("return window.swarmPortal.uploadsStarted;")


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


def attach(hub, token, ticket, name, data, visibility):
    """POST /v1/tickets/{ticket}/attachments with the bytes as the body, as a script would."""
    query = urllib.parse.urlencode({"name": name, "visibility": visibility})
    request = urllib.request.Request(f"{hub.base}/v1/tickets/{ticket}/attachments?{query}", data=data, method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/octet-stream")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            check(response.status == 201, f"attaching {name} answered {response.status}")
            return json.load(response)["attachment"]
    except urllib.error.HTTPError as error:
        raise Failure(f"attaching {name} answered {error.code}: {error.read().decode(errors='replace')}")


def fetch(hub, token, path):
    """GET path: (status, bytes), an error status included."""
    request = urllib.request.Request(f"{hub.base}{path}")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def arrived(hub, agent, ticket, name, data):
    """The file as staff read it over REST: in the ticket, public, and byte for byte what was sent."""
    _, detail = hub.request("GET", f"/v1/tickets/{ticket}", agent)
    found = [a for a in detail["ticket"].get("attachments", []) if a["name"] == name]
    check(len(found) == 1, f"{ticket} has {len(found)} files named {name!r}: {detail['ticket'].get('attachments')}")
    attachment = found[0]
    check(attachment["visibility"] == "public", f"{name} was attached {attachment['visibility']}")
    check(attachment["size"] == len(data), f"{name} has {attachment['size']} bytes, not {len(data)}")
    check(attachment["sha256"] == hashlib.sha256(data).hexdigest(), f"{name}'s SHA-256 is not the one sent")
    status, body = fetch(hub, agent, f"/v1/attachments/{attachment['id']}")
    check(status == 200 and body == data, f"GET /v1/attachments/{attachment['id']} answered {status}, "
          f"{len(body)} bytes, {'the same' if body == data else 'not the ones sent'}")
    return attachment


def paste_screenshot(page, target):
    """Pastes a PNG into `target` as a browser does with a screenshot on the clipboard: a paste event
    whose DataTransfer holds an image File named image.png. Returns the PNG's bytes."""
    encoded = page.driver.execute_async_script("""
        const [selector, done] = arguments;
        const canvas = document.createElement('canvas');
        canvas.width = 64; canvas.height = 40;
        const context = canvas.getContext('2d');
        context.fillStyle = '#0b62c4'; context.fillRect(0, 0, 64, 40);
        context.fillStyle = '#ffffff'; context.fillRect(6, 6, 30, 12);
        canvas.toBlob(async (blob) => {
          const data = new DataTransfer();
          data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
          const target = document.querySelector(selector);
          target.focus();
          target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
          const bytes = new Uint8Array(await blob.arrayBuffer());
          done(btoa(String.fromCharCode(...bytes)));
        }, 'image/png');""", target)
    return base64.b64decode(encoded)


def drop_file(page, target, name, data):
    """Drops a file onto `target` as a browser does when one is dragged from the desktop: dragover,
    then drop, each with a DataTransfer holding the File."""
    page.driver.execute_script("""
        const [selector, name, text] = arguments;
        const data = new DataTransfer();
        data.items.add(new File([text], name, { type: 'text/plain' }));
        const target = document.querySelector(selector);
        for (const type of ['dragenter', 'dragover', 'drop']) {
          target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
        }""", target, name, data.decode())


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
    hub.start("--attachment-max-file", str(MAX_FILE), "--attachment-max-ticket", str(MAX_TICKET))
    log(f"swarmd listening on {hub.base}; requester tokens for {sorted(people)} made in bulk")
    # What the page downloads lands here (the test reads it back).
    downloads = Path(folder) / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
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
    # A file with the picker (the button opens the file input; Selenium fills the input as a person would
    # through the dialog).
    log_bytes = b"".join(f"{n:05d} vpn0: tunnel down, MTU 1500, reconnect {n % 7}\n".encode() for n in range(400))
    log_path = Path(folder) / "vpn-log.txt"
    log_path.write_bytes(log_bytes)
    check(page.text("#open-attach") == "Attach files…", f"the attach button reads {page.text('#open-attach')!r}")
    page.one("#open-file").send_keys(str(log_path))
    wait_for("the chosen file as a chip", lambda: page.visible('#open-chips li[data-file="vpn-log.txt"]'), 10,
             seen=page.state)
    chip = page.note('#open-chips li[data-file="vpn-log.txt"]')
    check("18 KB" in chip, f"the chip does not show the file's size: {chip!r}")
    remove = page.one('#open-chips li[data-file="vpn-log.txt"] button').get_attribute("aria-label")
    check(remove == "Remove vpn-log.txt", f"the chip's remove button is labelled {remove!r}")
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
    # The ticket first, then its file.
    wait_for("the picked file in the conversation", lambda: "vpn-log.txt" in page.file_names(), 15, seen=page.state)
    log_file = arrived(hub, agent, "T-1", "vpn-log.txt", log_bytes)
    check(log_file["author"] == "rita", f"vpn-log.txt was attached by {log_file['author']}")
    check(not page.visible("#open-chips li"), "the sent file is still among the files to send")
    check(page.files()[0]["thumb"] is None, "a text file has a thumbnail")
    log(f"vpn-log.txt attached with the picker as {log_file['id']}: {len(log_bytes)} bytes, the same SHA-256")
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

    # A screenshot pasted into the reply becomes a file named for the minute it was taken.
    uploads_before = page.uploads_started()
    png = paste_screenshot(page, "#reply")
    wait_for("the pasted screenshot as a chip", lambda: page.visible("#reply-chips li"), 10, seen=page.state)
    shot_name = page.one("#reply-chips li").get_attribute("data-file")
    check(SCREENSHOT_NAME.match(shot_name), f"the pasted screenshot is named {shot_name!r}")
    check(page.one("#reply").get_attribute("value") == "", "pasting the screenshot put text into the reply")

    # A file over the hub's limit is refused as it is chosen, with the numbers, and nothing is sent.
    big = Path(folder) / "too-big.bin"
    big.write_bytes(os.urandom(MAX_FILE + 51200))
    page.one("#reply-file").send_keys(str(big))
    wait_for("the file over the limit refused in the page", lambda: "too-big.bin" in page.note("#reply-file-note"), 10,
             seen=page.state)
    refusal = page.note("#reply-file-note")
    check("“too-big.bin” is too large: 150 KB, which is 50 KB over the limit of 100 KB per file." in refusal,
          f"the refusal does not say the limit and by how much: {refusal!r}")
    chips = [chip.get_attribute("data-file") for chip in driver.find_elements(page.By.CSS_SELECTOR, "#reply-chips li")]
    check(chips == [shot_name], f"the files to send after a refusal: {chips}")
    screenshot(page, "portal-attach-en")
    page.one("#reply").send_keys("It dropped again just now.")
    page.one("#reply-submit").click()
    wait_for("her reply", lambda: any("It dropped again just now." in r for r in page.replies()), 10, seen=page.state)
    wait_for("the screenshot's thumbnail", lambda: any(f["name"] == shot_name and f["thumb"] for f in page.files()), 15,
             seen=lambda: {"files": page.files(), **page.state()})
    shown = next(f for f in page.files() if f["name"] == shot_name)
    check(shown["thumb"] == 64 and shown["alt"] == shot_name, f"the screenshot's thumbnail: {shown}")
    arrived(hub, agent, "T-1", shot_name, png)
    check(page.uploads_started() == uploads_before + 1,
          f"{page.uploads_started() - uploads_before} uploads began for one screenshot and one refused file")
    _, detail = hub.request("GET", "/v1/tickets/T-1", agent)
    check("too-big.bin" not in [a["name"] for a in detail["ticket"]["attachments"]], "the file over the limit arrived")
    check(not page.note("#reply-file-note"), "the refusal is still shown after sending")
    log(f"{shot_name} pasted, sent after the reply, shown as a thumbnail; too-big.bin refused in the page")
    screenshot(page, "portal-ticket-en")

    # The swarm attaches files over REST: an internal one she must never see, and a public SVG, which is
    # offered as a download and never shown.
    internal = attach(hub, agent, "T-1", f"{SECRET}-router.conf",
                      (f"{SECRET} admin password on the VPN router\n" * 3000).encode()[:100000], "internal")
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script>window.svgRan = true;</script>'
           b'<rect width="40" height="40" fill="red"/></svg>')
    attach(hub, agent, "T-1", "network-diagram.svg", svg, "public")
    wait_for("the swarm's public file, live", lambda: "network-diagram.svg" in page.file_names(), 15, seen=page.state)
    check(page.files()[-1]["thumb"] is None, "an SVG is shown inline")
    check(not driver.execute_script("return !!window.svgRan;"), "the SVG's script ran")
    check(not any(SECRET in name for name in page.file_names()), f"the internal file is listed: {page.file_names()}")
    no_secret(page, "after the swarm attached an internal and a public file")
    status, _ = fetch(hub, rita, f"/v1/attachments/{internal['id']}")
    check(status == 404, f"rita's GET of the internal file answered {status}")

    # A refusal by the hub is shown with its message: the internal file, which she cannot see, fills the
    # ticket, so a file that fits as far as the page can tell is refused by the hub.
    capture = Path(folder) / "capture.pcap"
    capture.write_bytes(os.urandom(95000))
    page.one("#reply-file").send_keys(str(capture))
    wait_for("capture.pcap as a chip", lambda: page.visible('#reply-chips li[data-file="capture.pcap"]'), 10,
             seen=page.state)
    page.one("#reply-submit").click()
    wait_for("the hub's refusal", lambda: page.visible('#uploads li[data-state="failed"][data-file="capture.pcap"]'), 15,
             seen=page.state)
    failed = page.note('#uploads li[data-state="failed"]')
    check(failed.startswith("capture.pcap") and "Not sent: the file is over a size limit." in failed
          and f"its limit is {MAX_TICKET} bytes per ticket" in failed and "holds" not in failed,
          f"the failed upload does not say why in the hub's words (without the total, which counts internal "
          f"files): {failed!r}")
    _, detail = hub.request("GET", "/v1/tickets/T-1", agent)
    check("capture.pcap" not in [a["name"] for a in detail["ticket"]["attachments"]], "capture.pcap arrived")
    page.one('#uploads li[data-state="failed"] button.chip-remove').click()
    wait_for("the failed upload removed", lambda: not page.visible("#uploads li"), 5, seen=page.state)
    log(f"capture.pcap refused by the hub: {failed!r}")

    # An upload that fails is sent again alone, the reply it came with not again. Uploads are blocked in the
    # browser (DevTools) while she sends, then let through for the retry. This file is dragged onto the form.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/v1/tickets/*/attachments*"]})
    settings_bytes = b"SSID office\nsecurity WPA3\nband 5 GHz\n"
    drop_file(page, "#reply-form", "wifi-settings.txt", settings_bytes)
    wait_for("wifi-settings.txt as a chip", lambda: page.visible('#reply-chips li[data-file="wifi-settings.txt"]'), 10,
             seen=page.state)
    page.one("#reply").send_keys("Here are my Wi-Fi settings.")
    page.one("#reply-submit").click()
    wait_for("the upload to fail", lambda: page.visible('#uploads li[data-state="failed"][data-file="wifi-settings.txt"]'),
             15, seen=page.state)
    failed = page.note('#uploads li[data-state="failed"]')
    check("Not sent: the connection broke off." in failed, f"the failed upload says {failed!r}")
    check(any("Here are my Wi-Fi settings." in r for r in page.replies()), "the reply was not sent before its file")
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    page.one('#uploads li[data-state="failed"] button.retry').click()
    wait_for("the file sent again", lambda: "wifi-settings.txt" in page.file_names(), 15, seen=page.state)
    check(not page.visible("#uploads li"), "the upload is still listed after it went through")
    arrived(hub, agent, "T-1", "wifi-settings.txt", settings_bytes)
    _, detail = hub.request("GET", "/v1/tickets/T-1", agent)
    sent = [c for c in detail["ticket"]["comments"] if c["body"] == "Here are my Wi-Fi settings."]
    check(len(sent) == 1, f"the reply was sent {len(sent)} times")
    log("wifi-settings.txt dropped on the form, failed while uploads were blocked, sent again alone with Try again")

    # After a reload the files are read with the ticket: the public ones, never the internal one.
    driver.refresh()
    wait_for("the portal to be live after a reload", lambda: page.status()[0] == "live", 15, seen=page.state)
    page.one("#tab-tickets").click()
    wait_for("T-1 listed", lambda: page.visible('#ticket-list button[data-ticket="T-1"]'), 10, seen=page.state)
    page.one('#ticket-list button[data-ticket="T-1"]').click()
    expected = ["vpn-log.txt", shot_name, "network-diagram.svg", "wifi-settings.txt"]
    wait_for("the files after a reload", lambda: page.file_names() == expected, 15,
             seen=lambda: {"files": page.file_names(), **page.state()})
    wait_for("the thumbnail after a reload", lambda: next(f for f in page.files() if f["name"] == shot_name)["thumb"], 15,
             seen=lambda: page.files())
    no_secret(page, "after a reload")

    # Download: the bytes, saved under the file's name.
    page.one(f'#replies li.file[data-attachment="{log_file["id"]}"] button.download').click()
    saved = downloads / "vpn-log.txt"
    wait_for("the download", lambda: saved.is_file() and saved.read_bytes() == log_bytes, 15,
             seen=lambda: sorted(p.name for p in downloads.iterdir()))
    log(f"after a reload: {expected}, the internal file nowhere; vpn-log.txt downloaded, the same bytes")

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
    button = page.text(f'#replies li.file[data-attachment="{log_file["id"]}"] button.download')
    check(button == "Herunterladen", f"the download button reads {button!r} in German")
    driver.set_window_size(1366, 768)

    # In German, the limits are explained in German: per file, and for the ticket's files together.
    page.one("#tab-open").click()
    wait_for("the form in German", lambda: page.text("#open-attach") == "Dateien anhängen…", 5, seen=page.state)
    page.one("#open-file").send_keys(str(big))
    wait_for("the refusal in German", lambda: "too-big.bin" in page.note("#open-file-note"), 10, seen=page.state)
    refusal = page.note("#open-file-note")
    check("„too-big.bin“ ist zu groß: 150 KB, das sind 50 KB mehr als die erlaubten 100 KB pro Datei." in refusal,
          f"the German refusal: {refusal!r}")
    for count in (1, 2):
        page.one("#open-file").send_keys(str(capture))
        wait_for(f"{count} chips", lambda: len(driver.find_elements(page.By.CSS_SELECTOR, "#open-chips li")) == count, 10,
                 seen=page.state)
    page.one("#open-file").send_keys(str(capture))
    wait_for("the ticket's limit in German", lambda: "pro Ticket" in page.note("#open-file-note"), 10, seen=page.state)
    refusal = page.note("#open-file-note")
    check("Mit „capture.pcap“ kämen die Dateien dieses Tickets auf 278 KB, das sind 78 KB mehr als die erlaubten "
          "200 KB pro Ticket." in refusal, f"the German refusal for the ticket: {refusal!r}")
    check(len(driver.find_elements(page.By.CSS_SELECTOR, "#open-chips li")) == 2, "the third file was added")
    for _ in range(2):
        page.one("#open-chips li button").click()
    check(not page.visible("#open-chips li"), "the chips were not removed")

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
