"""The SMTP half of the sandbox: an aiosmtpd submission server that feeds the post office.

AUTH LOGIN/PLAIN is checked against the sandbox users' passwords, AUTH XOAUTH2 against the
access tokens granted to them (see :mod:`.xoauth2`). On loopback AUTH without TLS is
allowed (``auth_require_tls=False``); instead of aiosmtpd's ``auth_required`` (which warns
when TLS is not required) MAIL FROM answers 530 until the client has authenticated, which
is what a real submission server does too.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from .postoffice import PostOffice
from .xoauth2 import smtp_auth_xoauth2

__all__ = ["SandboxAuthenticator", "SandboxSmtpHandler", "smtp_factory"]


class _DropLoginDataNotice(logging.Filter):
    """aiosmtpd 1.4 logs a deprecation warning about its own ``login_data`` on every AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Session.login_data is deprecated")


_LOGIN_DATA_FILTER = _DropLoginDataNotice()


class SandboxAuthenticator:
    """aiosmtpd authenticator that checks LOGIN/PLAIN credentials against sandbox users."""

    def __init__(self, check_password: Callable[[str, str], bool]) -> None:
        self._check_password = check_password

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", errors="replace").lower()
        password = auth_data.password.decode("utf-8", errors="replace")
        return AuthResult(success=self._check_password(login, password), handled=False)


class SandboxSmtpHandler:
    """aiosmtpd handler: require AUTH, apply RCPT faults, hand DATA to the post office."""

    def __init__(self, post_office: PostOffice) -> None:
        self._post_office = post_office

    async def auth_XOAUTH2(  # noqa: N802 - aiosmtpd finds extra mechanisms by this name
        self, server: SMTP, args: list[str]
    ) -> AuthResult:
        return await smtp_auth_xoauth2(server, args, self._post_office.store.tokens)

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self._post_office.rcpt_reply(address)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return reply

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        await self._post_office.submit(envelope.mail_from or "", envelope.rcpt_tos, content)
        return "250 2.0.0 Ok: queued"


def smtp_factory(
    post_office: PostOffice, *, hostname: str, starttls: ssl.SSLContext | None
) -> Callable[[], SMTP]:
    """A protocol factory for ``loop.create_server``; ``starttls`` enables STARTTLS."""
    logging.getLogger("mail.log").addFilter(_LOGIN_DATA_FILTER)  # idempotent
    handler = SandboxSmtpHandler(post_office)
    authenticator = SandboxAuthenticator(post_office.store.check_password)

    def build() -> SMTP:
        return SMTP(
            handler,
            hostname=hostname,
            ident="outreach sandbox ESMTP",
            tls_context=starttls,
            auth_require_tls=False,
            authenticator=authenticator,
            enable_SMTPUTF8=True,
        )

    return build
