"""The exceptions gmm-anim raises; only the CLI turns them into exit codes."""

from __future__ import annotations

__all__ = ["GmmAnimError", "ConfigError", "OutputError", "GmmAnimWarning"]


class GmmAnimError(Exception):
    """Base class of every error gmm-anim reports to its user."""

    exit_code = 1


class ConfigError(GmmAnimError, ValueError):
    """A config file, an override or a data file is invalid (exit code 2).

    The message reads ``<file>: <field path>: <expected, got>``.
    """

    exit_code = 2

    def __init__(self, source: object, field: str, message: str) -> None:
        self.source = str(source)
        self.field = field
        self.message = message
        super().__init__(f"{self.source}: {field}: {message}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        # raised in a worker process (drawing/parallel.py), it crosses back to the parent by pickle
        return (type(self), (self.source, self.field, self.message))


class OutputError(GmmAnimError, OSError):
    """Writing the output failed: unwritable path, encoder failure (exit code 1)."""


class GmmAnimWarning(UserWarning):
    """Something recoverable went wrong; the message says what to change."""
