"""Payloads kept for reuse: the history, the library and the template variables panels."""
