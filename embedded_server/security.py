"""The access guard: what keeps a web page the user visits from driving the localhost server.

Browsers let any page open a WebSocket to 127.0.0.1 (cross-site WebSocket
hijacking), and a hostile DNS name can be rebound to 127.0.0.1 (DNS rebinding).
So every request must name an allowed Host, a browser's Origin must be the
server's own origin or an allow-listed one (`null` never is), and when the
server listens beyond loopback a token is required. Native clients send no
Origin and are accepted. A refused WebSocket is closed before `accept`, which
uvicorn answers with HTTP 403 — and the traffic tap outside records it.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

ASGIApp = Any
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(18)


def _host_name(value: str) -> str:
    """`example.com:8765` → `example.com`; `[::1]:8765` → `[::1]`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


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
        self.allowed_hosts = {h.lower() for h in (*LOOPBACK_NAMES, bind_host, *allowed_hosts)}
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}

    def refusal(self, scope: dict[str, Any]) -> str | None:
        """Why this request must be refused, or None."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        host = headers.get("host")
        if host is None or _host_name(host) not in self.allowed_hosts:
            return f"Host {host!r} is not allowed (DNS rebinding protection)"
        origin = headers.get("origin")
        if origin is not None and scope["type"] == "websocket" and not self._origin_allowed(origin, scope):
            return f"Origin {origin!r} is not allowed (cross-site WebSocket protection)"
        if self.token is not None and not self._token_matches(scope, headers):
            return "Missing or wrong access token"
        return None

    def _origin_allowed(self, origin: str, scope: dict[str, Any]) -> bool:
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        if origin == "null" or "://" not in origin:
            return False
        scheme, _, netloc = origin.partition("://")
        server = scope.get("server") or (None, None)
        default_port = {"http": 80, "https": 443}.get(scheme)
        name = _host_name(netloc)
        port_text = netloc[len(name) + 1:] if len(netloc) > len(name) else ""
        port = int(port_text) if port_text.isdigit() else default_port
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
        reason = self.refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
        else:
            body = (reason + "\n").encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
