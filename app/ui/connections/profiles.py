"""Saved connection profiles: the picker of the options dialog and the Connections panel's menu.

A profile is `ConnectionOptions.to_dict(include_secrets=False)` saved under a name in the
persistence file. The bearer token and the password are never written: the file is
plain SQLite that backups and sync tools copy without asking, so a secret typed into a
profile would outlive the session it was meant for. A loaded profile that needs one
opens in the dialog with the field to fill named.

Every question (the name, overwrite, delete) is a window-modal dialog opened with
`open()`, never `exec()`: a nested event loop would stall the qasync loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.net.options import AUTH_BASIC, AUTH_BEARER, ConnectionOptions, OptionsError
from app.services.persistence import PersistenceError
from app.ui.common.naming import named
from app.ui.common.style import tint

SECRETS_NOTE = "Profiles keep every option except the token and password: type those after loading."


class ProfileStore(Protocol):
    """What the persistence file offers for profiles (app/services/persistence.py); each raises `PersistenceError`."""

    def profiles(self) -> dict[str, dict]: ...
    def save_profile(self, name: str, options: dict) -> None: ...
    def delete_profile(self, name: str) -> None: ...


def read_profiles(store: ProfileStore) -> tuple[dict[str, ConnectionOptions], dict[str, str]]:
    """The usable profiles by name, and the unreadable ones with the reason (edited by hand, newer format)."""
    usable: dict[str, ConnectionOptions] = {}
    broken: dict[str, str] = {}
    for name, data in store.profiles().items():
        try:
            usable[name] = ConnectionOptions.from_dict(data)
        except OptionsError as error:
            broken[name] = str(error)
    return usable, broken


def missing_secret(options: ConnectionOptions) -> str:
    """The field a loaded profile still needs before it can connect ("" when none)."""
    if options.auth == AUTH_BEARER and not options.bearer_token:
        return "token"
    if options.auth == AUTH_BASIC and not options.password:
        return "password"
    return ""


class ProfileBar(QWidget):
    """Pick a saved profile, save the dialog's options as one, delete one."""

    chosen = Signal(str, object)  # name, ConnectionOptions: load these into the dialog

    def __init__(self, store: ProfileStore, current: Callable[[], ConnectionOptions],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._current = current  # the options as the dialog holds them now
        self.name_dialog: QInputDialog | None = None
        self.question: QMessageBox | None = None
        self.picker = named(QComboBox(), "profilePicker")
        self.picker.setMinimumContentsLength(24)
        self.picker.setToolTip("Load a saved profile into this dialog")
        self.save_button = named(QPushButton("Save as profile…"), "profileSave")
        self.save_button.setToolTip("Save these options under a name (the token and password are not saved)")
        self.delete_button = named(QPushButton("Delete"), "profileDelete")
        self.delete_button.setToolTip("Delete the chosen profile")
        self.status = named(QLabel(), "profileStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Profile"))
        row.addWidget(self.picker, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.picker.activated.connect(self._picked)
        self.save_button.clicked.connect(self.ask_name)
        self.delete_button.clicked.connect(self.ask_delete)
        self.say(SECRETS_NOTE, "text.muted")
        self.refresh()  # a file that cannot be read replaces the note with the reason

    # -- the list ------------------------------------------------------------------------------

    @property
    def chosen_name(self) -> str:
        return self.picker.currentData() or ""

    def refresh(self, select: str = "") -> None:
        """Reread the profiles; `select` the one named (else the placeholder)."""
        try:
            usable, broken = read_profiles(self.store)
        except PersistenceError as error:  # a file that went away or was locked: say so, keep the dialog usable
            usable, broken = {}, {}
            self.say(f"Profiles cannot be read: {error}", "status.error")
        self._usable = usable
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem("Choose a saved profile…" if usable or broken else "No saved profiles yet", None)
        for name in sorted({*usable, *broken}, key=str.casefold):
            self.picker.addItem(name if name in usable else f"{name} (unreadable)", name)
            if name in broken:
                self.picker.setItemData(self.picker.count() - 1, broken[name], Qt.ItemDataRole.ToolTipRole)
        found = self.picker.findData(select) if select else -1
        self.picker.setCurrentIndex(max(0, found))
        self.picker.blockSignals(False)
        self.delete_button.setEnabled(bool(self.chosen_name))

    def choose(self, name: str) -> bool:
        """Select and load the profile `name`; False (with the reason shown) if it cannot be."""
        self.refresh(select=name)
        if self.chosen_name != name:
            self.say(f"No profile named {name!r}", "status.error")
            return False
        return self._picked()

    def _picked(self, _index: int = -1) -> bool:
        name = self.chosen_name
        self.delete_button.setEnabled(bool(name))
        if not name:
            return False
        options = self._usable.get(name)
        if options is None:
            self.say(f"Profile {name!r} cannot be loaded: {self.picker.currentData(Qt.ItemDataRole.ToolTipRole) or 'unreadable'}",
                     "status.error")
            return False
        self.chosen.emit(name, options)
        secret = missing_secret(options)
        if secret:
            self.say(f"Loaded {name!r}. Type the {secret}: profiles do not keep secrets.", "status.warning")
        else:
            self.say(f"Loaded {name!r}.", "text.muted")
        return True

    def say(self, text: str, colour_name: str = "text.muted") -> None:
        tint(self.status, colour_name)
        self.status.setText(text)

    # -- saving ----------------------------------------------------------------------------------

    def ask_name(self) -> None:
        options = self._current()
        problems = _problems_beside_secrets(options)
        if problems:
            self.say("Not saved: " + "; ".join(problems), "status.error")
            return
        dialog = named(QInputDialog(self), "profileNameDialog")
        dialog.setWindowTitle("Save as profile")
        dialog.setLabelText("Profile name (the token and password are not saved):")
        dialog.setTextValue(self.chosen_name or _suggested_name(options.url))
        dialog.setOkButtonText("Save")
        dialog.textValueSelected.connect(lambda name: self._name_given(name, options))
        dialog.finished.connect(dialog.deleteLater)
        self.name_dialog = dialog
        dialog.open()

    def _name_given(self, name: str, options: ConnectionOptions) -> None:
        self.name_dialog = None
        name = name.strip()
        if not name:
            self.say("Not saved: a profile needs a name", "status.error")
            return
        try:
            exists = name in self.store.profiles()
        except PersistenceError as error:
            self.say(f"Not saved: {error}", "status.error")
            return
        if exists:
            self._ask(f"A profile named {name!r} exists. Replace it with these options?", "Replace",
                      lambda: self.save(name, options))
        else:
            self.save(name, options)

    def save(self, name: str, options: ConnectionOptions) -> bool:
        try:
            self.store.save_profile(name, options.to_dict(include_secrets=False))
        except PersistenceError as error:  # the file refused it: nothing typed is lost, the dialog stays
            self.say(f"Not saved: {error}", "status.error")
            return False
        self.refresh(select=name)
        kept_out = " (the token and password were left out)" if options.bearer_token or options.password else ""
        self.say(f"Saved profile {name!r}{kept_out}.", "text.muted")
        return True

    # -- deleting --------------------------------------------------------------------------------

    def ask_delete(self) -> None:
        name = self.chosen_name
        if name:
            self._ask(f"Delete the profile {name!r}?", "Delete", lambda: self.delete(name))

    def delete(self, name: str) -> None:
        try:
            self.store.delete_profile(name)
        except PersistenceError as error:
            self.say(f"Not deleted: {error}", "status.error")
            return
        self.refresh()
        self.say(f"Deleted profile {name!r}.", "text.muted")

    def _ask(self, text: str, action: str, then: Callable[[], Any]) -> None:
        box = named(QMessageBox(QMessageBox.Icon.Question, "Connection profile", text,
                                 QMessageBox.StandardButton.Cancel, self), "profileQuestion")
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: then() if button is yes else None)
        box.finished.connect(box.deleteLater)
        box.finished.connect(lambda _: setattr(self, "question", None))
        self.question = box
        box.open()


def _problems_beside_secrets(options: ConnectionOptions) -> list[str]:
    """What would stop these options from connecting, a missing secret aside (secrets are not saved)."""
    return replace(options, bearer_token=options.bearer_token or "-").problems()


def _suggested_name(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or url}{parts.path if parts.path not in ('', '/') else ''}"


__all__ = ["ProfileBar", "ProfileStore", "SECRETS_NOTE", "missing_secret", "read_profiles"]
