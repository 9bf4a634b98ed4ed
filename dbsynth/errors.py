"""One exception root for everything dbsynth raises on purpose.

    DbsynthError
     ├── ConfigError        bad CLI option or config file value
     ├── ConnectorError     cannot reach / read / write a database
     │    └── TransientConnectorError   worth retrying (timeouts, lost connections)
     ├── SchemaError        the schema cannot be reflected or planned
     ├── ModelError         fitting, saving or loading a model failed
     ├── ConstraintError    rows still violate constraints after repair
     ├── LoadError          the target database refused the rows (rolled back)
     └── Interrupted        Ctrl-C: stopped, the load rolled back (exit 130)

The CLI prints ``error: <message>`` and exits non-zero; messages name the
table/column at fault and what to do next. Context lives in attributes so
callers can act on it without parsing text.
"""
from __future__ import annotations


class DbsynthError(Exception):
    """Base of every error dbsynth raises deliberately."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(DbsynthError):
    """A CLI option or config-file value is invalid."""


class ConnectorError(DbsynthError):
    """A database cannot be reached, read or written."""


class TransientConnectorError(ConnectorError):
    """A connector failure that may succeed when retried."""


class SchemaError(DbsynthError):
    """The schema cannot be reflected, serialised or planned."""


class ModelError(DbsynthError):
    """Fitting, saving or loading a model failed."""


class ConstraintError(DbsynthError):
    """Synthetic rows still violate constraints after bounded repair."""

    def __init__(self, message: str, *, violations: list | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.violations = violations or []


class LoadError(DbsynthError):
    """The target refused the rows; the load transaction was rolled back."""


class Interrupted(DbsynthError):
    """The user pressed Ctrl-C (SIGINT); any load in progress was rolled back."""
