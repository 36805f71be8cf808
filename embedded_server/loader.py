"""Load the user's own ASGI app from a `module:attribute` spec, as uvicorn's command line does."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from app.core.errors import SocketScopeError


class AppLoadError(SocketScopeError):
    """The spec does not name an importable ASGI application; the message says why."""


def load_app(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise AppLoadError(f"--app takes module:attribute (for example myproject.main:app), not {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `uvicorn module:app` does, find the user's project
    try:
        module = importlib.import_module(module_name.replace("/", ".").removesuffix(".py"))
    except ImportError as error:
        raise AppLoadError(f"Cannot import {module_name!r}: {error}") from error
    except Exception as error:  # the user's module failed while importing
        raise AppLoadError(f"Importing {module_name!r} failed: {type(error).__name__}: {error}") from error
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AppLoadError(f"{module_name!r} has no attribute {attribute!r}") from None
    if not callable(target):
        raise AppLoadError(f"{spec!r} is not an ASGI application (not callable)")
    return target
