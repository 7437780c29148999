#!/usr/bin/env python3
"""A real OpenID Connect provider for the tests (issue 29), on 127.0.0.1 only.

Built on Authlib's server components (pinned in scripts/bootstrap-test) under Flask and Werkzeug's threaded
server: discovery, JWKS, the authorization code flow with PKCE (S256 only, required by default) and nonce
(required by default, replays refused), refresh tokens (rotated by default), the device authorization grant
(RFC 8628: pending, slow_down, approved, denied, expired), token revocation (RFC 7009), userinfo and
RP-initiated logout (end_session, which ends the provider's browser session and revokes the tokens issued in
it). ID tokens are RS256, signed with a 2048-bit key made at start. Everything is kept in memory.

    python3 Tests/support/oidc_provider.py --config provider.json [--port 0] [--exit-with-parent]

It prints `listening on http://127.0.0.1:PORT` on standard output once it accepts connections; that URL is the
issuer. Its log (each request, each event) goes to standard error. SIGTERM or SIGINT stop it.

The configuration (a JSON file, or the same keys as --client / --user JSON objects on the command line):

    {"clients": [{"client_id": "swarmd", "client_secret": "s3cret",      # no secret: a public client ("none")
                  "redirect_uris": ["http://127.0.0.1:8080/auth/callback"],
                  "post_logout_redirect_uris": ["http://127.0.0.1:8080/"]}],
     "users": [{"sub": "u-ada", "username": "ada", "password": "pw", "enabled": true,
                "claims": {"email": "ada@example.com", "name": "Ada", "swarm_role": "lead", "groups": ["it"]}}],
     "admin_token": "…",                 # turns on /admin (below); without it /admin answers 404
     "require_pkce": true, "require_nonce": true, "rotate_refresh_tokens": true,
     "id_token_lifetime": 300, "access_token_lifetime": 300, "refresh_token_lifetime": 86400,
     "code_lifetime": 60, "device_code_lifetime": 600, "device_interval": 5}

Claims: the standard ones (OpenID Connect Core 5.4) are released by their scope (profile, email, address,
phone); any other claim (a role, groups) is in every ID token and userinfo answer.

Signing in is a form (`username`, `password`) at /authorize and at /device (the device flow's verification
page, with `user_code`); a browser that signed in keeps a session (cookie `op_session`) and is not asked again
until it signs out at /end_session. A disabled account cannot sign in, its refresh tokens are refused
(`invalid_grant`), its access tokens are refused at /userinfo, and a device code it had approved is denied.

The admin API, for the tests (JSON, `Authorization: Bearer ADMIN_TOKEN`):

    GET    /admin/users/SUB                  the user
    PUT    /admin/users/SUB                  create or replace it ({"username", "password", "enabled", "claims"})
    PATCH  /admin/users/SUB                  change some of it: "enabled", "password", "claims" (merged; a
                                             claim set to null is removed)
    PUT    /admin/clients/CLIENT_ID          create or replace a client (the keys of "clients" above)
    POST   /admin/next-id-token              spoil the next ID token the provider issues (any grant, any client):
                                             {"claims": {…}} overrides claims, {"remove": ["nonce"]} drops some,
                                             {"exp_offset": -60} sets exp (and iat 10 minutes before it) relative
                                             to now, {"signing_key": "foreign"} signs it with another key under the
                                             provider's key id, {"alg": "none"} leaves it unsigned, {"replay": true}
                                             sends the previous ID token again as it was
    GET    /admin/events                     what happened so far: sign-ins, codes, tokens, refusals, revocations,
                                             sessions ended, device codes approved
"""

import argparse
import base64
import hashlib
import hmac
import html
import ipaddress
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

# Authlib refuses plain http:// unless told otherwise; the provider is on loopback, in tests, without TLS.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import flask  # noqa: E402
import werkzeug.serving  # noqa: E402
from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.oauth2 import OAuth2Error  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin, grants  # noqa: E402
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402
from authlib.oauth2.rfc8628 import (  # noqa: E402
    DEVICE_CODE_GRANT_TYPE,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialDict,
)
from authlib.oidc.core import OpenIDCode  # noqa: E402
from authlib.oidc.rpinitiated import EndSessionEndpoint  # noqa: E402
from joserfc import jwt  # noqa: E402
from joserfc.jwk import KeySet, RSAKey  # noqa: E402

log = logging.getLogger("oidc_provider")

SCOPES = ["openid", "profile", "email", "address", "phone", "offline_access"]
# OpenID Connect Core 5.4: the standard claims each scope releases.
SCOPE_CLAIMS = {
    "profile": [
        "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
        "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
    ],
    "email": ["email", "email_verified"],
    "address": ["address"],
    "phone": ["phone_number", "phone_number_verified"],
}
STANDARD_CLAIMS = {claim for claims in SCOPE_CLAIMS.values() for claim in claims}
GRANT_TYPES = ["authorization_code", "refresh_token", DEVICE_CODE_GRANT_TYPE]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
SESSION_COOKIE = "op_session"

DEFAULTS = {
    "require_pkce": True,
    "require_nonce": True,
    "rotate_refresh_tokens": True,
    "id_token_lifetime": 300,
    "access_token_lifetime": 300,
    "refresh_token_lifetime": 86400,
    "code_lifetime": 60,
    "device_code_lifetime": 600,
    "device_interval": 5,
    "admin_token": None,
}


# The model. One lock (around every request, in `serialized`) guards all of it.


@dataclass
class User:
    sub: str
    username: str
    password: str
    enabled: bool = True
    claims: dict = field(default_factory=dict)

    @staticmethod
    def from_json(sub, data):
        return User(
            sub=sub,
            username=data.get("username", sub),
            password=data.get("password", ""),
            enabled=bool(data.get("enabled", True)),
            claims=dict(data.get("claims", {})),
        )

    def as_json(self):
        return {
            "sub": self.sub, "username": self.username, "password": self.password, "enabled": self.enabled,
            "claims": self.claims,
        }

    def claims_for(self, scope):
        """The standard claims the scope releases, every other claim, and `sub`."""
        scopes = (scope or "").split()
        released = {claim for s in scopes for claim in SCOPE_CLAIMS.get(s, [])}
        claims = {k: v for k, v in self.claims.items() if k not in STANDARD_CLAIMS or k in released}
        claims["sub"] = self.sub
        return claims


@dataclass
class Login:
    """A user signed in at the provider: one browser session (`sid`), or one device approval."""

    user: User
    sid: str
    auth_time: int

    def get_user_id(self):
        return self.user.sub


class Client(ClientMixin):
    def __init__(self, data):
        self.client_id = data["client_id"]
        self.client_secret = data.get("client_secret")
        self.redirect_uris = list(data.get("redirect_uris", []))
        self.post_logout_redirect_uris = list(data.get("post_logout_redirect_uris", []))
        # A confidential client may use Basic or the form unless one is named; a public one only "none".
        method = data.get("token_endpoint_auth_method")
        if self.client_secret is None:
            self.auth_methods = ["none"]
        else:
            self.auth_methods = [method] if method else ["client_secret_basic", "client_secret_post"]

    @property
    def client_metadata(self):
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    def as_json(self):
        return {
            "client_id": self.client_id, "client_secret": self.client_secret, "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "token_endpoint_auth_methods": self.auth_methods,
        }

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return self.client_secret is not None and hmac.compare_digest(
            self.client_secret.encode(), (client_secret or "").encode()
        )

    def check_endpoint_auth_method(self, method, endpoint):
        return method in self.auth_methods

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in GRANT_TYPES


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    login: Login
    expires_at: float

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.login.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


@dataclass
class Token:
    value: str
    kind: str  # "access_token" or "refresh_token"
    client_id: str
    scope: str
    login: Login
    expires_at: float
    revoked: bool = False
    # The access token issued with a refresh token (revoked with it).
    access_token: str = ""

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, int(self.expires_at - time.time()))

    def is_expired(self):
        return time.time() >= self.expires_at

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.login.user

    def get_client(self):
        return state.clients.get(self.client_id)

    def is_valid(self):
        return not self.revoked and not self.is_expired() and self.login.user.enabled


class State:
    def __init__(self, config):
        self.config = config
        # Set once the port is bound.
        self.issuer = None
        self.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True, auto_kid=True)
        # Another key under the same key id, for {"signing_key": "foreign"}: a signature that must not verify.
        self.foreign_key = RSAKey.generate_key(
            2048, parameters={"use": "sig", "alg": "RS256", "kid": self.key.kid}, private=True
        )
        self.users = {}
        self.clients = {}
        self.codes = {}
        self.used_codes = {}
        self.nonces = set()
        self.tokens = {}
        self.sessions = {}
        self.devices = {}
        self.spoilers = []
        self.last_id_token = None
        self.events = []

    def user_named(self, username):
        return next((u for u in self.users.values() if u.username == username), None)

    def event(self, kind, **details):
        entry = {"event": kind, "time": round(time.time(), 3), **details}
        self.events.append(entry)
        log.info("event %s", json.dumps(entry, sort_keys=True))

    def new_session(self, user):
        login = Login(user=user, sid=secrets.token_urlsafe(16), auth_time=int(time.time()))
        self.sessions[login.sid] = login
        return login

    def end_session(self, sid, reason):
        """Ends a browser session and revokes every token issued in it (as providers with SSO sessions do)."""
        login = self.sessions.pop(sid, None)
        revoked = 0
        for token in self.tokens.values():
            if token.login.sid == sid and not token.revoked:
                token.revoked = True
                revoked += 1
        if login:
            self.event("session.ended", sub=login.user.sub, sid=sid, reason=reason, tokens_revoked=revoked)

    def session_login(self, request):
        login = self.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        return login if login and login.user.enabled else None


state = None  # State, made in main()


# ID tokens


def half_hash(value):
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def b64url_json(value):
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()


def encode_id_token(login, client_id, scope, *, nonce=None, access_token=None):
    """An ID token (OpenID Connect Core 2) for `login`, to `client_id` as its audience, RS256 with the provider's key
    — spoiled as the next entry of /admin/next-id-token says, if there is one."""
    spoiler = state.spoilers.pop(0) if state.spoilers else {}
    if spoiler.get("replay") and state.last_id_token:
        state.event("id_token.spoiled", spoiler=spoiler)
        return state.last_id_token
    now = int(time.time())
    claims = {
        "iss": state.issuer,
        "aud": client_id,
        "azp": client_id,
        "iat": now,
        "exp": now + int(state.config["id_token_lifetime"]),
        "auth_time": login.auth_time,
        "sid": login.sid,
        **login.user.claims_for(scope),
    }
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = half_hash(access_token)
    header = {"alg": "RS256", "typ": "JWT", "kid": state.key.kid}
    key = state.key
    if spoiler:
        state.event("id_token.spoiled", spoiler=spoiler)
        if "exp_offset" in spoiler:
            claims["exp"] = now + int(spoiler["exp_offset"])
            claims["iat"] = claims["exp"] - 600
        claims.update(spoiler.get("claims", {}))
        for name in spoiler.get("remove", []):
            claims.pop(name, None)
        if spoiler.get("signing_key") == "foreign":
            key = state.foreign_key
        if spoiler.get("alg") == "none":
            token = b64url_json({"alg": "none", "typ": "JWT"}) + "." + b64url_json(claims) + "."
            state.last_id_token = token
            return token
    token = jwt.encode(header, claims, key, algorithms=["RS256"])
    state.last_id_token = token
    return token


def add_id_token(grant, response):
    """`after_create_token_response`: an ID token beside the tokens whenever the scope has openid — on a refresh
    (Core 12.2: no nonce) and for the device grant too, as the common providers do."""
    _, token, _ = response
    if "openid" in (token.get("scope") or "").split():
        token["id_token"] = encode_id_token(
            grant.request.user, grant.request.client.get_client_id(), token["scope"],
            access_token=token.get("access_token"),
        )
    return token


def with_id_token(grant):
    """The extension that gives the refresh and device grants their ID token."""
    grant.register_hook("after_create_token_response", add_id_token)


class OpenIDCodeExtension(OpenIDCode):
    """The code flow's OpenID part: nonce required and never accepted twice, prompt=none/login, the ID token."""

    def __init__(self):
        super().__init__(require_nonce=bool(state.config["require_nonce"]))

    def exists_nonce(self, nonce, request):
        return nonce in state.nonces

    def encode_id_token(self, token, request):
        code = request.authorization_code
        return encode_id_token(
            request.user, request.client.get_client_id(), token["scope"], nonce=code.get_nonce(),
            access_token=token.get("access_token"),
        )


class PKCE(CodeChallenge):
    """RFC 7636 with S256 only, and (by default) required of every client, confidential ones too (RFC 9700 2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if state.config["require_pkce"] and not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: 'code_challenge' is missing.", redirect_uri=redirect_uri)
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.", redirect_uri=redirect_uri)


# Grants and endpoints, on Authlib's classes.


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code, request):
        data = request.payload.data
        nonce = data.get("nonce")
        if nonce:
            state.nonces.add(nonce)
        state.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri,
            scope=request.client.get_allowed_scope(request.payload.scope),
            nonce=nonce,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            login=request.user,
            expires_at=time.time() + float(state.config["code_lifetime"]),
        )
        state.event("code.issued", client_id=request.client.get_client_id(), sub=request.user.user.sub)

    def query_authorization_code(self, code, client):
        if code in state.used_codes:
            # RFC 6749 4.1.2: a code used twice is refused, and what was issued for it is revoked.
            for value in state.used_codes[code]:
                if value in state.tokens:
                    state.tokens[value].revoked = True
            state.event("code.reused", client_id=client.get_client_id())
            return None
        item = state.codes.get(code)
        if item and item.client_id == client.get_client_id() and time.time() < item.expires_at:
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        state.codes.pop(authorization_code.code, None)
        state.used_codes.setdefault(authorization_code.code, [])

    def authenticate_user(self, authorization_code):
        login = authorization_code.login
        return login if login.user.enabled else None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def authenticate_refresh_token(self, refresh_token):
        token = state.tokens.get(refresh_token)
        if not token or token.kind != "refresh_token":
            state.event("refresh.refused", reason="unknown")
            raise InvalidGrantError("The refresh token is not known.")
        if token.revoked or token.is_expired():
            state.event("refresh.refused", reason="revoked" if token.revoked else "expired", sub=token.login.user.sub)
            raise InvalidGrantError("The refresh token was revoked or has expired.")
        if not token.login.user.enabled:
            state.event("refresh.refused", reason="disabled", sub=token.login.user.sub)
            raise InvalidGrantError("The account is disabled.")
        return token

    def authenticate_user(self, refresh_token):
        return refresh_token.login

    def revoke_old_credential(self, refresh_token):
        if self.INCLUDE_NEW_REFRESH_TOKEN:
            refresh_token.revoked = True


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def get_verification_uri(self):
        return state.issuer + "/device"

    def create_endpoint_response(self, request):
        self.EXPIRES_IN = int(state.config["device_code_lifetime"])
        self.INTERVAL = int(state.config["device_interval"])
        return super().create_endpoint_response(request)

    def save_device_credential(self, client_id, scope, data):
        credential = DeviceCredentialDict(
            client_id=client_id,
            scope=scope,
            expires_at=time.time() + data["expires_in"],
            decision=None,  # None (pending), or (Login, approved)
            last_poll=None,
            **data,
        )
        state.devices[data["device_code"]] = credential
        state.event("device.issued", client_id=client_id, user_code=data["user_code"])


def normalize_user_code(code):
    # RFC 8628 6.1: case and dashes do not matter when a person types the code.
    return "".join(c for c in (code or "").upper() if c.isalnum())


def device_by_user_code(user_code):
    wanted = normalize_user_code(user_code)
    return next(
        (d for d in state.devices.values() if normalize_user_code(d["user_code"]) == wanted and not d.is_expired()),
        None,
    )


class DeviceGrant(DeviceCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def query_device_credential(self, device_code):
        return state.devices.get(device_code)

    def query_user_grant(self, user_code):
        credential = next((d for d in state.devices.values() if d["user_code"] == user_code), None)
        if not credential or credential["decision"] is None:
            return None
        login, approved = credential["decision"]
        if approved and not login.user.enabled:
            return None, False
        return login, approved

    def should_slow_down(self, credential):
        # RFC 8628 3.5: polled sooner than the interval: slow_down, and the interval grows by 5 seconds.
        now = time.monotonic()
        last, credential["last_poll"] = credential["last_poll"], now
        if last is not None and now - last < credential["interval"] - 0.05:
            credential["interval"] += 5
            state.event("device.slow_down", user_code=credential["user_code"], interval=credential["interval"])
            return True
        return False

    def validate_token_request(self):
        super().validate_token_request()
        # A device code gives tokens once.
        state.devices.pop(self.request.payload.data.get("device_code"), None)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return state.tokens.get(token_string)

    def revoke_token(self, token, request):
        token.revoked = True
        # A refresh token goes with the access token issued beside it.
        if token.access_token in state.tokens:
            state.tokens[token.access_token].revoked = True
        state.event("token.revoked", kind=token.kind, client_id=token.client_id, sub=token.login.user.sub)


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self):
        return KeySet([state.key])

    def get_algorithms(self):
        return ["RS256"]

    def end_session(self, end_session_request):
        sids = set()
        claims = end_session_request.id_token_claims or {}
        if claims.get("iss") not in (None, state.issuer):
            raise InvalidRequestError("'id_token_hint' was not issued here.")
        if claims.get("sid"):
            sids.add(claims["sid"])
        cookie = flask.request.cookies.get(SESSION_COOKIE)
        if cookie:
            sids.add(cookie)
        for sid in sids:
            state.end_session(sid, reason="end_session")
        state.event(
            "end_session", sub=claims.get("sub"), client_id=getattr(end_session_request.client, "client_id", None),
            redirect=end_session_request.redirect_uri,
        )


def save_token(token, request):
    login = request.user
    client_id = request.client.get_client_id()
    now = time.time()
    scope = token.get("scope", "")
    state.tokens[token["access_token"]] = Token(
        value=token["access_token"], kind="access_token", client_id=client_id, scope=scope, login=login,
        expires_at=now + token["expires_in"],
    )
    issued = [token["access_token"]]
    if "refresh_token" in token:
        state.tokens[token["refresh_token"]] = Token(
            value=token["refresh_token"], kind="refresh_token", client_id=client_id, scope=scope, login=login,
            expires_at=now + float(state.config["refresh_token_lifetime"]), access_token=token["access_token"],
        )
        issued.append(token["refresh_token"])
    code = getattr(request, "authorization_code", None)
    if code is not None:
        state.used_codes.setdefault(code.code, []).extend(issued)
    state.event(
        "token.issued", grant_type=request.payload.grant_type, client_id=client_id, sub=login.user.sub,
        refresh_token="refresh_token" in token,
    )


# Pages. Plain HTML forms that a browser (Chromium in the hub's tests) or a test over HTTP can fill in.


def page(title, body, status=200):
    text = (
        "<!doctype html><html><head><meta charset='utf-8'><title>{0}</title></head>"
        "<body><h1>{0}</h1>{1}</body></html>"
    ).format(html.escape(title), body)
    return flask.Response(text, status=status, content_type="text/html; charset=utf-8")


def error_page(status, message):
    return page("Error", f"<p id='error'>{html.escape(message)}</p>", status)


def credentials_fields():
    return (
        "<p><label>User name <input id='username' name='username' autocomplete='username' required></label></p>"
        "<p><label>Password <input id='password' name='password' type='password' autocomplete='current-password'"
        " required></label></p>"
    )


def login_page(client_id, message=None, status=200):
    # The form posts back to the same URL: the authorization request stays in the query.
    action = html.escape(flask.request.full_path)
    notice = f"<p id='error'>{html.escape(message)}</p>" if message else ""
    body = (
        f"<p>Sign in to continue to <code>{html.escape(client_id)}</code>.</p>{notice}"
        f"<form method='post' action='{action}'>{credentials_fields()}"
        "<p><button id='sign-in' name='action' value='login' type='submit'>Sign in</button> "
        "<button id='deny' name='action' value='deny' type='submit' formnovalidate>Cancel</button></p></form>"
    )
    return page("Sign in", body, status)


def check_credentials(form):
    """The user the form names, if the password is right; and a message when it is not, or the account is off."""
    user = state.user_named(form.get("username", ""))
    if not user or not hmac.compare_digest(user.password.encode(), form.get("password", "").encode()):
        state.event("login.failed", username=form.get("username", ""))
        return None, "Wrong user name or password.", 401
    if not user.enabled:
        state.event("login.refused", sub=user.sub, reason="disabled")
        return None, "This account is disabled.", 403
    return user, None, 200


def with_session_cookie(response, login):
    response.set_cookie(SESSION_COOKIE, login.sid, httponly=True, samesite="Lax", path="/")
    return response


def make_app(server):
    app = flask.Flask("oidc_provider")

    @app.get("/.well-known/openid-configuration")
    def discovery():
        issuer = state.issuer
        return flask.jsonify({
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorize",
            "token_endpoint": issuer + "/token",
            "userinfo_endpoint": issuer + "/userinfo",
            "jwks_uri": issuer + "/jwks",
            "end_session_endpoint": issuer + "/end_session",
            "revocation_endpoint": issuer + "/revoke",
            "device_authorization_endpoint": issuer + "/device_authorization",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": GRANT_TYPES,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": SCOPES,
            "claims_supported": sorted(
                {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid"} | STANDARD_CLAIMS
            ),
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login"],
        })

    @app.get("/jwks")
    def jwks():
        return flask.jsonify(KeySet([state.key]).as_dict(private=False))

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        request = flask.request
        login = state.session_login(request) if request.method == "GET" else None
        try:
            grant = server.get_consent_grant(end_user=login)
        except OAuth2Error as error:
            # An unknown client or redirect URI gets a page, never a redirect (RFC 6749 4.1.2.1).
            if error.redirect_uri:
                return server.handle_error_response(None, error)
            return error_page(400, f"{error.error}: {error.description}")
        client_id = grant.client.get_client_id()
        if request.method == "GET":
            if login and grant.prompt != "login":
                state.event("login.session", sub=login.user.sub, client_id=client_id)
                return server.create_authorization_response(grant_user=login, grant=grant)
            return login_page(client_id)
        if request.form.get("action") == "deny":
            state.event("login.cancelled", client_id=client_id)
            return server.create_authorization_response(grant_user=None, grant=grant)
        user, message, status = check_credentials(request.form)
        if not user:
            return login_page(client_id, message, status)
        login = state.new_session(user)
        state.event("login", sub=user.sub, client_id=client_id, sid=login.sid)
        return with_session_cookie(server.create_authorization_response(grant_user=login, grant=grant), login)

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.post("/device_authorization")
    def device_authorization():
        return server.create_endpoint_response(DeviceAuthorization.ENDPOINT_NAME)

    @app.route("/device", methods=["GET", "POST"])
    def device():
        request = flask.request
        user_code = request.values.get("user_code", "")
        login = state.session_login(request)

        def form(message=None, status=200):
            notice = f"<p id='error'>{html.escape(message)}</p>" if message else ""
            who = f"<p>Signed in as {html.escape(login.user.username)}.</p>" if login else credentials_fields()
            body = (
                f"{notice}<form method='post' action='/device'>"
                f"<p><label>Code <input id='user_code' name='user_code' value='{html.escape(user_code)}' required>"
                f"</label></p>{who}"
                "<p><button id='approve' name='action' value='approve' type='submit'>Approve</button> "
                "<button id='deny' name='action' value='deny' type='submit'>Deny</button></p></form>"
            )
            return page("Sign in on a device", body, status)

        if request.method == "GET":
            return form()
        credential = device_by_user_code(user_code)
        if not credential:
            return form("That code is not known or has expired.", 400)
        if credential["decision"] is not None:
            return form("That code was already used.", 400)
        if not login:
            user, message, status = check_credentials(request.form)
            if not user:
                return form(message, status)
            login = state.new_session(user)
        approved = request.form.get("action") == "approve"
        credential["decision"] = (login, approved)
        state.event(
            "device.approved" if approved else "device.denied", sub=login.user.sub, user_code=credential["user_code"],
            client_id=credential["client_id"],
        )
        text = "You may return to your device." if approved else "The device was not signed in."
        return with_session_cookie(page("Done", f"<p id='done'>{text}</p>"), login)

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo():
        header = flask.request.headers.get("Authorization", "")
        value = header[7:] if header[:7].lower() == "bearer " else ""
        token = state.tokens.get(value)
        if not token or token.kind != "access_token" or not token.is_valid():
            return flask.Response(
                "", status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        return flask.jsonify(token.login.user.claims_for(token.scope))

    @app.post("/revoke")
    def revoke():
        return server.create_endpoint_response(Revocation.ENDPOINT_NAME)

    @app.route("/end_session", methods=["GET", "POST"])
    def end_session():
        request = flask.request
        try:
            validated = server.validate_endpoint_request(EndSession.ENDPOINT_NAME)
        except OAuth2Error as error:
            return error_page(400, f"{error.error}: {error.description}")
        if validated.needs_confirmation and request.form.get("confirm") != "yes":
            # RP-Initiated Logout 6: without a valid id_token_hint, ask the person first.
            hidden = "".join(
                f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
                for k, v in request.values.items(multi=True) if k != "confirm"
            )
            body = (
                "<p>Sign out of the provider?</p><form method='post' action='/end_session'>"
                f"{hidden}<button id='confirm' name='confirm' value='yes' type='submit'>Sign out</button></form>"
            )
            return page("Sign out", body)
        response = server.create_endpoint_response(EndSession.ENDPOINT_NAME, validated)
        if response is None:
            response = page("Signed out", "<p id='done'>You are signed out.</p>")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # The admin API, for the tests.

    def admin_json(data, status=200):
        return flask.Response(json.dumps(data, sort_keys=True), status=status, content_type="application/json")

    @app.before_request
    def admin_guard():
        if not flask.request.path.startswith("/admin/"):
            return None
        wanted = state.config.get("admin_token")
        given = flask.request.headers.get("Authorization", "")
        if not wanted:
            return admin_json({"error": "the admin API is off: no admin_token"}, 404)
        if not hmac.compare_digest(given.encode(), f"Bearer {wanted}".encode()):
            return admin_json({"error": "wrong admin token"}, 401)
        return None

    @app.route("/admin/users/<sub>", methods=["GET", "PUT", "PATCH"])
    def admin_user(sub):
        request = flask.request
        if request.method == "PUT":
            state.users[sub] = User.from_json(sub, request.get_json())
            state.event("admin.user.set", sub=sub, enabled=state.users[sub].enabled)
        user = state.users.get(sub)
        if not user:
            return admin_json({"error": f"no user {sub}"}, 404)
        if request.method == "PATCH":
            change = request.get_json()
            if "enabled" in change:
                user.enabled = bool(change["enabled"])
            if "password" in change:
                user.password = change["password"]
            for name, value in change.get("claims", {}).items():
                if value is None:
                    user.claims.pop(name, None)
                else:
                    user.claims[name] = value
            state.event("admin.user.changed", sub=sub, enabled=user.enabled, change=sorted(change))
        return admin_json(user.as_json())

    @app.put("/admin/clients/<client_id>")
    def admin_client(client_id):
        data = dict(flask.request.get_json(), client_id=client_id)
        state.clients[client_id] = Client(data)
        state.event("admin.client.set", client_id=client_id)
        return admin_json(state.clients[client_id].as_json())

    @app.post("/admin/next-id-token")
    def admin_next_id_token():
        state.spoilers.append(flask.request.get_json())
        return admin_json({"queued": len(state.spoilers)})

    @app.get("/admin/events")
    def admin_events():
        return admin_json(state.events)

    return app


def serialized(app):
    """The WSGI app, one request at a time: the model is plain dictionaries, and a test provider needs no more."""
    lock = threading.Lock()

    def application(environ, start_response):
        with lock:
            return list(app(environ, start_response))

    return application


class PlainRequestLog(werkzeug.serving.WSGIRequestHandler):
    """Werkzeug's request log without its terminal colours: it goes to a file the tests show on failure."""

    def log_request(self, code="-", size="-"):
        log.info('"%s" %s %s', self.requestline, code, size)


def load_config(arguments):
    config = dict(DEFAULTS)
    clients, users = [], []
    if arguments.config:
        with open(arguments.config, encoding="utf-8") as file:
            data = json.load(file)
        clients += data.pop("clients", [])
        users += data.pop("users", [])
        unknown = set(data) - set(DEFAULTS)
        if unknown:
            raise SystemExit(f"oidc_provider: unknown settings in {arguments.config}: {', '.join(sorted(unknown))}")
        config.update(data)
    clients += [json.loads(text) for text in arguments.client]
    users += [json.loads(text) for text in arguments.user]
    if arguments.admin_token:
        config["admin_token"] = arguments.admin_token
    return config, clients, users


def main():
    parser = argparse.ArgumentParser(description="A real OpenID Connect provider for the tests, on loopback.")
    parser.add_argument("--config", help="a JSON file: clients, users and settings (see the module's doc)")
    parser.add_argument("--client", action="append", default=[], help="a client as a JSON object (repeatable)")
    parser.add_argument("--user", action="append", default=[], help="a user as a JSON object with sub (repeatable)")
    parser.add_argument("--admin-token", help="turns on the admin API under /admin/ for this bearer token")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="the port (default 0: a free one, reported)")
    parser.add_argument(
        "--exit-with-parent", action="store_true",
        help="stop when the process that started this one ends (a test runner that was killed)",
    )
    arguments = parser.parse_args()
    if not ipaddress.ip_address(arguments.host).is_loopback:
        parser.error("--host must be a loopback address: this provider is for tests")
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config, clients, users = load_config(arguments)
    global state
    state = State(config)
    for data in clients:
        state.clients[data["client_id"]] = Client(data)
    for data in users:
        state.users[data["sub"]] = User.from_json(data["sub"], data)

    server = AuthorizationServer()
    app = make_app(server)
    app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {grant: int(config["access_token_lifetime"]) for grant in GRANT_TYPES}
    server.init_app(app, query_client=lambda client_id: state.clients.get(client_id), save_token=save_token)
    server.register_grant(AuthorizationCodeGrant, [PKCE(required=True), OpenIDCodeExtension()])
    RefreshTokenGrant.INCLUDE_NEW_REFRESH_TOKEN = bool(config["rotate_refresh_tokens"])
    server.register_grant(RefreshTokenGrant, [with_id_token])
    server.register_grant(DeviceGrant, [with_id_token])
    server.register_endpoint(DeviceAuthorization)
    server.register_endpoint(Revocation)
    server.register_endpoint(EndSession)

    http = werkzeug.serving.make_server(
        arguments.host, arguments.port, serialized(app), threaded=True, request_handler=PlainRequestLog
    )
    host = f"[{arguments.host}]" if ":" in arguments.host else arguments.host
    state.issuer = issuer = f"http://{host}:{http.server_port}"

    def stop(*_):
        # shutdown() waits for serve_forever() to return, so not on the thread that runs it.
        threading.Thread(target=http.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if arguments.exit_with_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            log.info("the parent process ended: stopping")
            stop()

        threading.Thread(target=watch, daemon=True).start()

    print(f"listening on {issuer}", flush=True)
    log.info(
        "issuer %s, key id %s, %d clients, %d users", issuer, state.key.kid, len(state.clients), len(state.users)
    )
    http.serve_forever(poll_interval=0.2)
    http.server_close()


if __name__ == "__main__":
    main()
