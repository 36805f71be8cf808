"""Building blocks every feature may use: the qasync bridge, shared widgets, palette and text helpers.

Nothing here imports a feature package (see the `ui-features` contract in pyproject.toml).
"""
