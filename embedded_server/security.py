"""The access guard: what keeps a web page the user visits from driving the localhost server.

Browsers let any page open a WebSocket to 127.0.0.1 (cross-site WebSocket
hijacking), and a hostile DNS name can be rebound to 127.0.0.1 (DNS rebinding).
So every request must carry a well-formed Host (HTTP 400 otherwise); without a
token it must name a loopback or allow-listed host; a browser's Origin must be
the server's own origin or an allow-listed one (`null` never); and when the
server listens beyond loopback a token is required. With a token, the token is
the protection, so any well-formed Host is accepted: a machine is reached under
names and addresses the server cannot know. Native clients send no Origin and
are accepted. A refused WebSocket is answered with an HTTP status and the reason
as its body — and the traffic tap outside records it.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

ASGIApp = Any
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_HOST = re.compile(r"(?P<name>\[[^\[\]]*\]|[A-Za-z0-9._~-]+)(?::(?P<port>[0-9]{0,5}))?")
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(18)


def parse_host(value: str) -> tuple[str, int | None] | None:
    """A Host header (or an origin's authority) as (lower-case name, port), or None when malformed.

    `example.com:8765` → ("example.com", 8765); `[::1]` → ("[::1]", None). Malformed: a bracket
    that is not a valid IPv6 address, anything after it but a port, a port beyond 65535.
    """
    match = _HOST.fullmatch(value.strip())
    if match is None:
        return None
    name, port_text = match["name"].lower(), match["port"]
    if name.startswith("["):
        try:
            ipaddress.IPv6Address(name[1:-1].replace("%25", "%", 1))
        except ValueError:
            return None
    port = int(port_text) if port_text else None
    if port is not None and port > 65535:
        return None
    return name, port


def host_name(host: str) -> str:
    """How an allowed host is written in a Host header: lower case, an IPv6 address in brackets, no port."""
    host = host.strip().lower()
    try:
        ipaddress.IPv6Address(host)
        return f"[{host}]"
    except ValueError:
        parsed = parse_host(host)
        return parsed[0] if parsed is not None else host


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int  # 400: the request is malformed; 403: it is well-formed but not allowed
    reason: str


class AccessGuard:
    """ASGI middleware: check Host, Origin and (optionally) a token before the app sees a request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        bind_host: str = "127.0.0.1",
        token: str | None = None,
        allowed_origins: Iterable[str] = (),
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = {host_name(h) for h in (*LOOPBACK_NAMES, bind_host, *allowed_hosts)}
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}

    def refusal(self, scope: dict[str, Any]) -> Refusal | None:
        """Why this request must be refused, or None."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        host = headers.get("host")
        parsed = parse_host(host) if host is not None else None
        if parsed is None:
            return Refusal(400, f"Host {host!r} is missing or malformed")
        if self.token is None and parsed[0] not in self.allowed_hosts:
            return Refusal(403, f"Host {host!r} is not allowed (DNS rebinding protection)")
        origin = headers.get("origin")
        if origin is not None and scope["type"] == "websocket" and not self._origin_allowed(origin, parsed, scope):
            return Refusal(403, f"Origin {origin!r} is not allowed (cross-site WebSocket protection)")
        if self.token is not None and not self._token_matches(scope, headers):
            return Refusal(403, "Missing or wrong access token")
        return None

    def _origin_allowed(self, origin: str, host: tuple[str, int | None], scope: dict[str, Any]) -> bool:
        """An allow-listed origin, or the server's own: the Host it was reached under, or a loopback name."""
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        scheme, separator, authority = origin.partition("://")
        parsed = parse_host(authority) if separator and scheme in ("http", "https") else None
        if parsed is None:
            return False  # `null`, a file: page, garbage
        name, port = parsed[0], parsed[1] or _DEFAULT_PORTS[scheme]
        own = (host[0], host[1] or _DEFAULT_PORTS.get(scope.get("scheme", "ws"), 80))
        if (name, port) == own:
            return True
        server = scope.get("server") or (None, None)
        return name in self.allowed_hosts and port == server[1]

    def _token_matches(self, scope: dict[str, Any], headers: dict[str, str]) -> bool:
        offered = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            offered = authorization[7:].strip()
        assert self.token is not None
        return secrets.compare_digest(offered.encode(), self.token.encode())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = (refusal.reason + "\n").encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await receive()  # websocket.connect
        if "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": refusal.status, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:  # a server without the response extension answers a close before accept with 403
            await send({"type": "websocket.close", "code": 1008, "reason": refusal.reason[:120]})
