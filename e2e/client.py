"""The one HTTP client of the end-to-end tests (live checks, browser set-up, faults).

One request on a fresh connection: redirects are not followed and every status comes
back as a `Reply`, so each test decides what an answer means. Connection failures and
timeouts raise OSError (socket.timeout is one), which the fault tests count on.
"""
from __future__ import annotations

import http.client
import json
import time
import urllib.parse

PASSWORD = "baton-demo"
# No body at all (as opposed to `None`, which is sent as JSON `null`).
ABSENT = object()


class Headers(dict):
    """Response headers, looked up ignoring case (`Location` or `location`)."""

    def __init__(self, pairs):
        super().__init__()
        for name, value in pairs:
            key = name.lower()
            # Repeated headers (Set-Cookie) are kept, joined as HTTP allows.
            super().__setitem__(key, value if key not in self else self[key] + ", " + value)
        self.raw = list(pairs)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return super().__contains__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def all(self, name):
        """Every value of a header that may repeat (Set-Cookie)."""
        return [v for k, v in self.raw if k.lower() == name.lower()]


class Reply:
    def __init__(self, status: int, headers: Headers, body: bytes, elapsed: float):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    @property
    def data(self) -> bytes:
        return self.body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:300]!r})"


def request(base: str, method: str, path: str, body=ABSENT, token=None, headers=None, cookie=None,
            raw: bytes | None = None, content_type: str | None = None, timeout: float = 60.0) -> Reply:
    """`body` goes as JSON; `raw` as it is, with `content_type` (CSV by default);
    `cookie` is a session token sent as the `baton_session` cookie."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = {}
    data = None
    if raw is not None:
        data = raw
        h["Content-Type"] = content_type or "text/csv"
    elif body is not ABSENT:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = "Bearer " + token
    if cookie:
        h["Cookie"] = "baton_session=" + cookie
    h.update(headers or {})
    began = time.monotonic()
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        return Reply(resp.status, Headers(resp.getheaders()), payload, time.monotonic() - began)
    finally:
        conn.close()


class Refused(Exception):
    """A call that had to succeed did not: its status and body."""

    def __init__(self, reply: Reply, what: str):
        super().__init__(f"{what}: {reply.status} {reply.body[:300]!r}")
        self.status = reply.status
        self.reply = reply


def ok(reply: Reply, what: str):
    """The JSON of a 2xx answer; anything else fails the test, saying what was asked."""
    if not 200 <= reply.status < 300:
        raise Refused(reply, what)
    return reply.json


def sign_in(base: str, email: str, password: str = PASSWORD) -> str:
    return ok(request(base, "POST", "/api/v1/sessions", {"email": email, "password": password}), f"sign in as {email}")["token"]
