"""One SMTP session per mailbox, kept open across short gaps and renewed after long ones."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import aiosmtplib

from outreach.addresses import needs_smtputf8
from outreach.mailbox.account import Account
from outreach.mailbox.connect import smtp_client, smtp_login, smtp_token_auth
from outreach.mailbox.ports import DeliveryInDoubt
from outreach.oauth import tokens

log = logging.getLogger(__name__)


class SmtpUtf8Unsupported(aiosmtplib.SMTPNotSupported):
    """An address with a non-ASCII local part, and a server that does not offer SMTPUTF8:
    the message cannot be sent through this mailbox at all (no retry helps)."""


def utf8_options(client: aiosmtplib.SMTP, addresses: list[str]) -> tuple[list[str], str]:
    """The MAIL options and the address encoding of a transaction: SMTPUTF8 and UTF-8
    when an address needs it and the server offers it; :class:`SmtpUtf8Unsupported` when
    it needs it and the server does not."""
    needing = [a for a in addresses if needs_smtputf8(a)]
    if not needing:
        return [], "ascii"
    if not client.supports_extension("smtputf8"):
        raise SmtpUtf8Unsupported(
            f"{needing[0]} has non-ASCII characters before the @ and the server "
            f"{client.hostname} does not offer SMTPUTF8: send from a mailbox whose server "
            "does, then `outreach campaign retry`"
        )
    return ["SMTPUTF8"], "utf-8"


class SmtpSession:
    """Sends one message at a time over a reused connection.

    ``idle_reconnect`` seconds without a send and the connection is renewed before the next
    one (servers drop idle sessions, and a dead socket is only noticed on use).
    """

    def __init__(
        self,
        account: Account,
        get_secret: Callable[[], Awaitable[str]],
        idle_reconnect: float = 60.0,
        timeout: float = 60.0,
    ) -> None:
        self.account = account
        self._get_secret = get_secret
        self._idle_reconnect = idle_reconnect
        self._timeout = timeout
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = 0.0

    async def send(self, sender: str, recipients: list[str], message: bytes) -> tuple[str, int]:
        """One SMTP transaction: MAIL, RCPT each, DATA.

        The first recipient is the prospect: if it is refused, the transaction is reset
        and the refusal raised. Later recipients (our own Sent copy) may be refused
        without failing the send. Returns the server's DATA reply and how many
        recipients it took.
        """
        client = await self._ready_client()
        try:
            accepted = await self._transaction(client, sender, recipients, message)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError):
            await self.close()
            raise
        self._last_used = time.monotonic()
        return accepted

    async def _transaction(
        self, client: aiosmtplib.SMTP, sender: str, recipients: list[str], message: bytes
    ) -> tuple[str, int]:
        options, encoding = utf8_options(client, [sender, *recipients])
        try:
            await client.mail(sender, options=options, encoding=encoding)
            await client.rcpt(recipients[0], encoding=encoding)
            taken = 1 + sum(
                [await self._optional_rcpt(client, r, encoding) for r in recipients[1:]]
            )
            response = await self._data(client, message)
        except aiosmtplib.SMTPResponseException:
            await self._reset(client)
            raise
        return response.message, taken

    @staticmethod
    async def _data(client: aiosmtplib.SMTP, message: bytes) -> aiosmtplib.SMTPResponse:
        """DATA and the message; a connection lost or hung from here on leaves the server's
        verdict unknown (counted from the DATA command: erring toward doubt is safe)."""
        try:
            return await client.data(message)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            raise DeliveryInDoubt(f"connection lost after DATA: {exc}") from exc

    async def _optional_rcpt(
        self, client: aiosmtplib.SMTP, recipient: str, encoding: str = "ascii"
    ) -> bool:
        try:
            await client.rcpt(recipient, encoding=encoding)
        except aiosmtplib.SMTPRecipientRefused as exc:
            log.warning("copy recipient %s refused: %s %s", recipient, exc.code, exc.message)
            return False
        return True

    async def _reset(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError):
            await self.close()

    async def _ready_client(self) -> aiosmtplib.SMTP:
        stale = time.monotonic() - self._last_used > self._idle_reconnect
        if self._client is not None and (stale or not self._client.is_connected):
            await self.close()
        if self._client is None:
            self._client = await self._connect()
            self._last_used = time.monotonic()
        return self._client

    async def _connect(self) -> aiosmtplib.SMTP:
        client = smtp_client(self.account, timeout=self._timeout)
        await client.connect()
        try:
            await self._login(client)
        except BaseException:
            client.close()
            raise
        log.debug("smtp connected for %s", self.account.email)
        return client

    async def _login(self, client: aiosmtplib.SMTP) -> None:
        """Log in; an OAuth token the server refuses is dropped and, once, a new one asked
        for (a revoked sign-in then ends in ``SignInRequired``, not a retry loop)."""
        try:
            await smtp_login(client, self.account, await self._get_secret())
        except aiosmtplib.SMTPAuthenticationError:
            if self.account.secret.oauth is None:
                raise
            tokens.discard(self.account.email)
            await smtp_token_auth(client, self.account.username, await self._get_secret())

    async def login_check(self) -> None:
        """Connect and log in now (raises the server's refusal)."""
        await self._ready_client()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
