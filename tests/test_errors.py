"""Every exception the project raises on purpose has one root, and keeps the base older code catches."""

from __future__ import annotations

import pytest

from app.commands.common import Failure, UsageError
from app.core.binary_text import BinaryTextError
from app.core.docworker import DocumentWorkerError
from app.core.errors import SocketScopeError
from app.core.har import MessageError
from app.core.json_query import FilterError
from app.core.jsondoc import JsonSyntaxError
from app.core.jsonl import RecordError
from app.core.positions import PositionedError
from app.core.templates import TemplateError
from app.net.inspector import ConnectFailed, NotConnectedError
from app.net.options import OptionsError
from app.services.persistence import PersistenceError
from app.services.recorder import RecordingError
from app.services.replay import CaptureError
from embedded_server.loader import AppLoadError
from embedded_server.runner import PortInUseError

OLD_BASES = [
    (NotConnectedError, RuntimeError), (ConnectFailed, ConnectionError), (OptionsError, ValueError),
    (CaptureError, ValueError), (PersistenceError, Exception), (RecordingError, OSError),
    (JsonSyntaxError, PositionedError), (PositionedError, Exception), (FilterError, ValueError),
    (RecordError, ValueError), (BinaryTextError, Exception), (DocumentWorkerError, RuntimeError),
    (MessageError, ValueError), (TemplateError, PositionedError), (UsageError, Exception), (Failure, Exception),
    (AppLoadError, Exception), (PortInUseError, OSError),
]


@pytest.mark.parametrize(("error", "old_base"), OLD_BASES, ids=[e.__name__ for e, _ in OLD_BASES])
def test_every_project_error_is_a_socketscope_error_and_keeps_its_old_base(error: type, old_base: type) -> None:
    assert issubclass(error, SocketScopeError)
    assert issubclass(error, old_base)


def test_an_os_error_keeps_its_errno_and_a_connect_failure_its_flag() -> None:
    full = RecordingError(28, "No space left on device")
    assert (full.errno, full.strerror, str(full)) == (28, "No space left on device", "[Errno 28] No space left on device")
    refused = ConnectFailed("refused", transient=True)
    assert isinstance(refused, SocketScopeError) and refused.transient and str(refused) == "refused"
