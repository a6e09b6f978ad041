"""One error hierarchy for everything a user can cause or meet.

Every error carries a message a person can act on: what is wrong, where (file, line,
field) and what to do. Adapter errors (SMTP, IMAP, DB, keyring) are wrapped at the
boundary so the CLI and the TUI only ever have to handle ``OutreachError``.
"""

from __future__ import annotations


class OutreachError(Exception):
    """Base of all errors outreach reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  → {self.hint}"
        return self.message


class ConfigError(OutreachError):
    """Bad configuration or command-line input."""

    exit_code = 2


class NotFoundError(OutreachError):
    """A named thing (mailbox, campaign, prospect) does not exist."""

    exit_code = 3


class SecretError(OutreachError):
    """A mailbox secret could not be stored or fetched."""


class ConnectionFailed(OutreachError):
    """A mail server could not be reached or refused us."""


class InboxUnreachable(ConnectionFailed):
    """A mailbox's IMAP server cannot be reached; it is tried again in ``retry_in`` seconds
    (the failure was logged once where it happened: callers just wait)."""

    def __init__(self, message: str, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


class ValidationFailed(OutreachError):
    """Input (YAML, CSV, template) failed validation; ``problems`` lists each finding."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [super().__str__(), *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class SignInRequired(SecretError):
    """An OAuth mailbox must be signed in (again): never signed in, or the provider refused
    the stored grant (revoked, expired, password changed). The message is the pause reason;
    ``cause`` says why, for the log."""

    def __init__(self, address: str, cause: str) -> None:
        super().__init__(f"sign in again: outreach mailbox login {address}")
        self.address = address
        self.cause = cause
