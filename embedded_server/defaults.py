"""Where the embedded server listens unless told otherwise.

A module of its own so the window can read these without importing the server stack
(uvicorn, FastAPI), which it loads only after it has painted.
"""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
