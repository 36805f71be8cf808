"""View → Composer (Ctrl+E): fold the composer to its heading, and open it at the height it had.

The composer sits under the message view in the right-hand splitter. Folded it keeps only its
heading (`Composer.set_folded`) and the message view takes the rest; opened again, it gets back
the height the user last gave it by dragging the splitter.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter

from app.ui.compose.composer import FOLD_SHORTCUT, Composer

OPEN_HEIGHT = 300  # the composer's first height when opened: about eight lines to write in


class ComposerFold(QObject):
    def __init__(self, composer: Composer, splitter: QSplitter) -> None:
        super().__init__(splitter)
        self.composer, self.splitter = composer, splitter
        self.open_height = OPEN_HEIGHT
        self.action = QAction("&Composer", self)
        self.action.setObjectName("composerToggle")
        self.action.setCheckable(True)
        self.action.setChecked(not composer.folded)
        self.action.setShortcut(QKeySequence(FOLD_SHORTCUT))
        self.action.setStatusTip("Open the composer (the focus goes to its editor), or fold it to its heading")
        self.action.toggled.connect(lambda shown: composer.set_folded(not shown))
        composer.fold_changed.connect(self._fold_changed)
        composer.installEventFilter(self)  # its height while open is what opening gives back

    @property
    def folded(self) -> bool:
        return self.composer.folded

    def reset(self) -> None:
        """Folded, to open at the first height (View → Reset layout)."""
        self.restore(True, OPEN_HEIGHT)

    def restore(self, folded: bool, open_height: int) -> None:
        """As a saved layout had it (the splitter's own sizes are restored beside this)."""
        self.open_height = open_height
        self.composer.set_folded(folded)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and not self.composer.folded:
            self.open_height = self.composer.height()
        return False

    def _fold_changed(self, folded: bool) -> None:
        self.action.setChecked(not folded)
        if not folded:
            total = sum(self.splitter.sizes())
            height = min(self.open_height, total // 2)  # never more than half: the message comes first
            self.splitter.setSizes([total - height, height])
