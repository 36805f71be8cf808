"""The embedded server's panel: its address, start and stop, connected clients and pushes."""
