"""The reviewers' login of `gongkai serve`: one shared password, sessions bound to it, guessing slowed.

- The password is held in a `Secret`, whose repr never shows it (tracebacks, logs, debuggers).
- The signed `ds_actor` cookie carries an HMAC of the current password (keyed by the server's
  signing secret, so a cookie reveals nothing to guess from); every write checks it, so changing or
  removing the password revokes old cookies even with a fixed DATASETTE_SECRET.
- Failed logins back off exponentially per client and globally (answer 429 while backing off).
- The login form needs Datasette's CSRF token even without cookies (asgi-csrf lets a POST without
  any cookie through; a login must not be forged either); `next` must be a same-site path.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from datasette import Response
from datasette.utils import baseconv

LOGIN_DAYS = 7
SESSION_KEY = "gongkai_pw"
DEFAULT_NEXT = "/-/gongkai"


class Secret:
    """A string that never prints: repr/str show a placeholder; `.reveal()` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", hashlib.sha256(self._value.encode()).digest()))


def password_fingerprint(signing_secret: str, password: Secret | None) -> str | None:
    """What a session cookie holds of the password: HMAC(signing secret, password)."""
    if password is None:
        return None
    return hmac.new(signing_secret.encode(), b"gongkai-review-session\0" + password.reveal().encode(),
                    hashlib.sha256).hexdigest()[:32]


def session_valid(datasette, actor: dict | None) -> bool:
    """A reviewer actor whose cookie was issued under the password the server runs with now."""
    cfg = getattr(datasette, "gongkai_config", None)
    if not cfg or not actor or not actor.get("gongkai_reviewer"):
        return False
    expected = password_fingerprint(datasette._secret, cfg.password)
    got = actor.get(SESSION_KEY)
    return bool(expected and isinstance(got, str) and hmac.compare_digest(got, expected))


# ----------------------------------------------------------------------------- back-off


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


class LoginThrottle:
    """Failed logins per client and in total; after `free` failures each one doubles the wait.

    Per client: `free_per_client` failures, then 1, 2, 4 … s (at most `max_wait`). Globally (many
    clients guessing together): `free_global` failures per `window` s, then the same doubling for
    everyone. A success clears the client. Bounded memory: the oldest clients are forgotten.
    """

    def __init__(self, free_per_client: int = 5, free_global: int = 50, window: float = 60.0,
                 max_wait: float = 300.0, max_clients: int = 10_000, clock=time.monotonic) -> None:
        self.free_per_client, self.free_global, self.window = free_per_client, free_global, window
        self.max_wait, self.max_clients, self.clock = max_wait, max_clients, clock
        self._clients: OrderedDict[str, _Failures] = OrderedDict()
        self._global = _Failures()
        self._window_start = 0.0
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must wait before its next try (0 = go ahead)."""
        now = self.clock()
        with self._lock:
            mine = self._clients.get(client)
            return max(0.0, (mine.blocked_until if mine else 0.0) - now, self._global.blocked_until - now)

    def _backoff(self, count: int, free: int) -> float:
        return 0.0 if count <= free else min(self.max_wait, 2.0 ** (count - free - 1))

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            mine = self._clients.pop(client, None) or _Failures()
            mine.count += 1
            mine.last = now
            mine.blocked_until = now + self._backoff(mine.count, self.free_per_client)
            self._clients[client] = mine
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            if now - self._window_start > self.window and now >= self._global.blocked_until:
                self._window_start, self._global.count = now, 0
            self._global.count += 1
            self._global.blocked_until = max(self._global.blocked_until,
                                             now + self._backoff(self._global.count, self.free_global))

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)


def throttle_of(datasette) -> LoginThrottle:
    """The server's one throttle (made on first use)."""
    throttle = getattr(datasette, "gongkai_throttle", None)
    if throttle is None:
        throttle = datasette.gongkai_throttle = LoginThrottle()
    return throttle


# ----------------------------------------------------------------------------- next=


def safe_next(target: str | None) -> str:
    """`next` only as a path on this site: no scheme, no //host or /\\host, no control characters
    or whitespace (browsers drop tabs and newlines, turning "/\\t/host" into "//host")."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return DEFAULT_NEXT
    if target.startswith(("//", "/\\")) or "\\" in target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return DEFAULT_NEXT
    from urllib.parse import urlsplit

    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return target


# ----------------------------------------------------------------------------- the view


def _client(request) -> str:
    client = request.scope.get("client")
    return str(client[0]) if client else "?"


def _csrf_ok(request, form: dict) -> bool:
    """The form's token against Datasette's (asgi-csrf) for this request; without a csrf cookie
    the scope's token is new, so a forged cross-site POST never matches."""
    expected = request.scope.get("csrftoken")
    token = form.get("csrftoken") or ""
    return bool(expected and token) and secrets.compare_digest(token, expected())


async def _page(datasette, request, context: dict[str, Any], status: int = 200, headers=None) -> Response:
    cfg = datasette.gongkai_config
    html = await datasette.render_template("gongkai_login.html", {"db_name": cfg.db_name, **context},
                                           request=request)
    return Response.html(html, status=status, headers=headers)


async def login(datasette, request) -> Response:
    """A reviewer logs in with the shared review password; the signed ds_actor cookie carries who it
    is and the fingerprint of the password it was issued under."""
    cfg = datasette.gongkai_config
    throttle = throttle_of(datasette)
    context: dict[str, Any] = {"enabled": cfg.password is not None, "error": None,
                               "next": safe_next(request.args.get("next"))}
    if request.method != "POST":
        return await _page(datasette, request, context)
    form = await request.post_vars()
    context["next"] = safe_next(form.get("next"))
    if not _csrf_ok(request, form):
        context["error"] = "The form expired or did not come from this site: reload the page and log in again."
        return await _page(datasette, request, context, status=403)
    if cfg.password is None:
        context["error"] = ("Reviewing is switched off: start gongkai serve with GONGKAI_REVIEW_PASSWORD "
                            "or --password-file.")
        return await _page(datasette, request, context, status=403)
    client = _client(request)
    wait = throttle.wait(client)
    if wait > 0:
        context["error"] = f"Too many failed logins: try again in {int(wait) + 1} s."
        return await _page(datasette, request, context, status=429, headers={"Retry-After": str(int(wait) + 1)})
    user = (form.get("username") or "").strip()
    if not user:
        context["error"] = "Say who you are (your name is recorded with each decision)."
        return await _page(datasette, request, context, status=403)
    if not hmac.compare_digest((form.get("password") or "").encode(), cfg.password.reveal().encode()):
        throttle.failed(client)
        context["error"] = "Wrong password."
        return await _page(datasette, request, context, status=403)
    throttle.succeeded(client)
    response = Response.redirect(context["next"])
    expires = baseconv.base62.encode(int(time.time()) + LOGIN_DAYS * 86400)
    actor = {"id": user[:100], "gongkai_reviewer": True,
             SESSION_KEY: password_fingerprint(datasette._secret, cfg.password)}
    response.set_cookie("ds_actor", datasette.sign({"a": actor, "e": expires}, "actor"),
                        httponly=True, samesite="lax", max_age=LOGIN_DAYS * 86400)
    return response


ROUTES = [(r"^/-/gongkai/login$", login)]
