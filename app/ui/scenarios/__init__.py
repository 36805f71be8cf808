"""Scenario tests and inference in the window: Infer schema, Save as test, the Tests dock."""
