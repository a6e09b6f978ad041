"""A mailbox account as plain values: what the SMTP and IMAP adapters need to connect."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.secrets import SecretRef

Security = Literal["starttls", "tls", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "tls", "none")

DEFAULT_PORTS: dict[tuple[str, str], int] = {
    ("smtp", "starttls"): 587,
    ("smtp", "tls"): 465,
    ("smtp", "none"): 25,
    ("imap", "starttls"): 143,
    ("imap", "tls"): 993,
    ("imap", "none"): 143,
}


@dataclass(frozen=True)
class Endpoint:
    """One server: host, port and how the connection is secured."""

    host: str
    port: int
    security: Security

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


@dataclass(frozen=True)
class Account:
    """Everything needed to log in to a rep's mailbox, except the secret itself."""

    email: str
    username: str
    display_name: str | None
    smtp: Endpoint
    imap: Endpoint
    insecure_skip_verify: bool
    secret: SecretRef

    @property
    def uses_oauth2(self) -> bool:
        return self.secret.source in ("oauth2_command", "oauth2")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (the only place plaintext is allowed)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_endpoint(protocol: str, host: str, port: int | None, security: str) -> Endpoint:
    """Validate one server's settings (plaintext only on loopback) into an :class:`Endpoint`."""
    if security not in SECURITIES:
        raise ConfigError(
            _("{option} must be one of {choices}, not {value}").format(
                option=f"--{protocol}-security", choices=", ".join(SECURITIES),
                value=repr(security))
        )
    if security == "none" and not is_loopback(host):
        raise ConfigError(
            _("{option} none would send your password in clear text to {host}").format(
                option=f"--{protocol}-security", host=host),
            hint=_("use starttls or tls; plaintext is only allowed for a server on loopback"),
        )
    if port is not None and not 0 < port < 65536:
        raise ConfigError(_("{option} must be between 1 and 65535, not {value}").format(
            option=f"--{protocol}-port", value=port))
    resolved = port if port is not None else DEFAULT_PORTS[(protocol, security)]
    return Endpoint(host=host, port=resolved, security=security)
