"""ARCHITECTURE.md's map of app/ui stays the folders on disk and the layers import-linter enforces."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def documented_ui_folders() -> set[str]:
    text = (REPO / "ARCHITECTURE.md").read_text()
    start = text.index("app/ui/               Qt only here")
    block = text[start:text.index("app/services/ ", start)]
    return set(re.findall(r"^  ([a-z_]+)/ ", block, flags=re.MULTILINE))


def ui_folders_on_disk() -> set[str]:
    return {path.name for path in (REPO / "app" / "ui").iterdir() if (path / "__init__.py").is_file()}


def contracted_ui_folders() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c.get("containers") == ["app.ui"]]
    return {name.strip() for layer in contract["layers"] for name in layer.split("|")}


def test_the_documented_folders_are_the_folders_and_the_contract_names_them_all() -> None:
    assert documented_ui_folders() == ui_folders_on_disk() == contracted_ui_folders()


def test_app_ui_holds_no_module_outside_a_feature_folder() -> None:
    loose = {path.name for path in (REPO / "app" / "ui").glob("*.py")} - {"__init__.py"}
    assert not loose, f"put these in a feature folder (see ARCHITECTURE.md): {sorted(loose)}"
