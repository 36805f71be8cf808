"""AsyncAPI 2.6 and 3.0 documents as contracts: the channel by the URL's path, the message by its shape.

The document is read as describing the server. A connection's channel is the one whose address
matches the path it was opened on (parameters `{name}` match one path segment and must satisfy
their schema or `enum`; a server's base path may precede it); a channel whose address is not
known (3.0: `address: null` or none) matches any path after those that match. Per way a message
goes, its candidates are the channel's messages for that action: 2.x `publish` (to the server)
and `subscribe` (to the client), 3.0 operations `receive` and `send`, a `oneOf` giving several.
Among several, a discriminator (a property each payload fixes with `const` or a one-value `enum`,
or one named by `discriminator`) chooses; without one, the first that validates. What the
document uses that is not checked here is listed in `unsupported`; the rest is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator
from referencing.jsonschema import DRAFT7

from app.core.contracts.documents import ContractError, Documents, child
from app.core.contracts.schemas import SchemaCheck
from app.core.contracts.verdicts import Flow, Verdict

# Payload schema formats checked here, without their `;version=…` (AsyncAPI schemas extend draft-07).
_SCHEMA_FORMATS = ("application/vnd.aai.asyncapi", "application/vnd.aai.asyncapi+json",
                   "application/vnd.aai.asyncapi+yaml", "application/schema+json", "application/schema+yaml")
# Parts of a document that mean nothing for a WebSocket message's JSON payload, or are not applied here.
_NOT_CHECKED = {
    "traits": "traits are not applied",
    "headers": "message headers are not checked (a WebSocket message has none)",
    "correlationId": "correlation IDs are not checked",
    "bindings": "bindings are not used",
    "reply": "operation replies are not checked",
    "security": "security requirements are not checked",
}
# Examples a document offers the window's Library: each is saved there on the GUI thread, and a list of
# tens of thousands is no help to anyone picking one.
EXAMPLES_KEPT = 1000
_V2_FLOWS = {"publish": Flow.TO_SERVER, "subscribe": Flow.TO_CLIENT}
_V3_FLOWS = {"receive": Flow.TO_SERVER, "send": Flow.TO_CLIENT}


@dataclass
class Message:
    name: str
    check: SchemaCheck | None  # None: a message with no payload schema accepts anything
    discriminators: dict[str, Any] = field(default_factory=dict)  # property -> the value this message fixes


@dataclass(eq=False)  # one object per channel of the document, compared by identity
class Channel:
    name: str
    pattern: re.Pattern[str] | None  # None: the address is not known
    parameters: dict[str, SchemaCheck | list[Any] | None]  # a schema (2.x), an enum (3.0), or anything
    messages: dict[Flow, list[Message]] = field(default_factory=lambda: {Flow.TO_SERVER: [], Flow.TO_CLIENT: []})

    def matches(self, path: str) -> bool:
        if self.pattern is None:
            return True
        found = self.pattern.fullmatch(path.strip("/"))
        if found is None:
            return False
        return all(_parameter_allows(self.parameters.get(name), value) for name, value in found.groupdict().items())


def _parameter_allows(rule: SchemaCheck | list[Any] | None, text: str) -> bool:
    if rule is None:
        return True
    candidates: list[Any] = [text]
    try:
        candidates.append(json.loads(text))  # `42` for a parameter whose schema says integer
    except ValueError:
        pass  # not JSON: only the text itself is a candidate
    if isinstance(rule, list):
        return any(candidate in rule for candidate in candidates)
    return any(rule.is_valid(candidate) for candidate in candidates)


class AsyncApiContract:
    """An AsyncAPI document's channels and messages, checked per message by path and way."""

    def __init__(self, documents: Documents) -> None:
        self.name = documents.root.name
        self._documents = documents
        self._unsupported: dict[str, dict[str, None]] = {}  # reason → its places, each once, in reading order
        root = documents.root_value
        version = root.get("asyncapi")
        if not isinstance(version, str) or not version.startswith(("2.", "3.")):
            raise ContractError(f"{self.name}: asyncapi: version {version!r} is not supported (2.6 or 3.0)")
        self.version = version
        documents.check_references()
        self._root = documents.root_uri + "#"
        self._prefixes = self._server_paths(root)
        self.servers = _server_urls(root)
        self.examples: dict[str, Any] = {}  # a message's examples by name: what the window's Library offers
        self.examples_left_out = 0  # examples past EXAMPLES_KEPT, not offered
        self.channels = self._read_v2(root) if version.startswith("2.") else self._read_v3(root)

    @classmethod
    def load(cls, path: Path, value: Any = None) -> AsyncApiContract:
        """The contract in `path` (whose value may have been read already)."""
        return cls(Documents(path, DRAFT7, value))

    @property
    def unsupported(self) -> tuple[str, ...]:
        """What the document uses that is not checked: one line per kind, with where it first appears."""
        lines = []
        for reason, places in self._unsupported.items():
            more = f" and {len(places) - 1} more" if len(places) > 1 else ""
            lines.append(f"{reason}: {next(iter(places))}{more}")
        return tuple(lines)

    # -- reading -----------------------------------------------------------------------------------

    def _object(self, location: str, value: Any, what: str) -> tuple[str, dict[str, Any]]:
        location, value = self._documents.resolve(location, value)
        if not isinstance(value, dict):
            raise ContractError(f"{self._documents.describe(location)}: {what} must be an object, "
                                f"not {type(value).__name__}")
        for key, reason in _NOT_CHECKED.items():
            if key in value:
                self._not_checked(reason, child(location, key))
        return location, value

    def _not_checked(self, reason: str, location: str) -> None:
        """Note a place the checks skip; one read again through another `$ref` is noted once."""
        self._unsupported.setdefault(reason, {})[self._documents.describe(location)] = None

    def _members(self, location: str, value: dict[str, Any], key: str) -> tuple[str, dict[str, Any]]:
        members = value.get(key, {})
        if members is None:
            members = {}
        return self._object(child(location, key), members, key)

    def _server_paths(self, root: dict[str, Any]) -> list[str]:
        """The base paths of the servers (2.x from `url`, 3.0 `pathname`), longest first."""
        paths = {""}
        servers = root.get("servers")
        for server in (servers.values() if isinstance(servers, dict) else ()):
            if isinstance(server, dict):
                url = server.get("url") if isinstance(server.get("url"), str) else None
                path = urlsplit(url if "//" in url else "//" + url).path if url else server.get("pathname")
                if isinstance(path, str):
                    paths.add(path.strip("/"))
        return sorted(paths, key=len, reverse=True)

    def _channel(self, location: str, value: dict[str, Any], name: str, address: str | None) -> Channel:
        parameters: dict[str, SchemaCheck | list[Any] | None] = {}
        where, members = self._members(location, value, "parameters")
        for parameter, spec in members.items():
            at, spec = self._object(child(where, parameter), spec, "a parameter")
            if isinstance(spec.get("enum"), list):
                parameters[parameter] = spec["enum"]
            elif "schema" in spec:
                parameters[parameter] = self._schema(child(at, "schema"), spec["schema"])
            else:
                parameters[parameter] = None
        try:
            pattern = None if address is None else _address_pattern(address)
        except ContractError as error:
            raise ContractError(f"{self._documents.describe(location)}: {error}") from None
        return Channel(name, pattern, parameters)

    def _read_v2(self, root: dict[str, Any]) -> list[Channel]:
        channels = []
        where, members = self._members(self._root, root, "channels")
        for address, item in members.items():
            location, item = self._object(child(where, address), item, "a channel")
            channel = self._channel(location, item, address, address)
            for action, flow in _V2_FLOWS.items():
                if action in item:
                    at, operation = self._object(child(location, action), item[action], "an operation")
                    if "message" in operation:
                        channel.messages[flow] += self._messages(child(at, "message"), operation["message"])
            channels.append(channel)
        return channels

    def _read_v3(self, root: dict[str, Any]) -> list[Channel]:
        channels: dict[str, Channel] = {}
        channel_messages: dict[str, list[Message]] = {}
        where, members = self._members(self._root, root, "channels")
        for key, item in members.items():
            location, item = self._object(child(where, key), item, "a channel")
            address = item.get("address")
            if address is not None and not isinstance(address, str):
                raise ContractError(f"{self._documents.describe(child(location, 'address'))}: must be a string or null")
            channels[location] = channel = self._channel(location, item, key, address)
            channels.setdefault(child(where, key), channel)  # as operations may refer to it
            at, messages = self._members(location, item, "messages")
            channel_messages[location] = [message for name, body in messages.items()
                                          for message in self._messages(child(at, name), body, name)]
        where, operations = self._members(self._root, root, "operations")
        for key, operation in operations.items():
            location, operation = self._object(child(where, key), operation, "an operation")
            flow = _V3_FLOWS.get(operation.get("action"))  # type: ignore[arg-type]
            if flow is None:
                raise ContractError(f"{self._documents.describe(child(location, 'action'))}: "
                                    f"must be send or receive, not {operation.get('action')!r}")
            target, _ = self._object(child(location, "channel"), operation.get("channel"), "the channel")
            used = channels.get(target)
            if used is None:
                raise ContractError(f"{self._documents.describe(child(location, 'channel'))}: "
                                    "must refer to one of the document's channels")
            chosen = operation.get("messages")
            if chosen is None:
                used.messages[flow] += channel_messages.get(target, [])
                continue
            if not isinstance(chosen, list):
                raise ContractError(f"{self._documents.describe(child(location, 'messages'))}: must be a list")
            for index, reference in enumerate(chosen):
                used.messages[flow] += self._messages(child(child(location, "messages"), index), reference)
        return list(dict.fromkeys(channels.values()))

    def _messages(self, location: str, value: Any, name: str = "") -> list[Message]:
        """The message at `location`, or each of a `oneOf`."""
        reference = value.get("$ref") if isinstance(value, dict) else None
        location, value = self._object(location, value, "a message")
        if isinstance(value.get("oneOf"), list):
            return [message for index, item in enumerate(value["oneOf"])
                    for message in self._messages(child(child(location, "oneOf"), index), item)]
        if isinstance(reference, str) and not name:
            name = reference.rsplit("/", 1)[-1]
        name = next((value[key] for key in ("name", "messageId", "title") if isinstance(value.get(key), str)),
                    name or self._documents.describe(location))
        self._collect_examples(name, value.get("examples"))
        if "payload" not in value:
            return [Message(name, None)]
        at, payload = child(location, "payload"), value["payload"]
        schema_format = value.get("schemaFormat")
        if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:  # 3.0 multi-format
            schema_format, at, payload = payload["schemaFormat"], child(at, "schema"), payload["schema"]
        if schema_format is not None and str(schema_format).split(";")[0].strip() not in _SCHEMA_FORMATS:
            reason = f"payloads in {str(schema_format).split(';')[0]} are not checked"
            self._not_checked(reason, at)
            return []
        check = self._schema(at, payload)
        return [Message(name, check, self._fixed_properties(at, payload))]

    def _collect_examples(self, message: str, examples: Any) -> None:
        """A message's `examples` (each an object with a `payload`, and a `name` in 3.0) by a name to show."""
        for index, example in enumerate(examples if isinstance(examples, list) else (), start=1):
            if not isinstance(example, dict) or "payload" not in example:
                continue
            if len(self.examples) >= EXAMPLES_KEPT:
                self.examples_left_out += 1
                continue
            named = example.get("name") if isinstance(example.get("name"), str) else None
            self.examples.setdefault(f"{message}: {named}" if named else f"{message} example {index}",
                                     example["payload"])

    def _schema(self, location: str, value: Any) -> SchemaCheck:
        target, schema = self._documents.resolve(location, value)
        return SchemaCheck(self._documents, target, schema, Draft7Validator)

    def _fixed_properties(self, location: str, payload: Any) -> dict[str, Any]:
        """The properties whose value this payload fixes (`const`, a one-value `enum`): its discriminators."""
        _, schema = self._documents.resolve(location, payload)
        properties = schema.get("properties") if isinstance(schema, dict) else None
        fixed = {}
        for key, spec in (properties.items() if isinstance(properties, dict) else ()):
            _, spec = self._documents.resolve(child(child(location, "properties"), key), spec)
            if isinstance(spec, dict) and "const" in spec:
                fixed[key] = spec["const"]
            elif isinstance(spec, dict) and isinstance(spec.get("enum"), list) and len(spec["enum"]) == 1:
                fixed[key] = spec["enum"][0]
        named = schema.get("discriminator") if isinstance(schema, dict) else None
        if isinstance(named, dict):  # the OpenAPI spelling, {propertyName: …}
            named = named.get("propertyName")
        if isinstance(named, str) and named in fixed:
            return {named: fixed[named]}
        return fixed

    # -- checking ----------------------------------------------------------------------------------

    def channel_for(self, path: str | None) -> Channel | None:
        """The channel a connection opened on `path` uses (None: no channel matches)."""
        if path is None:
            return self.channels[0] if len(self.channels) == 1 else None
        path = path.strip("/")
        known = [channel for channel in self.channels if channel.pattern is not None]
        unknown = [channel for channel in self.channels if channel.pattern is None]
        for prefix in self._prefixes:
            if prefix and not (path == prefix or path.startswith(prefix + "/")):
                continue
            rest = path[len(prefix):]
            matching = [channel for channel in known if channel.matches(rest)]
            if matching:  # a literal address before one with parameters
                return min(matching, key=lambda channel: len(channel.parameters))
        return unknown[0] if unknown else None

    def check(self, value: Any, flow: Flow | None, path: str | None) -> Verdict | None:
        """The verdict on a message that went `flow` on a connection to `path`; None if the document has none."""
        channel = self.channel_for(path)
        if channel is None or flow is None:
            return None
        candidates = channel.messages[flow]
        if not candidates:
            return None
        if len(candidates) > 1 and isinstance(value, dict):
            chosen = [message for message in candidates if message.discriminators and all(
                key in value and value[key] == fixed for key, fixed in message.discriminators.items())]
            if len(chosen) == 1:
                candidates = chosen
        if len(candidates) == 1:
            message = candidates[0]
            return message.check.verdict(message.name, value) if message.check else Verdict(message.name)
        verdicts = [message.check.verdict(message.name, value) if message.check else Verdict(message.name)
                    for message in candidates]
        valid = next((verdict for verdict in verdicts if verdict.valid), None)
        if valid is not None:
            return valid
        closest = min(verdicts, key=lambda verdict: verdict.count)
        return Verdict(f"{closest.message} (the closest of {len(verdicts)})", closest.violations, closest.more,
                       closest.uncounted)


def _server_urls(root: dict[str, Any]) -> list[str]:
    """The document's WebSocket servers as URLs (2.x `url`, 3.0 `host` and `pathname`), in its order."""
    urls = []
    servers = root.get("servers")
    for server in (servers.values() if isinstance(servers, dict) else ()):
        if not isinstance(server, dict) or server.get("protocol") not in ("ws", "wss"):
            continue
        url = server.get("url") if isinstance(server.get("url"), str) else None
        if url is None and isinstance(server.get("host"), str):
            pathname = server.get("pathname") if isinstance(server.get("pathname"), str) else ""
            url = server["host"] + pathname
        if url:
            urls.append(url if "://" in url else f"{server['protocol']}://{url}")
    return urls


def _address_pattern(address: str) -> re.Pattern[str]:
    """`/ws/{room}` as a pattern over a path without its outer slashes; a parameter is one segment at most.

    A parameter stops at the first character of the text after it (`{name}.json`: a name holds no
    dot), so a path matches one way only: with parameters free to take any share of a segment, a
    document's `/{a}-{b}-{c}…` made each check of a long path take exponential time.
    """
    parts = re.split(r"\{([^{}]+)\}", address.strip("/"))
    pattern = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pattern.append(re.escape(part))
            continue
        after = parts[index + 1]
        if not after and index + 2 < len(parts):
            raise ContractError(f"channel address {address!r}: parameters {{{part}}}{{{parts[index + 2]}}} need "
                                "text between them")
        pattern.append(f"(?P<{_group(part)}>[^/{re.escape(after[:1])}]+)")
    return re.compile("".join(pattern))


def _group(name: str) -> str:
    if not name.isidentifier():
        raise ContractError(f"channel parameter {{{name}}}: a parameter name must be letters, digits and _")
    return name
