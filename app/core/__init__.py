"""Qt-free domain layer: frames, the capture store, JSON documents.

Nothing under `app.core` may import PySide6; `tests/test_layers.py` keeps it so.
"""
