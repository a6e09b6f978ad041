"""The IMAP half of the sandbox: pymap's in-memory ("dict") backend, plus SPECIAL-USE.

pymap gives us IMAP4rev1, IDLE, MOVE, UIDPLUS and an in-memory mailbox store. It does not
know RFC 6154 SPECIAL-USE, so :class:`SpecialUseSession` adds ``\\Sent``, ``\\Junk``,
``\\Drafts`` and ``\\Trash`` to the LIST attributes of those folders and the config
advertises the ``SPECIAL-USE`` capability. The extended ``LIST (SPECIAL-USE)`` selection
syntax of RFC 5258 is not understood by pymap's parser; clients find the folders from the
attributes of a plain ``LIST "" "*"`` (which is what imapclient's ``find_special_folder``
does).

XOAUTH2 is offered next to PLAIN and LOGIN: :class:`SandboxLogin` accepts the access
tokens in :attr:`MailStore.tokens` (see :mod:`.xoauth2`).

Every coroutine here must run on the sandbox's event loop: pymap's locks and events bind
to the loop that first uses them.
"""

from __future__ import annotations

import ssl
from argparse import Namespace
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from pymap.backend.dict import Config, Identity, Login, Session
from pymap.backend.dict.filter import FilterSet
from pymap.backend.dict.mailbox import MailboxData, MailboxSet, Message
from pymap.concurrent import Subsystem
from pymap.config import BackendCapability
from pymap.exceptions import InvalidAuth
from pymap.interfaces.login import IdentityInterface
from pymap.parsing.message import AppendMessage
from pymap.parsing.specials import FetchRequirement
from pymap.parsing.specials.flag import Flag, Seen
from pymap.parsing.specials.searchkey import SearchKey
from pymap.selected import SelectedMailbox
from pymap.user import UserMetadata
from pysasl import SASLAuth
from pysasl.creds.external import ExternalCredentials
from pysasl.creds.server import ServerCredentials
from pysasl.hashing import Cleartext

from .imapwire import imap_connection_callback
from .xoauth2 import BearerTokens, SandboxXOAuth2Mechanism, bearer_login

__all__ = ["SPECIAL_USE_FOLDERS", "MailStore"]

#: Folders every sandbox mailbox has besides INBOX, with their RFC 6154 attribute.
SPECIAL_USE_FOLDERS: dict[str, bytes] = {
    "Sent": b"Sent",
    "Junk": b"Junk",
    "Drafts": b"Drafts",
    "Trash": b"Trash",
}

_ListRows = Iterable[tuple[str, str | None, Sequence[bytes]]]


class SandboxConfig(Config):
    """pymap's dict config with SPECIAL-USE and XOAUTH2 advertised, a fixed greeting (no DNS)."""

    def __init__(
        self,
        *,
        hostname: str,
        ssl_context: ssl.SSLContext | None,
        tokens: BearerTokens | None = None,
    ) -> None:
        args = Namespace(passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)
        super().__init__(
            args,
            host="127.0.0.1",
            port=0,
            demo_data=False,
            demo_user="",
            demo_password="",
            tls_enabled=ssl_context is not None,
            # Without an explicit context pymap would read CERT_FILE from the environment.
            ssl_context=ssl_context or ssl.create_default_context(ssl.Purpose.CLIENT_AUTH),
            reject_dnsbl=False,
            invalid_user_sleep=0.0,
            # Cleartext "hashing" and no thread pool: instant logins, no extra threads.
            hash_context=Cleartext(),
            subsystem=Subsystem.for_asyncio(),
            cpu_subsystem=Subsystem.for_asyncio(),
        )
        self._hostname = hostname
        self._tokens = tokens or BearerTokens()

    @property
    def tls_auth(self) -> SASLAuth:
        # pymap uses these mechanisms on loopback and after STARTTLS: PLAIN, LOGIN, XOAUTH2.
        plain_and_login = super().tls_auth.server_mechanisms
        return SASLAuth([*plain_and_login, SandboxXOAuth2Mechanism(self._tokens)])

    @property
    def backend_capability(self) -> BackendCapability:
        return BackendCapability(
            idle=True, object_id=True, multi_append=True, custom=[b"SPECIAL-USE"]
        )

    @property
    def greeting(self) -> bytes:
        return b"Server ready " + self._hostname.encode("ascii")


class SpecialUseSession(Session):
    """A dict-backend session whose LIST answers carry SPECIAL-USE attributes."""

    async def list_mailboxes(
        self,
        ref_name: str,
        filter_: str,
        subscribed: bool = False,
        selected: SelectedMailbox | None = None,
    ) -> tuple[_ListRows, SelectedMailbox | None]:
        rows, updates = await super().list_mailboxes(ref_name, filter_, subscribed, selected)
        return [_with_special_use(name, sep, attrs) for name, sep, attrs in rows], updates

    async def search_mailbox(
        self, selected: SelectedMailbox, keys: frozenset[SearchKey]
    ) -> tuple[Iterable[tuple[int, Message]], SelectedMailbox]:
        # pymap searches the session's view as of the previous command; a real server
        # (Dovecot) includes messages delivered since, announcing them with EXISTS.
        mailbox = await self._get_selected(selected)
        await mailbox.update_selected(selected)
        return await super().search_mailbox(selected, keys)


def _with_special_use(
    name: str, sep: str | None, attrs: Sequence[bytes]
) -> tuple[str, str | None, Sequence[bytes]]:
    special = SPECIAL_USE_FOLDERS.get(name)
    return name, sep, [*attrs, special] if special else attrs


class SandboxIdentity(Identity):
    """An identity whose sessions use the mailboxes the sandbox created for the user."""

    @asynccontextmanager
    async def new_session(self) -> AsyncIterator[Session]:
        await self.get()  # raises UserNotFound for deleted users
        mailbox_set, filter_set = self.config.set_cache[self.name]
        yield SpecialUseSession(self.name, self.config, mailbox_set, filter_set)


class SandboxLogin(Login):
    """pymap's dict login, handing out :class:`SandboxIdentity` sessions.

    Passwords are checked by pymap; XOAUTH2 credentials against ``bearer_tokens``.
    """

    def __init__(self, config: Config, tokens: BearerTokens) -> None:
        super().__init__(config)
        self.bearer_tokens = tokens

    async def authenticate(self, credentials: ServerCredentials) -> Identity:
        if not isinstance(credentials, ExternalCredentials):
            return await super().authenticate(credentials)
        login = bearer_login(credentials)
        if not self.bearer_tokens.accepts(login):
            raise InvalidAuth("Invalid credentials: the access token is wrong or expired.")
        return Identity(login.user.lower(), self, None, frozenset())

    async def authorize(self, authenticated: IdentityInterface, authzid: str) -> Identity:
        # XOAUTH2 names the user as typed; mailboxes are stored in lower case.
        identity = await super().authorize(authenticated, authzid.lower())
        return SandboxIdentity(identity.name, self, None, identity.roles)


class MailStore:
    """Users and their mailboxes, served over IMAP by pymap."""

    def __init__(self, *, hostname: str, ssl_context: ssl.SSLContext | None) -> None:
        #: Access tokens for XOAUTH2, checked by the IMAP login and the SMTP server alike.
        self.tokens = BearerTokens()
        self.config = SandboxConfig(hostname=hostname, ssl_context=ssl_context, tokens=self.tokens)
        self.login = SandboxLogin(self.config, self.tokens)

    def has_user(self, address: str) -> bool:
        """True if ``address`` is a mailbox of this store."""
        return address in self.login.users_dict

    def check_password(self, address: str, password: str) -> bool:
        """True if ``address`` is a user here and ``password`` is its password."""
        user = self.login.users_dict.get(address)
        return user is not None and user.compare_secret(password)

    async def add_user(self, address: str, password: str) -> None:
        """Create (or re-password) ``address`` with INBOX and the special-use folders."""
        user = UserMetadata(
            self.config,
            address,
            password=password,
            previous_entity_tag=UserMetadata.REPLACE_ANY,
        )
        await SandboxIdentity(address, self.login, None, frozenset()).set(user)
        if address not in self.config.set_cache:
            self.config.set_cache[address] = (await _new_mailbox_set(), FilterSet())

    async def append(self, address: str, folder: str, raw: bytes, *, seen: bool = False) -> None:
        """Store ``raw`` in ``folder`` of ``address``; IDLE clients on it are woken."""
        mailbox = await self._mailbox(address, folder)
        flags: frozenset[Flag] = frozenset({Seen}) if seen else frozenset()
        message = AppendMessage(raw, datetime.now(UTC), flags)
        await mailbox.append(message, recent=True)

    async def fetch_all(self, address: str, folder: str) -> list[bytes]:
        """The raw bytes of every message in ``folder`` of ``address``, oldest first."""
        mailbox = await self._mailbox(address, folder)
        stored = [message async for message in mailbox.messages()]
        loaded = [await m.load_content(FetchRequirement.CONTENT) for m in stored]
        return [bytes(message) for message in loaded]

    async def folders(self, address: str) -> list[str]:
        """Names of the folders of ``address``."""
        mailbox_set, _ = self.config.set_cache[address]
        tree = await mailbox_set.list_mailboxes()
        return [entry.name for entry in tree.list()]

    def connection_callback(self) -> Callable[..., Awaitable[None]]:
        """The ``client_connected_cb`` for :func:`asyncio.start_server`."""
        return imap_connection_callback(self.login, self.config)

    async def _mailbox(self, address: str, folder: str) -> MailboxData:
        try:
            mailbox_set, _ = self.config.set_cache[address]
        except KeyError:
            raise KeyError(f"no sandbox mailbox {address!r}") from None
        try:
            return await mailbox_set.get_mailbox(folder)
        except KeyError:
            raise KeyError(f"no folder {folder!r} in sandbox mailbox {address!r}") from None


async def _new_mailbox_set() -> MailboxSet:
    mailbox_set = MailboxSet()
    for folder in SPECIAL_USE_FOLDERS:
        await mailbox_set.add_mailbox(folder)
        await mailbox_set.set_subscribed(folder, True)
    return mailbox_set
