"""The message log: its table model, columns and sorting, selection, filter bar and actions."""
