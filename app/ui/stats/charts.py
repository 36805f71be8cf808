"""Plots drawn with pyqtgraph, imported the first time a chart is shown, in the theme's colours.

pyqtgraph (and numpy under it) takes about half a second to import: the window paints first, and only
a chart that is shown pays for it. Each plot takes the palette's Base as its background and the
theme table's `chart.*` colours for its axes, texts and series, and takes them again when the theme
changes (`ThemedPlots`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QPen
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.ui.common.style import colour, colours, follow_theme

SERIES_COLOURS = 7  # chart.1 … chart.7 in the theme table
_pyqtgraph: ModuleType | None = None


def pyqtgraph() -> ModuleType:
    """The pyqtgraph module, imported (and set up) on first use."""
    global _pyqtgraph
    if _pyqtgraph is None:
        import pyqtgraph as pg

        # Antialiased lines and a translucent grid more than double what a paint costs the GUI thread.
        pg.setConfigOptions(antialias=False, exitCleanup=False)  # (the application cleans up its own widgets)
        _pyqtgraph = pg
    return _pyqtgraph


def new_plot(parent: QWidget | None = None, *, dates: bool = False) -> Any:
    """A pyqtgraph PlotWidget whose context menus go with it (`dates`: its x axis reads epoch seconds as times).

    pyqtgraph makes them without a parent: left so, each would stay a top-level widget after the plot is gone.
    """
    pg = pyqtgraph()
    before = set(QApplication.topLevelWidgets())
    axes = {"bottom": pg.DateAxisItem(orientation="bottom")} if dates else None
    plot = pg.PlotWidget(parent, axisItems=axes)
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMenu) and widget not in before:
            widget.setParent(plot, widget.windowFlags())
    return plot


def series_colour(index: int) -> QColor:
    """The theme's colour for the `index`-th series of a chart (they repeat after SERIES_COLOURS)."""
    return colour(f"chart.{index % SERIES_COLOURS + 1}")


def series_pen(index: int, dashed: bool = False) -> QPen:
    pen = QPen(series_colour(index))
    pen.setWidthF(1.6)
    pen.setCosmetic(True)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def background() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.Base)


class ThemedPlots(QObject):
    """Colours plots (pyqtgraph PlotWidgets) and their legends by the theme, and again when it changes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plots: list[Any] = []
        self.restyle_series: list[Any] = []  # callables that give the series their colours again
        follow_theme(self.restyle)

    def add(self, plot: Any, title: str, left: str = "", bottom: str = "") -> Any:
        """Style `plot` (a pyqtgraph PlotWidget) with this title and axis labels, now and at each change of theme."""
        plot.setMenuEnabled(False)  # pyqtgraph's own menu offers exports and settings the window does not
        self.plots.append((plot, title, {"left": left, "bottom": bottom}))
        self._style(plot, title, {"left": left, "bottom": bottom})
        return plot

    def _style(self, plot: Any, title: str, labels: dict[str, str]) -> None:
        axis = colours()["chart.axis"]
        plot.setBackground(background())
        item = plot.getPlotItem()
        item.setTitle(title, color=axis)
        for name, label in labels.items():
            shown = item.getAxis(name)
            shown.setPen(axis)
            shown.setTextPen(axis)
            if label:
                item.setLabel(name, label, color=axis)
        legend = item.legend
        if legend is not None:
            legend.setLabelTextColor(axis)
            legend.setBrush(background())

    @Slot()
    def restyle(self) -> None:
        for plot, title, labels in self.plots:
            self._style(plot, title, labels)
        for restyle in self.restyle_series:
            restyle()

    def text_colours(self) -> list[QColor]:
        """Every colour text is drawn in on the plots (titles, axes, legends): for the contrast test."""
        found = []
        for plot, _title, _labels in self.plots:
            item = plot.getPlotItem()
            found.append(QColor(item.titleLabel.opts["color"]))
            for name in ("left", "bottom"):
                axis = item.getAxis(name)
                found.append(axis.textPen().color())
                if axis.labelText:
                    found.append(QColor(axis.labelStyle["color"]))
            if item.legend is not None:
                found.append(QColor(item.legend.opts["labelTextColor"]))
        return found
