"""HAR 1.2 export and import of WebSocket traffic, in the form Chrome DevTools writes it.

A HAR file describes HTTP requests; Chrome (and mitmproxy) add a WebSocket's messages to
the request that opened it: one entry per connection with ``"_resourceType": "websocket"``
and ``"_webSocketMessages": [{"type": "send"|"receive", "time", "opcode": 1|2, "data"}]``,
``time`` in seconds since the epoch, ``data`` the text, or base64 for a binary message.

A HAR entry is the client's view of its connection: ``send`` is what the client sent.
SocketScope records connections on both sides, so a frame the embedded server sent
(``server#N``) is a ``receive`` of its entry, and a frame it received a ``send``.

HAR has no place for close frames, pings or SocketScope's connection events, nor for
which side recorded a connection. SocketScope keeps them in an ``_socketscope`` member
of the entry (``connection``, ``side`` and ``frames``, each frame a JSONL record with
``at``, the number of messages that precede it), so its own HAR files read back exactly
while other tools simply ignore the member. The full mapping is in docs/formats.md.

Import is forgiving: entries and messages with wrong types or bad base64 are skipped and
reported, plain HTTP entries are counted and passed over, and a truncated or broken file
gives up the complete entries before the damage.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import http
import json
import re
from array import array
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from app import __version__
from app.core.capture import CaptureStore
from app.core.errors import SocketScopeError
from app.core.frames import Direction, Frame, Opcode, Side
from app.core.jsonl import SIDE_NAMES, ImportReport, RecordError, epoch_seconds, frame_to_record, record_to_frame

EXTENSION = "_socketscope"
# HAR's `type` is the client's view: what the connection's client sent is `send`, whichever side recorded it.
MESSAGE_TYPES = {
    (Side.CLIENT, Direction.SENT): "send", (Side.CLIENT, Direction.RECEIVED): "receive",
    (Side.SERVER, Direction.SENT): "receive", (Side.SERVER, Direction.RECEIVED): "send",
}
_DIRECTIONS = {(side, kind): direction for (side, direction), kind in MESSAGE_TYPES.items()}
MESSAGE_OPCODES = {Opcode.TEXT: 1, Opcode.BINARY: 2}
_SIDES = {name: side for side, name in SIDE_NAMES.items()}
_EVENTS = (Opcode.OPEN, Opcode.REFUSED, Opcode.ERROR)

Progress = Callable[[int, int], None]


# -- export ------------------------------------------------------------------------------------


def _iso_time(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _header_list(headers: Any) -> list[dict[str, str]]:
    if not isinstance(headers, dict):
        return []
    return [{"name": str(name), "value": str(value)} for name, value in headers.items()]


def _event_details(payload: str | bytes) -> dict[str, Any]:
    if isinstance(payload, bytes):
        return {}
    try:
        details = json.loads(payload)
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


def _url_of(details: dict[str, Any]) -> str:
    """The URL the connection was opened to: given by the inspector, rebuilt for the server's."""
    url = details.get("url")
    if isinstance(url, str) and url:
        return url
    headers = details.get("headers")
    host = headers.get("host") if isinstance(headers, dict) else None
    path = details.get("path")
    if isinstance(host, str) and isinstance(path, str):
        query = details.get("query")
        return f"ws://{host}{path}" + (f"?{query}" if isinstance(query, str) and query else "")
    return ""


def _connection_events(store: CaptureStore, wanted: Iterable[int]) -> dict[int, int]:
    """For each wanted connection, the row of its open event (else refusal, else error)."""
    wanted = set(wanted)
    found: dict[int, int] = {}
    connection_ids, opcodes = store.connection_ids, store.opcodes
    first_event, open_event = int(min(_EVENTS)), int(Opcode.OPEN)  # plain ints compare faster
    for row in store.rows():
        opcode = opcodes[row]
        if opcode < first_event:
            continue
        connection = connection_ids[row]
        if connection not in wanted:
            continue
        known = found.get(connection)
        if known is None or (opcodes[known] != open_event and opcode == open_event):
            found[connection] = row
    return found


def _entry_head(store: CaptureStore, rows: array[int], event_row: int | None) -> dict[str, Any]:
    """Everything of an entry but its messages, from the connection's open event when known."""
    details = _event_details(store.payloads[event_row]) if event_row is not None else {}
    opcode = store.opcodes[event_row] if event_row is not None else None
    if opcode == Opcode.OPEN:
        status, status_text = 101, "Switching Protocols"
    elif opcode == Opcode.REFUSED and isinstance(details.get("status"), int):
        status = details["status"]
        try:
            status_text = http.HTTPStatus(status).phrase
        except ValueError:
            status_text = ""
    else:
        status, status_text = 0, ""
    url = _url_of(details)
    started = store.wall_times[event_row] if event_row is not None else store.wall_times[rows[0]]
    try:
        query = [{"name": name, "value": value} for name, value in parse_qsl(urlsplit(url).query)]
    except ValueError:
        query = []
    return {
        "startedDateTime": _iso_time(min(started, store.wall_times[rows[0]])),
        "time": 0,
        "request": {
            "method": "GET", "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": _header_list(details.get("headers")), "queryString": query,
            "headersSize": -1, "bodySize": 0,
        },
        "response": {
            "status": status, "statusText": status_text, "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": _header_list(details.get("response_headers")),
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "", "headersSize": -1, "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "_resourceType": "websocket",
    }


def message_of(frame: Frame) -> dict[str, Any] | None:
    """The frame as a Chrome `_webSocketMessages` item, or None if HAR cannot hold it."""
    kind = MESSAGE_TYPES.get((frame.side, frame.direction))
    opcode = MESSAGE_OPCODES.get(frame.opcode)
    if kind is None or opcode is None:
        return None
    payload = frame.payload
    data = base64.b64encode(payload).decode("ascii") if isinstance(payload, bytes) else payload
    return {"type": kind, "time": frame.wall_time, "opcode": opcode, "data": data}


# ASCII escapes keep lone surrogates representable, so the file stays valid UTF-8.
_dumps = json.JSONEncoder(ensure_ascii=True, allow_nan=False).encode


def write_har(out: TextIO, store: CaptureStore, rows: Iterable[int] | None = None,
              progress: Progress | None = None) -> int:
    """Write the given store rows (default: all) as a HAR log; return how many frames were written.

    Streams entry by entry, message by message, so a big capture never exists twice in memory.
    The log's `_socketscope.order` keeps the rows' order across connections as [entry, count] runs.
    """
    by_connection: dict[int, array[int]] = {}
    entry_of: dict[int, int] = {}
    order: list[list[int]] = []  # [entry, count] runs: the rows' order across entries
    connection_ids = store.connection_ids
    for row in store.rows() if rows is None else rows:
        connection = connection_ids[row]
        group = by_connection.get(connection)
        if group is None:
            group = by_connection[connection] = array("Q")
            entry_of[connection] = len(entry_of)
        group.append(row)
        entry = entry_of[connection]
        if order and order[-1][0] == entry:
            order[-1][1] += 1
        else:
            order.append([entry, 1])
    total = sum(len(group) for group in by_connection.values())
    events = _connection_events(store, by_connection)
    creator = {"name": "SocketScope", "version": __version__}
    out.write('{"log": {"version": "1.2", "creator": ' + _dumps(creator) + ', "pages": [], "entries": [')
    done = 0
    step = max(1, total // 100)
    for number, (connection, group) in enumerate(by_connection.items()):
        head = _dumps(_entry_head(store, group, events.get(connection)))
        out.write(("," if number else "") + "\n" + head[:-1] + ', "_webSocketMessages": [')
        kept: list[dict[str, Any]] = []
        written = 0
        for row in group:
            frame = store.frame(row)
            message = message_of(frame)
            if message is None:
                kept.append({"at": written, **frame_to_record(frame)})
            else:
                out.write(("," if written else "") + "\n  " + _dumps(message))
                written += 1
            done += 1
            if progress is not None and done % step == 0:
                progress(done, total)
        extension = {"connection": store.connection_names[connection],
                     "side": SIDE_NAMES[Side(store.sides[group[0]])], "frames": kept}
        out.write('], "' + EXTENSION + '": ' + _dumps(extension) + "}")
    out.write('\n], "' + EXTENSION + '": ' + _dumps({"order": order}) + "}}\n")
    if progress is not None:
        progress(total, total)
    return total


# -- import ------------------------------------------------------------------------------------


_ENTRIES_START = re.compile(r'"entries"\s*:\s*\[')
_SPACE = re.compile(r"[ \t\r\n]*")


_MESSAGES_START = re.compile(r',?\s*"_webSocketMessages"\s*:\s*\[')


def _decode_items(text: str, position: int, decoder: json.JSONDecoder) -> tuple[list[Any], int]:
    """The complete JSON values of an array from `position` (just after its `[`), and where they end."""
    items: list[Any] = []
    while True:
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        try:
            item, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return items, position
        items.append(item)
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        if not text.startswith(",", position):
            return items, position
        position += 1


def _salvage_cut_entry(text: str, position: int, decoder: json.JSONDecoder) -> dict[str, Any] | None:
    """An entry cut off inside its `_webSocketMessages`: its head and its complete messages.

    One long connection is one entry, so without this a capture cut short by a crash
    would lose everything; the head (request, response) comes before the messages.
    """
    position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
    messages_start = _MESSAGES_START.search(text, position) if text.startswith("{", position) else None
    if messages_start is None:
        return None
    try:
        head = json.loads(text[position: messages_start.start()] + "}")
    except (ValueError, RecursionError):
        return None
    messages, _ = _decode_items(text, messages_start.end(), decoder)
    if not isinstance(head, dict) or not messages:
        return None
    head["_webSocketMessages"] = messages
    return head


def _salvage_entries(text: str) -> tuple[list[Any], int]:
    """What a HAR text that does not parse as a whole still holds: its complete entries, then
    the entry cut off by the damage if its first messages are readable (their count, else 0)."""
    decoder = json.JSONDecoder()
    for start in _ENTRIES_START.finditer(text):
        entries, position = _decode_items(text, start.end(), decoder)
        cut = _salvage_cut_entry(text, position, decoder)
        if cut is not None:
            return entries + [cut], len(cut["_webSocketMessages"])
        if entries:
            return entries, 0
    return [], 0


def _decode(data: str | bytes, report: ImportReport) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report.note(f"The file is not UTF-8 text from byte {error.start:,} on; only what precedes it was read.")
        return data[: error.start].decode("utf-8-sig")


def load_entries(data: str | bytes, report: ImportReport) -> tuple[list[Any], dict[str, Any]]:
    """The entries of a HAR document and its log object, salvaging what it can from a broken one."""
    text = _decode(data, report)
    if not text.strip():
        report.note("The file is empty.")
        return [], {}
    try:
        document = json.loads(text)
    except RecursionError:
        document, failure = None, "it is nested too deeply"
    except ValueError as error:
        document, failure = None, str(error)
    else:
        log = document.get("log") if isinstance(document, dict) else None
        entries = log.get("entries") if isinstance(log, dict) else None
        if not isinstance(log, dict) or not isinstance(entries, list):
            report.note("Not a HAR file: it has no log.entries list.")
            return [], {}
        return entries, log
    entries, cut_messages = _salvage_entries(text)
    if cut_messages:
        report.note(f"The file is cut off or broken ({failure}); the {len(entries) - 1:,} complete entries before "
                    f"it and the first {cut_messages:,} messages of the entry it cuts were read.")
    elif entries:
        report.note(f"The file is cut off or broken ({failure}); the {len(entries):,} complete entries before it were read.")
    else:
        report.note(f"Not a HAR file: it is not valid JSON ({failure}) and no complete entry could be read.")
    return entries, {}


def _parse_time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return epoch_seconds(moment.timestamp())


def _headers_of(message: Any) -> dict[str, str]:
    headers = message.get("headers") if isinstance(message, dict) else None
    if not isinstance(headers, list):
        return {}
    return {h["name"]: h["value"] for h in headers
            if isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)}


class MessageError(SocketScopeError, ValueError):
    """A `_webSocketMessages` item that cannot become a frame; the message says why."""


def message_to_frame(message: Any, connection: str, side: Side, url: str) -> Frame:
    """One `_webSocketMessages` item as a frame recorded on `side`; raise `MessageError` saying what is wrong.

    `type` is the client's view (`send`: the client sent it); the frame's direction is the recording side's.
    """
    if not isinstance(message, dict):
        raise MessageError(f"a message is a JSON object, not {type(message).__name__}")
    kind = message.get("type")
    if kind not in ("send", "receive", "error"):
        raise MessageError(f"type must be send, receive or error, not {kind!r}")
    wall_time = epoch_seconds(message.get("time"))
    if wall_time is None:
        raise MessageError(f"time must be seconds since the epoch, not {message.get('time')!r:.40}")
    data = message.get("data")
    if not isinstance(data, str):
        raise MessageError(f"data must be a string, not {type(data).__name__}")
    if kind == "error":  # Chrome's record of a failed frame (opcode -1)
        return Frame(connection, side, Direction.EVENT, Opcode.ERROR, json.dumps({"url": url, "error": data}), 0,
                     wall_time)
    direction = _DIRECTIONS[side, kind]
    opcode = message.get("opcode")
    if opcode == 1 and not isinstance(opcode, bool):
        return Frame(connection, side, direction, Opcode.TEXT, data, -1, wall_time)
    if opcode == 2 and not isinstance(opcode, bool):
        try:
            payload = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MessageError(f"binary data is not valid base64: {error}") from None
        return Frame(connection, side, direction, Opcode.BINARY, payload, -1, wall_time)
    if opcode == 8 and not isinstance(opcode, bool):  # not Chrome's, but some tools write closes
        code = message.get("code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else None
        by = "client" if kind == "send" else "server"
        size = 0 if code is None else 2 + len(data.encode("utf-8", "surrogatepass"))
        return Frame(connection, side, direction, Opcode.CLOSE,
                     json.dumps({"code": code, "reason": data, "by": by}), size, wall_time)
    if opcode in (9, 10) and not isinstance(opcode, bool):
        return Frame(connection, side, direction, Opcode(opcode), data, -1, wall_time)
    raise MessageError(f"opcode must be 1 (text) or 2 (binary), not {opcode!r}")


def _extension(entry: dict[str, Any], where: int, report: ImportReport
               ) -> tuple[str, Side, list[tuple[int, Frame]]] | None:
    """SocketScope's own member: the connection's name, side and the frames HAR cannot hold."""
    extension = entry.get(EXTENSION)
    if extension is None:
        return None
    if not isinstance(extension, dict) or not isinstance(extension.get("connection"), str) \
            or not extension["connection"] or extension.get("side") not in _SIDES \
            or not isinstance(extension.get("frames", []), list):
        report.skip(where, f"{EXTENSION} is not a valid description (connection, side, frames); ignored")
        return None
    kept = []
    for number, record in enumerate(extension.get("frames", []), start=1):
        at = record.get("at") if isinstance(record, dict) else None
        if isinstance(at, bool) or not isinstance(at, int) or at < 0:
            report.skip(where, f"{EXTENSION} frame {number}: at must be a message count, not {at!r}")
            continue
        try:
            kept.append((at, record_to_frame(record)))
        except RecordError as error:
            report.skip(where, f"{EXTENSION} frame {number}: {error}")
    return extension["connection"], _SIDES[extension["side"]], kept


def _synthesised_open(entry: dict[str, Any], connection: str, url: str, first_time: float | None) -> Frame:
    response = entry.get("response")
    status = response.get("status") if isinstance(response, dict) else None
    details = {
        "url": url, "source": "har",
        "status": status if isinstance(status, int) and not isinstance(status, bool) else None,
        "request_headers": _headers_of(entry.get("request")),
        "response_headers": _headers_of(response),
    }
    started = _parse_time(entry.get("startedDateTime"))
    times = [t for t in (started, first_time) if t is not None]
    return Frame(connection, Side.CLIENT, Direction.EVENT, Opcode.OPEN, json.dumps(details), 0,
                 min(times) if times else 0.0)


def _entry_frames(entry: Any, where: int, report: ImportReport, foreign: int) -> tuple[list[Frame] | None, bool]:
    """The frames of one entry (None if it holds no WebSocket traffic), and whether it used up
    `foreign`, the number a connection gets when the entry is not SocketScope's own.
    Skips go to `report`."""
    if not isinstance(entry, dict):
        report.skip(where, f"an entry is a JSON object, not {type(entry).__name__}")
        return [], False
    messages = entry.get("_webSocketMessages")
    if messages is None and EXTENSION not in entry:
        return None, False
    if messages is None:
        messages = []
    if not isinstance(messages, list):
        report.skip(where, f"_webSocketMessages must be a list, not {type(messages).__name__}")
        return [], False
    request = entry.get("request")
    url = request.get("url") if isinstance(request, dict) else None
    url = url if isinstance(url, str) else ""
    own = _extension(entry, where, report)
    kept: list[tuple[int, Frame]]
    if own is None:
        if not messages:
            return None, False
        connection, side, kept = f"har#{foreign}", Side.CLIENT, []
    else:
        connection, side, kept = own
    frames: list[Frame] = []
    kept.sort(key=lambda item: item[0])
    pending = iter(kept)
    waiting = next(pending, None)
    for index, message in enumerate(messages):
        while waiting is not None and waiting[0] <= index:
            frames.append(waiting[1])
            waiting = next(pending, None)
        try:
            frames.append(message_to_frame(message, connection, side, url))
        except MessageError as error:
            report.skip(where, f"message {index + 1}: {error}")
    while waiting is not None:
        frames.append(waiting[1])
        waiting = next(pending, None)
    if own is None:
        first_time = frames[0].wall_time if frames else None
        frames.insert(0, _synthesised_open(entry, connection, url, first_time))
    return frames, own is None


def _interleave(per_entry: list[list[Frame]], order: Any) -> list[Frame] | None:
    """The frames in the order `_socketscope.order` recorded, or None if it does not fit them."""
    if not isinstance(order, list):
        return None
    taken = [0] * len(per_entry)
    result: list[Frame] = []
    for run in order:
        if not (isinstance(run, list) and len(run) == 2 and all(type(n) is int for n in run)):
            return None
        entry, count = run
        if not 0 <= entry < len(per_entry) or count < 0 or taken[entry] + count > len(per_entry[entry]):
            return None
        result.extend(per_entry[entry][taken[entry]: taken[entry] + count])
        taken[entry] += count
    if taken != [len(frames) for frames in per_entry]:
        return None
    return result


def read_har(data: str | bytes, report: ImportReport, progress: Progress | None = None) -> list[Frame]:
    """The frames of every WebSocket entry of a HAR text; what is skipped is noted in `report`.

    Entries of other tools become connections `har#1`, `har#2`… recorded on the client side,
    each starting with an open event that holds the URL, their frames interleaved by time;
    SocketScope's own entries get their original connection, side, close frames, events and
    order back from `_socketscope`.
    """
    report.unit = "entry"
    entries, log = load_entries(data, report)
    foreign = 0
    total = len(entries)
    per_entry: list[list[Frame]] = []
    for where, entry in enumerate(entries, start=1):
        if progress is not None:
            progress(where - 1, total)
        frames, numbered = _entry_frames(entry, where, report, foreign + 1)
        foreign += numbered
        if frames is None:
            report.ignored += 1
            frames = []
        report.imported += len(frames)
        per_entry.append(frames)
    if progress is not None:
        progress(total, total)
    extension = log.get(EXTENSION)
    if isinstance(extension, dict) and "order" in extension:
        ordered = _interleave(per_entry, extension["order"])
        if ordered is not None:
            return ordered
        report.note("The recorded order of frames across connections does not fit the entries; "
                    "they are interleaved by time.")
    return _merge_by_time(per_entry)


def _merge_by_time(per_entry: list[list[Frame]]) -> list[Frame]:
    """The entries' frames interleaved by time, as they happened: HAR holds one entry per connection,
    so overlapping connections would otherwise read back one after the other. Each entry keeps its
    own order, and of equal times the earlier entry's frame comes first."""
    filled = [frames for frames in per_entry if frames]
    if len(filled) <= 1:
        return filled[0] if filled else []
    return list(heapq.merge(*filled, key=attrgetter("wall_time")))
