"""The Statistics dock and Plot field… windows: the traffic drawn as charts (pyqtgraph, imported when first shown)."""
