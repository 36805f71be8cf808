"""Qt-free domain layer: frames, the capture store, JSON documents.

Nothing under `app.core` may import PySide6; an import-linter contract (`make lint`) keeps it so.
"""
