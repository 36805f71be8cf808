"""The window's commands, read from its menu bar, actions and shortcuts as they are now.

The command palette offers them by name and Help → Keyboard shortcuts lists their keys:
one collection, so the two agree. A command knows its menu path ("Log › Clear log"),
its keys, where those keys work and whether it can run now. They are read when asked for,
never kept, so a menu item added, disabled or hidden later is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

ACRONYMS = {"json": "JSON", "jsonpath": "JSONPath", "url": "URL", "http": "HTTP"}
PATH_SEPARATOR = " › "
MOST_MENU_DEPTH = 8  # submenus within submenus: bounds the walk
WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


@dataclass(frozen=True)
class Command:
    what: str  # as the menu or the shortcut's description reads, without "&" or "…"
    path: tuple[str, ...]  # the menus it is in, from the menu bar down; () if it is in none
    keys: tuple[str, ...]  # as the platform shows them
    where: str  # where its keys work: "Log menu", "anywhere in the window", "in the message log"
    enabled: bool
    anywhere: bool  # in the menu bar, or its keys work anywhere in the window: it makes sense from the palette
    tip: str = ""
    checked: bool | None = None  # on or off, for a command that toggles (View › History); None otherwise
    run: Callable[[], object] = field(default=lambda: None, compare=False, repr=False)
    source: QObject | None = field(default=None, compare=False, repr=False)  # the QAction or QShortcut

    @property
    def label(self) -> str:
        """The menu path and the name: "Log › Clear log"."""
        return PATH_SEPARATOR.join((*self.path, self.what))


def plain(text: str) -> str:
    """A menu text as read: without mnemonic ampersands or a trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def where_keys_work(widget: QObject | None, context: Qt.ShortcutContext) -> str:
    if context in WINDOW_WIDE:
        return "anywhere in the window"
    while isinstance(widget, QWidget):
        name = widget.accessibleName()
        if name:  # "messageLog" reads "message log", "jsonTreePanel" "JSON tree panel"
            words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower().split()
            return "in the " + " ".join(ACRONYMS.get(word, word) for word in words)
        widget = widget.parentWidget()
    return "in its pane"


def _keys(sequences: list[QKeySequence]) -> tuple[str, ...]:
    return tuple(sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in sequences
                 if not sequence.isEmpty())


def _menu_actions(menu: QMenu, path: tuple[str, ...], enabled: bool,
                  depth: int = 0) -> Iterator[tuple[QAction, tuple[str, ...], bool]]:
    """Each action of `menu` and its submenus with its menu path, and whether its menus can be opened."""
    for action in menu.actions():
        if action.isSeparator() or not action.text() or not action.isVisible():
            continue
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            if depth < MOST_MENU_DEPTH:
                yield from _menu_actions(submenu, (*path, plain(submenu.title())), enabled and action.isEnabled(),
                                         depth + 1)
            continue
        yield action, path, enabled


def _action_command(action: QAction, path: tuple[str, ...], menus_enabled: bool) -> Command:
    context = action.shortcutContext()
    if context in WINDOW_WIDE:
        where = f"{PATH_SEPARATOR.join(path)} menu" if path else where_keys_work(None, context)
    else:
        widgets = [o for o in action.associatedObjects() if isinstance(o, QWidget) and not isinstance(o, QMenu)]
        where = where_keys_work(widgets[0] if widgets else action.parent(), context)
    return Command(plain(action.text()), path, _keys(action.shortcuts()), where,
                   enabled=menus_enabled and action.isEnabled(), anywhere=bool(path) or context in WINDOW_WIDE,
                   tip=action.statusTip(), checked=action.isChecked() if action.isCheckable() else None,
                   run=action.trigger, source=action)


def _in_another_window(item: QObject, window: QWidget) -> bool:
    """Whether `item` belongs to a window of its own (a dialog the window keeps): its keys work only there."""
    parent = item.parent()
    while parent is not None and not isinstance(parent, QWidget):
        parent = parent.parent()
    return isinstance(parent, QWidget) and parent.window() is not window


def _shortcut_commands(window: QWidget) -> list[Command]:
    """The window's shortcuts; those doing the same thing in the same place (Ctrl+Return, Ctrl+Enter) as one."""
    grouped: dict[tuple[str, str], list[QShortcut]] = {}
    for shortcut in window.findChildren(QShortcut):
        if shortcut.key().isEmpty() or _in_another_window(shortcut, window):
            continue
        what = shortcut.whatsThis() or "(not described)"
        grouped.setdefault((what, where_keys_work(shortcut.parent(), shortcut.context())), []).append(shortcut)
    commands = []
    for (what, where), shortcuts in grouped.items():
        first = shortcuts[0]
        parent = first.parent()
        in_this_window = isinstance(parent, QWidget) and parent.window() is window
        anywhere = in_this_window and first.context() in WINDOW_WIDE and bool(first.whatsThis())
        commands.append(Command(what, (), _keys([key for s in shortcuts for key in s.keys()]), where,
                                enabled=first.isEnabled(), anywhere=anywhere,
                                run=first.activated.emit, source=first))
    return commands


def window_commands(window: QWidget) -> list[Command]:
    """Every command of the window: the menu bar's in menu order, then other actions with keys, then shortcuts.

    Hidden actions are left out (their keys do nothing); disabled ones are kept, marked.
    """
    commands: list[Command] = []
    in_menus: set[QAction] = set()
    if isinstance(window, QMainWindow):
        for top in window.menuBar().actions():
            menu = top.menu()
            if not isinstance(menu, QMenu) or not top.isVisible():
                continue
            for action, path, enabled in _menu_actions(menu, (plain(menu.title()),), top.isEnabled()):
                if action not in in_menus:
                    in_menus.add(action)
                    commands.append(_action_command(action, path, enabled))
    for action in window.findChildren(QAction):
        if action in in_menus or action.isSeparator() or not action.text() or not action.isVisible() \
                or _in_another_window(action, window):
            continue
        if action.shortcuts():
            commands.append(_action_command(action, (), True))
    commands.extend(_shortcut_commands(window))
    return commands
