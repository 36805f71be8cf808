"""The window's icons: Lucide's SVGs in resources/icons, drawn in the theme's colours at any size.

Lucide draws every stroke in `currentColor`. An icon here is rendered from the SVG with
that colour replaced by the palette's text colour (or a named colour of the theme table,
app/ui/common/theme.py) when it is drawn, not when it is made: a theme change re-colours
every icon already handed out at the next repaint, with nothing to re-assign. Pixmaps are
rendered for the size and device pixel ratio asked for, so an icon is crisp on a
high-density screen, and kept, so each is rendered once. A view's rows take `row_icon`
instead: plain pixmaps, which Qt paints without calling back into Python.
"""

from __future__ import annotations

import logging
import sys
from functools import cache, lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from shiboken6 import isValid

from app.ui.common.style import colours

log = logging.getLogger("socketscope.ui")

# Beside the app package: in the source tree (and an editable install) and in the PyInstaller bundle;
# a wheel installs them under <prefix>/share/socketscope (pyproject.toml's data-files).
_PLACES = (Path(__file__).resolve().parents[3] / "resources", Path(sys.prefix) / "share" / "socketscope")
APP_ICON = "app"  # SocketScope's own icon, resources/socketscope.svg
APP_ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # what desktops ask for: title bars to docks, hicolor's sizes
ROW_ICON_SIZE = 16  # a view's decoration (the style's small icon size)
RENDERED_KEPT = 1024  # pixmaps kept: every icon in each colour, size and pixel ratio the window shows

# What an icon stands for in the window → the Lucide icon drawn for it: the whole set in one place, so it
# stays consistent (one picture per meaning) and resources/icons holds exactly these files.
ICONS = {
    # the log's directions and opcodes (app/core/frames.py's names)
    "direction.sent": "arrow-up", "direction.received": "arrow-down", "direction.event": "zap",
    "opcode.text": "type", "opcode.binary": "binary", "opcode.ping": "activity", "opcode.pong": "activity",
    "opcode.open": "plug-zap", "opcode.close": "unplug", "opcode.refused": "ban", "opcode.error": "triangle-alert",
    # a connection's states (app/core/frames.py's ConnectionState)
    "state.connecting": "loader-circle", "state.open": "plug-zap", "state.closing": "hourglass",
    "state.closed": "unplug", "state.failed": "circle-x", "state.reconnecting": "refresh-cw",
    # actions: the toolbar and the menus
    "action.connect": "plug", "action.disconnect": "unplug", "action.follow": "arrow-down-to-line",
    "action.pause": "pause", "action.record": "circle-dot", "action.clear": "eraser", "action.compare": "git-compare-arrows",
    "action.copy": "copy", "action.copy_jsonl": "clipboard-copy", "action.load": "file-input",
    "action.resend": "repeat", "action.import": "folder-open", "action.export": "save",
    "action.export_filtered": "file-down", "action.replay": "play", "action.stop": "square",
    "action.quit": "log-out", "action.shortcuts": "keyboard", "action.palette": "command",
    "action.layout": "layout-dashboard", "action.infer": "braces", "action.save_test": "flask-conical",
    "action.add_column": "braces",  # a column from a JSON path
}


class MissingIconError(LookupError):
    """An icon the code names is not among the resources (a typo, or a file left out of a build)."""


def resource(relative: str) -> Path:
    """A file of resources/ (say "icons/plug.svg"), wherever SocketScope is installed; raises if it is nowhere."""
    for place in _PLACES:
        path = place / relative
        if path.is_file():
            return path
    raise FileNotFoundError(f"resources/{relative} is not installed (looked in {', '.join(map(str, _PLACES))})")


@cache
def _svg(name: str) -> str:
    """The SVG text of the icon for meaning `name`."""
    if name == APP_ICON:
        return resource("socketscope.svg").read_text(encoding="utf-8")
    if name not in ICONS:
        raise MissingIconError(f"no icon means {name!r}: add it to ICONS in app/ui/common/icons.py")
    return resource(f"icons/{ICONS[name]}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def _renderer(name: str, colour: str) -> QSvgRenderer:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", colour).encode()))
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    return renderer


@lru_cache(maxsize=RENDERED_KEPT)
def _rendered(name: str, colour: str, width: int, height: int, ratio: float) -> QPixmap:
    image = QImage(round(width * ratio), round(height * ratio), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)  # transparent
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _renderer(name, colour).render(painter, QRectF(image.rect()))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _drawn_in(colour_name: str | None, mode: QIcon.Mode) -> str:
    """The colour an icon is drawn in now: a selected row's text colour, a disabled control's, or its own."""
    palette = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorRole.HighlightedText).name()
    if colour_name is not None:
        return colours()[colour_name]
    return palette.color(QPalette.ColorRole.WindowText).name()


_clones: list[QIconEngine] = []


class _ThemedSvgEngine(QIconEngine):
    """Renders one icon of the set in the colour the theme gives it now."""

    def __init__(self, name: str, colour_name: str | None, sizes: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.name = name
        self.colour_name = colour_name
        self.sizes = sizes  # offered to whoever lists them (the window system takes the window icon's)

    def key(self) -> str:
        return "socketscope-themed-svg"

    def clone(self) -> QIconEngine:
        """A copy for a QIcon that detaches (a pixmap added to it), which Qt owns and deletes.

        PySide does not hand a Python-made clone over to Qt: unreferenced, it would be freed
        at once. It is kept here until Qt has deleted it (its wrapper is then invalid).
        """
        _clones[:] = [kept for kept in _clones if isValid(kept)]
        copy = _ThemedSvgEngine(self.name, self.colour_name, self.sizes)
        _clones.append(copy)
        return copy

    def isNull(self) -> bool:
        return False

    def availableSizes(self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off) -> list[QSize]:
        return [QSize(side, side) for side in self.sizes]

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())  # Lucide's icons are square
        return QSize(side, side)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        side = min(size.width(), size.height())
        if side <= 0:
            return QPixmap()
        return _rendered(self.name, _drawn_in(self.colour_name, mode), side, side, max(scale, 1.0))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        if side <= 0:
            return
        pixmap = self.scaledPixmap(QSize(side, side), mode, state, painter.device().devicePixelRatioF())
        corner = rect.topLeft() + QPoint((rect.width() - side) // 2, (rect.height() - side) // 2)
        painter.drawPixmap(QRect(corner, QSize(side, side)), pixmap)


def _check(name: str, colour_name: str | None) -> None:
    """Tell a missing file or colour where the icon is asked for, not at its first paint."""
    _svg(name)
    if colour_name is not None and colour_name not in colours():
        raise MissingIconError(f"the theme has no colour named {colour_name!r} for icon {name!r}")


@cache
def icon(name: str, colour_name: str | None = None) -> QIcon:
    """The icon for `name` (a key of ICONS) in the palette's text colour, or in the theme's `colour_name` ("log.sent").

    The same QIcon for the same arguments, drawn at whatever size a widget asks for.
    """
    _check(name, colour_name)
    return QIcon(_ThemedSvgEngine(name, colour_name))


@cache
def app_icon() -> QIcon:
    """SocketScope's icon, the application's and so every window's: each of APP_ICON_SIZES listed, any size drawn.

    Qt's own SVG icon lists no sizes, and the X11 window system is then handed 16 to 128 pixels
    only; this one is offered at 16 to 512, drawn for the screen's pixel ratio when asked.
    """
    try:
        _svg(APP_ICON)
    except FileNotFoundError as error:  # a window without its icon still works
        log.warning("SocketScope's icon is missing: %s", error)
        return QIcon()
    return QIcon(_ThemedSvgEngine(APP_ICON, None, APP_ICON_SIZES))


def row_icon(name: str, colour_name: str | None = None, side: int = ROW_ICON_SIZE) -> QIcon:
    """The icon drawn once at `side` pixels (pixel ratios 1 and 2), in the theme's colours now: for a view's rows.

    Qt paints it from its pixmaps without calling back into Python, which `icon()`'s cannot: a log
    repainting under a flood would otherwise wait for the GIL once per icon it shows. It keeps the
    colours of the theme shown when it was asked for: ask again after a change (`follow_theme`).
    """
    _check(name, colour_name)
    modes = (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Disabled)
    return _row_icon(name, tuple(_drawn_in(colour_name, mode) for mode in modes), side)


@lru_cache(maxsize=256)
def _row_icon(name: str, colours_by_mode: tuple[str, ...], side: int) -> QIcon:
    drawn = QIcon()
    for mode, colour in zip((QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Disabled), colours_by_mode, strict=True):
        for ratio in (1.0, 2.0):
            drawn.addPixmap(_rendered(name, colour, side, side, ratio), mode)
    return drawn
