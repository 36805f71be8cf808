"""The main window and what frames the features: docks, notices, settings and the payload tool docks."""
