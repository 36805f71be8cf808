"""How one inspector connection is opened: everything a user can configure for it.

A plain frozen record, shared read-only between the GUI and the client thread and
saved as a profile through `to_dict`/`from_dict`. It knows how to turn itself into
what the `websockets` client needs (URL, headers, TLS context) and how long to wait
before the next reconnection attempt; it opens no socket itself.
"""

from __future__ import annotations

import json
import random
import re
import ssl
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.core.errors import SocketScopeError
from app.core.json_query import FilterError, compile_query
from app.core.protocols import PROTOCOLS

MiB = 1024 * 1024
# Big enough for the 64 MiB messages the inspector promises to open;
# the library's 1 MiB default would close such a connection with 1009.
DEFAULT_MAX_SIZE = 256 * MiB

AUTH_NONE, AUTH_BEARER, AUTH_BASIC = "none", "bearer", "basic"
AUTH_KINDS = (AUTH_NONE, AUTH_BEARER, AUTH_BASIC)
SECRET_FIELDS = ("bearer_token", "password")

AUTO_PROTOCOL, RAW_PROTOCOL = "auto", "raw"


def protocol_choices() -> list[str]:
    """What `protocol` may be: detect, none, or a registered protocol (app/core/protocols)."""
    return [AUTO_PROTOCOL, RAW_PROTOCOL, *PROTOCOLS]


_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token: header names, subprotocols


class OptionsError(SocketScopeError, ValueError):
    """The options cannot open a connection; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    url: str
    query: tuple[tuple[str, str], ...] = ()  # appended to the URL's own query
    headers: tuple[tuple[str, str], ...] = ()
    subprotocols: tuple[str, ...] = ()
    auth: str = AUTH_NONE
    bearer_token: str = ""
    username: str = ""
    password: str = ""
    ca_file: str = ""  # trusted in addition to the system's certificate authorities
    client_cert: str = ""
    client_key: str = ""  # empty: the key is in the certificate file
    insecure: bool = False  # accept any server certificate: an explicit choice, never the default
    max_size: int = DEFAULT_MAX_SIZE  # bytes; 0: no limit
    compression: bool = False  # permessage-deflate costs 10-30x throughput on large messages
    ping_interval: float = 20.0  # seconds; 0: no keepalive pings
    ping_timeout: float = 20.0  # seconds without a pong before the connection is dropped; 0: wait forever
    reconnect: bool = False
    reconnect_initial: float = 1.0  # seconds before the first attempt
    reconnect_max: float = 30.0  # the backoff never waits longer than this
    on_connect: tuple[str, ...] = ()  # text messages sent after every successful connect, in order
    protocol: str = AUTO_PROTOCOL  # what the frames are read as: detected, raw, or a registered protocol's name
    socketio_namespace: str = "/"  # the namespace a Socket.IO connection joins
    socketio_auth: str = ""  # a JSON object sent with the namespace connect; empty: none
    pair_request: str = ""  # a home-grown protocol's request id, as a JSONPath ($.request_id); with pair_reply
    pair_reply: str = ""  # …and where its reply names it ($.in_reply_to)
    contract: str = ""  # a JSON Schema or AsyncAPI file its messages are checked against; empty: none
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # unknown profile keys, kept

    # -- checking ------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Everything wrong with these options, each as a sentence; empty when they can be used."""
        found = []
        parts = urlsplit(self.url.strip())
        if parts.scheme not in ("ws", "wss"):
            found.append(f"Not a WebSocket URL: {self.url or '(empty)'} (use ws:// or wss://)")
        elif not parts.hostname:
            found.append(f"The URL {self.url} names no host")
        else:
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                found.append(f"The URL {self.url} has an invalid port")
        for name, value in self.headers:
            if not _TOKEN.match(name):
                found.append(f"Header name {name!r} is not valid (letters, digits and !#$%&'*+-.^_`|~ only)")
            if "\r" in value or "\n" in value:
                found.append(f"Header {name} contains a line break")
        for name, _ in self.query:
            if not name:
                found.append("A query parameter has no name")
        for protocol in self.subprotocols:
            if not _TOKEN.match(protocol):
                found.append(f"Subprotocol {protocol!r} is not a valid token")
        if self.auth not in AUTH_KINDS:
            found.append(f"Unknown authentication {self.auth!r} (one of {', '.join(AUTH_KINDS)})")
        if self.protocol not in protocol_choices():
            found.append(f"Unknown protocol {self.protocol!r} (one of {', '.join(protocol_choices())})")
        if self.auth != AUTH_NONE and any(n.lower() == "authorization" for n, _ in self.headers):
            found.append("Authorization is set twice: as a header and by the authentication choice")
        if self.auth == AUTH_BEARER and not self.bearer_token:
            found.append("Bearer authentication needs a token")
        if self.auth == AUTH_BASIC and not self.username:
            found.append("Basic authentication needs a user name")
        if self.auth == AUTH_BASIC and ":" in self.username:
            found.append("A Basic authentication user name cannot contain ':'")
        if self.client_key and not self.client_cert:
            found.append("A client key needs its client certificate")
        if self.max_size < 0:
            found.append("The maximum message size cannot be negative")
        if self.ping_interval < 0 or self.ping_timeout < 0:
            found.append("Ping interval and timeout cannot be negative")
        if self.reconnect_initial <= 0 or self.reconnect_max < self.reconnect_initial:
            found.append("Reconnect delays: the first must be positive and the longest at least the first")
        if not self.socketio_namespace.startswith("/") or "," in self.socketio_namespace:
            found.append(f"Socket.IO namespace {self.socketio_namespace!r} must start with / and hold no comma")
        if bool(self.pair_request) != bool(self.pair_reply):
            found.append("A pairing rule needs both JSONPaths: the request's id and where the reply names it")
        for path in (self.pair_request, self.pair_reply):
            if path:
                try:
                    compile_query(path)
                except FilterError as error:
                    found.append(f"Pairing rule: {error}")
        if self.socketio_auth and not isinstance(self.socketio_auth_value(), dict):
            found.append("Socket.IO auth must be a JSON object")
        return found

    def socketio_auth_value(self) -> Any:
        """The Socket.IO auth as a JSON value; None when empty or not JSON (`problems` says so)."""
        if not self.socketio_auth:
            return None
        try:
            return json.loads(self.socketio_auth)
        except (ValueError, RecursionError):
            return None

    def check(self) -> None:
        """Raise `OptionsError` naming every problem, or return."""
        found = self.problems()
        if found:
            raise OptionsError("; ".join(found))

    # -- what the websockets client needs ------------------------------------------------------

    @property
    def secure(self) -> bool:
        return self.url.strip().lower().startswith("wss:")

    def effective_url(self) -> str:
        """The URL with the extra query parameters appended (percent-encoded)."""
        url = self.url.strip()
        if not self.query:
            return url
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True) + list(self.query)
        return urlunsplit(parts._replace(query=urlencode(query)))

    def request_headers(self) -> list[tuple[str, str]]:
        """The handshake's extra headers, the Authorization header from the auth choice included."""
        headers = list(self.headers)
        if self.auth == AUTH_BEARER:
            headers.append(("Authorization", f"Bearer {self.bearer_token}"))
        elif self.auth == AUTH_BASIC:
            # The library's own encoding; imported here, as the connections import it (app/net/client_connection.py).
            from websockets.headers import build_authorization_basic  # noqa: PLC0415

            headers.append(("Authorization", build_authorization_basic(self.username, self.password)))
        return headers

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for a wss:// URL (None for ws://); reads the certificate files.

        Raises `OptionsError` with the file at fault when one cannot be loaded.
        """
        if not self.secure:
            return None
        context = ssl.create_default_context()
        if self.ca_file:
            try:
                context.load_verify_locations(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as error:
                raise OptionsError(f"Cannot load the CA file {self.ca_file}: {_reason(error)}") from error
        if self.client_cert:
            try:
                context.load_cert_chain(self.client_cert, self.client_key or None)
            except (OSError, ssl.SSLError) as error:
                raise OptionsError(
                    f"Cannot load the client certificate {self.client_cert}"
                    + (f" with key {self.client_key}" if self.client_key else "") + f": {_reason(error)}"
                ) from error
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def reconnect_delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before reconnection attempt `attempt` (0-based).

        Exponential backoff capped at `reconnect_max`, with jitter: a random point in
        the upper half, so many clients of one restarted server do not return at once.
        """
        ceiling = min(self.reconnect_max, self.reconnect_initial * 2 ** min(attempt, 32))
        return (rng or random).uniform(ceiling / 2, ceiling)

    # -- profiles --------------------------------------------------------------------------------

    def to_dict(self, include_secrets: bool = True) -> dict[str, Any]:
        """Plain JSON-ready data; `include_secrets=False` blanks the token and password."""
        data = asdict(self)
        extra = data.pop("extra")
        data["query"] = [list(pair) for pair in self.query]
        data["headers"] = [list(pair) for pair in self.headers]
        data["subprotocols"] = list(self.subprotocols)
        data["on_connect"] = list(self.on_connect)
        if not include_secrets:
            for name in SECRET_FIELDS:
                data[name] = ""
        return {**extra, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConnectionOptions:
        """Read what `to_dict` wrote; missing keys take their defaults, unknown keys are kept.

        Raises `OptionsError` naming the field whose value has the wrong type.
        """
        if not isinstance(data, dict):
            raise OptionsError(f"A connection profile must be an object, not {type(data).__name__}")
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {}
        for name in known & data.keys():
            values[name] = _coerce(name, data[name], _DEFAULTS[name])
        if "url" not in values:
            raise OptionsError("A connection profile needs a url")
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})


_DEFAULTS = {f.name: f.default for f in fields(ConnectionOptions) if f.name != "extra"}


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Check one profile value against the type of the field's default."""
    wrong = OptionsError(f"Profile field {name!r} has the wrong type: {value!r}")
    if name == "url" or isinstance(default, str):
        if not isinstance(value, str):
            raise wrong
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong
        if isinstance(default, int) and not float(value).is_integer():
            raise wrong
        return type(default)(value)
    if name in ("query", "headers"):
        if not isinstance(value, list | tuple) or not all(
            isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in value
        ):
            raise wrong
        return tuple((a, b) for a, b in value)
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
        raise wrong
    return tuple(value)


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError):
        return error.reason or str(error)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


__all__ = ["AUTH_BASIC", "AUTH_BEARER", "AUTH_NONE", "ConnectionOptions", "DEFAULT_MAX_SIZE", "OptionsError"]
