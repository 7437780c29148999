"""The test OpenID Connect provider (oidc_provider.py beside this file) as a process, for the Python end-to-end
tests: the browser tests of issue 29's sign-in start it as the Swift tests do with OIDCProviderHarness.

    from oidc import OIDCProvider
    with OIDCProvider(folder, clients=[{"client_id": "swarmd", "client_secret": "…",
                                        "redirect_uris": [f"{hub.base}/auth/callback"]}],
                      users=[{"sub": "u-ada", "username": "ada", "password": "…",
                              "claims": {"swarm_role": "lead"}}]) as provider:
        provider.issuer                            # http://127.0.0.1:PORT, for swarmd --oidc-issuer
        provider.set_client({...})                 # the admin API (oidc_provider.py's doc): clients, users,
        provider.change_claims("u-ada", {...})     # claims, disable/enable, the next ID token spoiled,
        provider.disable("u-ada")                  # the event log
        provider.spoil_next_id_token({"claims": {"aud": "someone-else"}})
        provider.events()
    # stopped (SIGTERM) however the block ends; its log is FOLDER/oidc-provider.log

The settings of oidc_provider.py (require_pkce, device_interval, …) are keyword arguments too.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from swarmd import terminate  # noqa: E402

SCRIPT = Path(__file__).resolve().parent / "oidc_provider.py"


class OIDCProvider:
    def __init__(self, folder, clients=(), users=(), **settings):
        self.folder = Path(folder)
        self.admin_token = secrets.token_urlsafe(16)
        self.configuration = {
            "clients": list(clients), "users": list(users), "admin_token": self.admin_token, **settings,
        }
        self.process = None
        self.issuer = None

    def start(self, timeout=60):
        """Starts it and waits for its 'listening on' line; returns the issuer."""
        config = self.folder / "oidc-provider.json"
        # The clients' secrets and the admin token: the owner's only.
        with open(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            json.dump(self.configuration, file)
        self.log = open(self.folder / "oidc-provider.log", "a")
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--config", str(config), "--exit-with-parent"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"oidc_provider.py exited before listening; see {self.folder / 'oidc-provider.log'}")
            if line.startswith("listening on "):
                self.issuer = line[len("listening on "):].strip()
                return self.issuer
        raise RuntimeError(f"oidc_provider.py did not start within {timeout} s")

    def stop(self):
        """SIGTERM, then the exit status; None when it had to be killed, or was not running."""
        status = terminate(self.process, 10)
        self.process = None
        if hasattr(self, "log"):
            self.log.close()
        return status

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_):
        self.stop()

    def admin(self, method, path, body=None):
        """The admin API: `method /admin{path}` with `body` as JSON; the answer's JSON."""
        request = urllib.request.Request(
            f"{self.issuer}/admin{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.admin_token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def set_user(self, user):
        return self.admin("PUT", f"/users/{user['sub']}", user)

    def set_client(self, client):
        return self.admin("PUT", f"/clients/{client['client_id']}", client)

    def change_claims(self, sub, claims):
        """Changes some of `sub`'s claims; None removes one."""
        return self.admin("PATCH", f"/users/{sub}", {"claims": claims})

    def disable(self, sub):
        return self.admin("PATCH", f"/users/{sub}", {"enabled": False})

    def enable(self, sub):
        return self.admin("PATCH", f"/users/{sub}", {"enabled": True})

    def spoil_next_id_token(self, spoiler):
        return self.admin("POST", "/next-id-token", spoiler)

    def events(self):
        return self.admin("GET", "/events")
