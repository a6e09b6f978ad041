"""What a failed SMTP attempt means for the send, the prospect and the mailbox (pure).

- 4xx, timeouts and dropped connections are temporary → ``deferred`` with backoff;
- 5xx at MAIL/RCPT/DATA is permanent for this recipient → ``failed`` (hard bounce);
- authentication or TLS failures are the mailbox's problem → pause the mailbox (an OAuth
  sign-in the provider refused waits for ``outreach mailbox login``, no automatic retry);
- an address the server cannot take (non-ASCII local part without SMTPUTF8) → ``give_up``
  (the enrollment fails at once; ``campaign retry`` after a fix).
- a connection lost or hung after DATA began may have been accepted → ``in_doubt``: the
  send stays ``sending`` and the in-doubt check (Sent folder, bounces) settles it, as
  after a crash.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import aiosmtplib

from outreach.errors import SignInRequired
from outreach.mailbox.ports import DeliveryInDoubt
from outreach.mailbox.smtp import SmtpUtf8Unsupported

Verdict = Literal["deferred", "failed", "give_up", "pause_mailbox", "in_doubt"]


@dataclass(frozen=True)
class Failure:
    verdict: Verdict
    code: int | None
    message: str
    retry_login: bool = True  # a paused mailbox tries to log in again now and then


def classify_smtp_error(exc: BaseException) -> Failure:
    """Map an aiosmtplib/OS error of one send attempt to what to do about it."""
    if isinstance(exc, SmtpUtf8Unsupported):  # this mailbox can never send it: fail now
        return Failure("give_up", None, str(exc))
    if isinstance(exc, DeliveryInDoubt):
        return Failure("in_doubt", None, str(exc))
    if isinstance(exc, SignInRequired):  # only `outreach mailbox login` can mend it
        return Failure("pause_mailbox", None, exc.message, retry_login=False)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return Failure("pause_mailbox", exc.code, f"login refused: {exc.code} {exc.message}")
    if isinstance(exc, ssl.SSLError | aiosmtplib.SMTPConnectError) and _is_tls(exc):
        return Failure("pause_mailbox", None, f"TLS failed: {exc}")
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return _by_code(first.code, first.message)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if exc.code in (530, 534, 535, 538):
            return Failure("pause_mailbox", exc.code, f"login required/refused: {exc.message}")
        return _by_code(exc.code, exc.message)
    return Failure("deferred", None, f"{type(exc).__name__}: {exc}".strip())


def _is_tls(exc: BaseException) -> bool:
    return isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__, ssl.SSLError)


def _by_code(code: int, message: str) -> Failure:
    if 500 <= code < 600:
        return Failure("failed", code, message)
    return Failure("deferred", code, message)


def backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff after ``attempts`` failed tries: base, 2·base, 4·base … ≤ cap."""
    factor: int = 2 ** max(0, attempts - 1)
    return min(cap, base * factor)
