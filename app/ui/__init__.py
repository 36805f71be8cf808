"""The Qt layer: the window, its widgets and the Qt models that adapt the core."""
