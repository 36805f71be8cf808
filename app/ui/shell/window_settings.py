"""Window layout and small preferences kept in QSettings between runs.

Geometry, dock and toolbar state, splitter sizes, whether the main toolbar is shown (it sits
in the menu bar's row, outside the window's saved state), whether the composer and the bottom
band are folded (and the height each opens at), the last URL, and the composer's
draft (as typed, with its mode, up to DRAFT_LIMIT characters) and repeat settings. Tests point
QSettings' user scope at a temporary directory (QSettings.setPath), so the
format is fixed to INI on every platform.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QLineEdit, QMainWindow, QSplitter, QToolBar

from app.ui.compose.composer import Composer
from app.ui.shell.composer_fold import ComposerFold
from app.ui.shell.dock_layout import DockLayout

DRAFT_LIMIT = 64 * 1024  # a bigger draft belongs in the library, not in an INI file


def open_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "SocketScope", "SocketScope")


def save(window: QMainWindow, splitters: list[QSplitter], url_edit: QLineEdit) -> None:
    settings = open_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    for splitter in splitters:
        settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
    settings.setValue("connection/lastUrl", url_edit.text().strip())
    settings.sync()


def restore(window: QMainWindow, splitters: list[QSplitter], url_edit: QLineEdit | None) -> bool:
    """Restore what was saved; whether the docks' layout was (if not, the caller arranges them)."""
    settings = open_settings()
    geometry = settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = settings.value("window/state")
    restored = state is not None and window.restoreState(state)
    states = [(splitter, settings.value(f"splitters/{splitter.objectName()}")) for splitter in splitters]
    # After the first show: laying out the restored geometry would redistribute the sizes.
    QTimer.singleShot(0, window, lambda: [splitter.restoreState(state) for splitter, state in states
                                          if state is not None])
    if url_edit is not None:
        last_url = str(settings.value("connection/lastUrl", "", str))
        if last_url:
            url_edit.setText(last_url)
    return restored


def layout_has_dock(name: str) -> bool:
    """Whether the saved dock layout places the dock of this object name (Qt keeps names as UTF-16 there);
    one added in a later version is not, and stays where the window first put it unless placed anew."""
    state = open_settings().value("window/state")
    return state is not None and name.encode("utf-16-be") in bytes(state)


def save_folds(composer: ComposerFold, docks: DockLayout) -> None:
    settings = open_settings()
    settings.setValue("layout/composerFolded", composer.folded)
    settings.setValue("layout/composerHeight", composer.open_height)
    settings.setValue("layout/bandFolded", docks.band_folded)
    settings.setValue("layout/bandHeight", docks.open_height)
    settings.sync()


def restore_folds(composer: ComposerFold, docks: DockLayout) -> None:
    """Fold or open the composer and the bottom band as they were; the first run keeps the defaults."""
    settings = open_settings()
    for key, fold in (("composer", composer.restore), ("band", docks.restore_band)):
        folded, height = settings.value(f"layout/{key}Folded"), settings.value(f"layout/{key}Height")
        if folded is not None and str(height).isdigit():
            fold(str(folded).lower() == "true", int(str(height)))


def save_toolbar(bar: QToolBar) -> None:
    settings = open_settings()
    settings.setValue("layout/toolbarShown", not bar.isHidden())  # hidden by the user, not with the window
    settings.sync()


def restore_toolbar(bar: QToolBar) -> None:
    """Hide the toolbar if the previous run did; the first run shows it."""
    bar.setVisible(str(open_settings().value("layout/toolbarShown", "true")).lower() == "true")


def save_composer(composer: Composer) -> None:
    settings = open_settings()
    text = composer.text()
    if len(text) <= DRAFT_LIMIT:
        settings.setValue("composer/draft", text)
        settings.setValue("composer/mode", composer.mode)
    else:
        settings.remove("composer/draft")
    settings.setValue("composer/repeatCount", composer.repeat_count.value())
    settings.setValue("composer/repeatInterval", composer.repeat_interval.value())
    settings.setValue("composer/refuseInvalid", composer.refuse_invalid.isChecked())
    settings.sync()


def restore_composer(composer: Composer) -> None:
    """The previous run's draft and repeat settings; the example payload when there are none."""
    settings = open_settings()
    draft = settings.value("composer/draft")
    if isinstance(draft, str) and draft:
        composer.set_draft(draft, str(settings.value("composer/mode", "text", str)))
    for key, box in (("composer/repeatCount", composer.repeat_count), ("composer/repeatInterval", composer.repeat_interval)):
        value = settings.value(key)
        if value is not None and str(value).isdigit():
            box.setValue(int(value))
    composer.refuse_invalid.setChecked(str(settings.value("composer/refuseInvalid", "false")).lower() == "true")
