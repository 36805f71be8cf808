"""The embedded FastAPI server: the demo app, the traffic tap and the thread that runs them.

Qt-free: the desktop window and the headless command line both drive it.
"""
