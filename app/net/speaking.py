"""The protocols the inspector speaks by itself as a client, so their servers keep it connected.

A Socket.IO server closes a client that does not connect a namespace or leaves a ping
unanswered. `speaker_for` picks the speaker a connection's options call for (by its URL,
before any frame); `greet` runs the protocol's handshake before the connection counts as
open (so the on-connect sequence and the user's frames come after it), and `answer`
replies to each frame received afterwards. Every frame goes through the inspector's own
send and record, so the log shows what crossed, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.core.frames import Opcode
from app.core.protocols import URL_CONFIDENCE
from app.core.protocols.base import ClientSpeaker, Hint
from app.core.protocols.socketio import SocketIo, SocketIoClient
from app.net.options import AUTO_PROTOCOL, ConnectionOptions

if TYPE_CHECKING:  # the scenario runner asks which speaker a connection needs before `websockets` is loaded
    from websockets.asyncio.client import ClientConnection

GREETING_TIMEOUT = 10.0  # seconds for the protocol's handshake; then the connection opens without it
GREETING_FRAMES = 64  # frames read at most while waiting for the handshake to end
HANDSHAKE_UNFINISHED = "the server did not finish the protocol's handshake"

Send = Callable[[str | bytes], Awaitable[None]]
Record = Callable[[Opcode, str | bytes], None]


def speaker_for(options: ConnectionOptions) -> ClientSpeaker | None:
    """The speaker for a connection with these options, or None: SocketScope just listens."""
    chosen = options.protocol  # the user's choice in the options wins over the URL
    speaks = chosen == SocketIo.name or (chosen == AUTO_PROTOCOL
                                         and SocketIo().detect(Hint(options.effective_url())) >= URL_CONFIDENCE)
    if speaks:
        auth = options.socketio_auth_value()
        return SocketIoClient(options.socketio_namespace, auth if isinstance(auth, dict) else None)
    return None


def opcode_of(message: str | bytes) -> Opcode:
    return Opcode.TEXT if isinstance(message, str) else Opcode.BINARY


async def answer(speaker: ClientSpeaker, message: str | bytes, send: Send) -> None:
    """Send what the protocol answers to one received message (usually nothing)."""
    for reply in speaker.answer(opcode_of(message), message):
        await send(reply)


async def greet(websocket: ClientConnection, speaker: ClientSpeaker, record: Record, send: Send) -> str:
    """Send the speaker's opening, then read, record and answer frames until its handshake ends.

    Returns "" once it has ended, else a sentence for the connection's state. Bounded in time and
    frames: a server that never finishes the handshake still gets an open connection, whose
    frames the reader goes on recording and answering.
    """
    for frame in speaker.opening():
        await send(frame)
    try:
        async with asyncio.timeout(GREETING_TIMEOUT):
            for _ in range(GREETING_FRAMES):
                if speaker.ready:
                    return ""
                message = await websocket.recv()
                record(opcode_of(message), message)
                await answer(speaker, message, send)
    except TimeoutError:
        pass
    return HANDSHAKE_UNFINISHED if not speaker.ready else ""
