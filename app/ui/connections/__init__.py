"""The Connections panel, the connection options dialog and saved connection profiles."""
