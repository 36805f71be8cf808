"""The Qt-free layers stay Qt-free, so they run (and are tested) without a QApplication."""

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

QT_FREE = ["app/core", "app/net", "app/services", "app/commands", "embedded_server"]
QT_MODULES = ("PySide6", "shiboken6", "qasync", "app.ui")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", QT_FREE)
def test_layer_imports_no_qt(package: str) -> None:
    files = sorted((REPO / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = {
        f"{path.relative_to(REPO)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in QT_MODULES or name.startswith(QT_MODULES)
    }
    assert not offenders, f"Qt imported in a Qt-free layer: {sorted(offenders)}"


def test_checker_sees_qt_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport qasync\n")
    assert imported_modules(sample) == {"PySide6.QtCore", "qasync"}
