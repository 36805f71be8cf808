"""Render SocketScope's icon as the PNGs of the hicolor icon theme: `python packaging/render_icons.py DIR`.

Writes DIR/<n>x<n>/apps/socketscope.png for each of the window's icon sizes (16 to 512), drawn from
resources/socketscope.svg as the window draws it. The bundle's spec runs it into share/icons/hicolor,
beside the scalable SVG, for desktops and software centres that take PNGs only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: render_icons.py DIR  (DIR: an icon theme's folder, such as share/icons/hicolor)", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: a build machine may have no display
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication

    from app.ui.common.icons import APP_ICON_SIZES, app_icon

    _application = QGuiApplication([])  # the SVG's text needs the font database
    icon = app_icon()
    if icon.isNull():
        print("resources/socketscope.svg is missing", file=sys.stderr)
        return 1
    for side in APP_ICON_SIZES:
        folder = Path(argv[0]) / f"{side}x{side}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not icon.pixmap(QSize(side, side), 1.0).save(str(folder / "socketscope.png")):
            print(f"could not write {folder / 'socketscope.png'}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
