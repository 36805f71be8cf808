"""The selected message: its lazy JSON tree, raw text, hex dump, and the comparison of two messages."""
