"""The Statistics dock: the traffic drawn as charts (pyqtgraph, imported when first shown)."""
