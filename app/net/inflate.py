"""permessage-deflate whose inflating never holds more than the size limit, nor keeps a refused message.

zlib's `decompress(data, max_length)` collects its output in blocks and joins them at the
end, so a message inflating past the limit briefly takes twice the limit before it is
refused; and the library raises "too big" from a frame whose locals hold everything
inflated so far, which the exception's traceback then keeps for as long as the connection
object lives (until a garbage collection, which the window runs only now and then). Here a
frame is inflated a slice at a time into one growing buffer, which is let go before "too
big" is raised.

Only inflating differs: negotiation and compressing are the library's own.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, PerMessageDeflate
from websockets.frames import CONT, CTRL_OPCODES, Frame
from websockets.typing import ExtensionParameter

SLICE = 1024 * 1024  # bytes inflated per zlib call
_FLUSH_MARKER = b"\x00\x00\xff\xff"  # ends every compressed message; the sender leaves it out (RFC 7692 7.2.2)


class BoundedDeflate(PerMessageDeflate):
    """The negotiated extension, inflating in slices within `max_size`."""

    _inflater: zlib._Decompress | None = None
    _in_compressed_message = False

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        if frame.opcode in CTRL_OPCODES:
            return frame
        if frame.opcode is CONT:
            if frame.rsv1:
                raise ProtocolError("RSV1 bit set in continuation frame")
            if not self._in_compressed_message:
                return frame
        else:
            if not frame.rsv1:
                return frame
            self._in_compressed_message = True
            if self._inflater is None or self.remote_no_context_takeover:
                self._inflater = zlib.decompressobj(wbits=-self.remote_max_window_bits)
        if frame.fin:
            self._in_compressed_message = False
        # The marker goes in after the frame's own data: appending it would copy a big frame.
        data = self._inflate((frame.data, _FLUSH_MARKER) if frame.fin else (frame.data,), max_size)
        return Frame(frame.opcode, data, frame.fin, False, frame.rsv2, frame.rsv3)

    def _inflate(self, inputs: Sequence[bytes | bytearray | memoryview], max_size: int | None) -> bytes:
        """Everything `inputs` inflate to, or `PayloadTooBig` as soon as it passes `max_size`."""
        inflater = self._inflater
        assert inflater is not None
        inflated = bytearray()  # grown in place: a big buffer is remapped, not copied
        for data in inputs:
            while True:
                # One byte beyond the limit is enough to know the message is too big.
                room = SLICE if max_size is None else min(SLICE, max_size + 1 - len(inflated))
                try:
                    piece = inflater.decompress(data, room)
                except zlib.error as error:
                    del inflated  # let go before raising: the traceback keeps this frame's locals
                    raise ProtocolError("decompression failed") from error
                inflated += piece
                if max_size is not None and len(inflated) > max_size:
                    del inflated  # as above: nothing of a refused message stays held
                    raise PayloadTooBig(None, max_size)
                if len(piece) < room:
                    break  # zlib stopped short of the room: this input is used up, nothing is pending
                data = inflater.unconsumed_tail
        return bytes(inflated)


class BoundedDeflateFactory(ClientPerMessageDeflateFactory):
    """Offers permessage-deflate as the library does; what is negotiated inflates within the limit."""

    def process_response_params(self, params: Sequence[ExtensionParameter],
                                accepted_extensions: Sequence[Extension]) -> PerMessageDeflate:
        negotiated = super().process_response_params(params, accepted_extensions)
        return BoundedDeflate(negotiated.remote_no_context_takeover, negotiated.local_no_context_takeover,
                              negotiated.remote_max_window_bits, negotiated.local_max_window_bits,
                              negotiated.compress_settings)


def deflate_extensions() -> list[BoundedDeflateFactory]:
    """What `connect(extensions=…)` takes for compression on (the library's default settings)."""
    return [BoundedDeflateFactory(compress_settings={"memLevel": 5})]


__all__ = ["BoundedDeflate", "BoundedDeflateFactory", "deflate_extensions"]
