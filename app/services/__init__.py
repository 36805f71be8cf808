"""Qt-free facades over the network threads, shared by the window and the command line."""
