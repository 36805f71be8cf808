"""Capture files and sessions: import and export (File menu), recording and replay (Capture menu)."""
