"""The theme the application shows: dark, light, or the desktop's (system), and View → Theme to choose it.

Dark and light set the Fusion style (check boxes and radio buttons outlined to stand out) and the
theme's whole palette (app/ui/common/theme.py) for the application: a native style may ignore a
palette, Fusion draws every control with it, so the colours chosen for contrast are the ones
shown. System shows the dark or the light theme as the desktop's colour scheme says (light when
it says nothing), and changes with it while the window is open. The choice made in the menu is
kept between runs; `--theme` chooses for one run only. Views that keep colours follow the
palette (app/ui/common/style.py).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QColor, QPainter, QPen
from PySide6.QtWidgets import QApplication, QMenu, QProxyStyle, QStyle, QStyleOption, QWidget

from app.ui.common.naming import named
from app.ui.common.style import palette_is_dark
from app.ui.common.theme import colours_for, palette_for
from app.ui.shell.window_settings import open_settings

THEMES = ("dark", "light", "system")
DEFAULT_THEME = "system"
SETTING = "view/theme"
STYLE = "Fusion"


class ThemeStyle(QProxyStyle):
    """Fusion, with the box of a check box or radio button outlined in a colour that stands out from the window.

    Fusion outlines them in a shade of the window's own colour (1.1:1 on the dark theme): an unchecked box
    did not read as a control. WCAG 2.1 asks 3:1 of a control's boundary.
    """

    def __init__(self) -> None:
        super().__init__(STYLE)

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,
                      widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in _OUTLINED:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, element == _RADIO)
        painter.setPen(QPen(QColor(colours_for(palette_is_dark(option.palette))["control.outline"]), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        box = option.rect.adjusted(0, 0, -1, -1)
        if element == _RADIO:
            painter.drawEllipse(box.adjusted(1, 1, -1, -1))
        else:
            painter.drawRect(box)
        painter.restore()


_RADIO = QStyle.PrimitiveElement.PE_IndicatorRadioButton
_OUTLINED = (QStyle.PrimitiveElement.PE_IndicatorCheckBox, _RADIO)


def saved_theme() -> str:
    """The theme chosen in the menu in an earlier run; DEFAULT_THEME if none (or not one we know)."""
    value = str(open_settings().value(SETTING, DEFAULT_THEME, str))
    return value if value in THEMES else DEFAULT_THEME


def save_theme(name: str) -> None:
    settings = open_settings()
    settings.setValue(SETTING, name)
    settings.sync()


class ThemeSwitch(QObject):
    """The application's theme: one per application, made by `install`."""

    changed = Signal(str)  # the theme chosen (not what System resolved to)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.theme = DEFAULT_THEME
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    def choose(self, name: str) -> None:
        if name not in THEMES:
            raise ValueError(f"no theme named {name!r}: choose one of {', '.join(THEMES)}")
        self.theme = name
        self._show(self.app.styleHints().colorScheme())
        self.changed.emit(name)

    @Slot(Qt.ColorScheme)
    def _scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.theme == "system":
            self._show(scheme)

    def _show(self, scheme: Qt.ColorScheme) -> None:
        dark = scheme == Qt.ColorScheme.Dark if self.theme == "system" else self.theme == "dark"
        if not isinstance(self.app.style(), ThemeStyle):
            self.app.setStyle(ThemeStyle())
        palette = palette_for(dark)
        if self.app.palette() != palette:
            self.app.setPalette(palette)  # every widget, model and tinted label follows


def application_switch() -> ThemeSwitch:
    """The application's one switch, made on first use."""
    app = QApplication.instance()
    assert isinstance(app, QApplication), "a theme needs the QApplication"
    found = app.findChild(ThemeSwitch)
    return found if found is not None else ThemeSwitch(app)


def install(name: str) -> ThemeSwitch:
    """Show theme `name` in the application."""
    found = application_switch()
    found.choose(name)
    return found


class ThemeMenu(QObject):
    """View → Theme: Dark, Light, System; a choice is shown at once and kept for the next run."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.switch = application_switch()
        self.menu = QMenu("&Theme", parent)
        named(self.menu, "themeMenu")
        self.group = QActionGroup(self)
        self.actions: dict[str, QAction] = {}
        for name in THEMES:
            action = QAction(f"&{name.capitalize()}", self)
            action.setObjectName(f"theme{name.capitalize()}")
            action.setCheckable(True)
            action.setStatusTip("Follow the desktop's light or dark setting" if name == "system"
                                else f"Show the {name} theme")
            action.triggered.connect(lambda _checked=False, chosen=name: self.choose(chosen))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[name] = action
        self.show_chosen(self.switch.theme)
        self.switch.changed.connect(self.show_chosen)  # chosen in another window, or at launch

    def choose(self, name: str) -> None:
        self.switch.choose(name)
        save_theme(name)

    @Slot(str)
    def show_chosen(self, name: str) -> None:
        self.actions[name].setChecked(True)
