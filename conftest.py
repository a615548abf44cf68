"""Plain `pytest` from the repository root grades with the course plugin."""

pytest_plugins = ["harness.plugin"]
