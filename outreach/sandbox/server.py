"""The :class:`Sandbox`: an SMTP + IMAP server pair on loopback for the demo and the tests.

Both servers share one event loop in a background thread, so synchronous code (the CLI,
imapclient) and another event loop (the engine) can talk to them at the same time. All
state lives on that loop; the public methods hop onto it and wait for the answer.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from outreach.errors import NotFoundError, OutreachError
from outreach.i18n import _

from .imap import MailStore
from .loopthread import LoopThread
from .personas import Behaviour, Language, Persona
from .postoffice import PostOffice, RcptFault, RelayedMessage, default_fault
from .smtp import smtp_factory

__all__ = ["DEFAULT_HOSTNAME", "Sandbox", "SandboxEndpoints", "SandboxError"]

#: The name the sandbox's servers give themselves (RFC 2606 ``.test``: never resolvable).
DEFAULT_HOSTNAME = "mail.sandbox.test"

#: How often :meth:`Sandbox.wait_for_messages` looks at the mailbox.
_POLL_INTERVAL = 0.01


class SandboxError(OutreachError):
    """The sandbox could not start or was used wrongly."""


@dataclass(frozen=True)
class SandboxEndpoints:
    """Where a started sandbox listens. The TLS fields are set only with ``tls=True``."""

    host: str
    smtp_port: int
    imap_port: int
    smtps_port: int | None = None
    imaps_port: int | None = None
    ca_file: Path | None = None


@dataclass(frozen=True)
class _Running:
    """What exists only while the sandbox runs."""

    thread: LoopThread
    post_office: PostOffice
    servers: tuple[asyncio.Server, ...]
    endpoints: SandboxEndpoints


class Sandbox:
    """In-process SMTP (aiosmtpd) + IMAP (pymap) servers with scripted prospects.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. Users, personas and
    faults can be added only while it runs. Addresses are matched case-insensitively.
    ``host`` must be a literal address (``127.0.0.1`` or ``::1``): a name such as
    ``localhost`` may bind several sockets with different OS-chosen ports.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        smtp_port: int = 0,
        imap_port: int = 0,
        tls: bool = False,
        hostname: str = DEFAULT_HOSTNAME,
    ) -> None:
        self.host = host
        self.hostname = hostname
        self._ports = (smtp_port, imap_port)
        self._tls = tls
        self._running: _Running | None = None
        self._tempdir: Path | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> SandboxEndpoints:
        """Bind the servers (port 0 = chosen by the OS) and start serving."""
        if self._running is not None:
            raise SandboxError(_("The sandbox is already running."))
        ssl_context, ca_file = self._tls_material()
        post_office = PostOffice(
            MailStore(hostname=self.hostname, ssl_context=ssl_context), self.hostname
        )
        thread = LoopThread("outreach-sandbox")
        thread.start()
        try:
            servers = thread.run(self._listen(post_office, ssl_context))
        except BaseException as exc:
            thread.stop()
            self._remove_tempdir()
            if isinstance(exc, OSError):
                raise SandboxError(
                    _("The sandbox could not listen on {host}: {reason}.").format(
                        host=self.host, reason=exc.strerror or exc),
                    hint=_("Pick other ports, or port 0 to let the system choose."),
                ) from exc
            raise
        endpoints = _endpoints(self.host, servers, ca_file)
        self._running = _Running(thread, post_office, servers, endpoints)
        return endpoints

    def stop(self) -> None:
        """Close the servers and every connection, cancel pending answers, end the thread."""
        running, self._running = self._running, None
        if running is None:
            return
        running.thread.run(_close(running))
        running.thread.stop()
        self._remove_tempdir()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoints(self) -> SandboxEndpoints:
        """Host and ports of the running sandbox."""
        return self._state().endpoints

    # -- mailboxes, domains, faults ----------------------------------------------------

    def add_user(self, address: str, password: str) -> None:
        """Create a mailbox (INBOX, Sent, Junk, Drafts, Trash); SMTP and IMAP accept the login.

        Its domain becomes a sandbox domain. Adding an existing user changes its password.
        """
        address = _normal(address)
        running = self._state()
        running.thread.run(running.post_office.store.add_user(address, password))
        self.add_domain(address.rpartition("@")[2])

    def add_oauth_user(self, address: str, token: str) -> None:
        """Let ``address`` log in with XOAUTH2 and the access token ``token`` (SMTP and IMAP).

        The mailbox is created (random password) if it does not exist. Calling this again
        replaces the token, like a refresh: the previous one is refused from then on.
        """
        address = _normal(address)
        if not self._state().post_office.store.has_user(address):
            self.add_user(address, secrets.token_urlsafe(16))
        self._on_loop(lambda post: post.store.tokens.grant(address, token))

    def revoke_token(self, address: str) -> None:
        """Refuse every access token of ``address`` from now on (as if it expired)."""
        address = _normal(address)
        self._on_loop(lambda post: post.store.tokens.revoke(address))

    def add_domain(self, domain: str) -> None:
        """Treat ``domain`` as hosted here: mail to unknown users there bounces."""
        domain = _normal(domain)
        self._on_loop(lambda post: post.domains.add(domain))

    def fail_rcpt(self, address: str, code: int = 550, text: str | None = None) -> None:
        """Answer ``RCPT TO:<address>`` with ``code`` (5xx rejects, 4xx tempfails) from now on.

        ``text`` is the reply after the code; by default Postfix's usual wording.
        """
        if not 400 <= code <= 599:
            raise SandboxError(_("RCPT fault code {code} is not a 4xx or 5xx SMTP reply code.")
                               .format(code=code))
        address = _normal(address)
        fault = RcptFault(code, text) if text else default_fault(address, code)
        self._on_loop(lambda post: post.faults.__setitem__(address, fault))

    def clear_fault(self, address: str) -> None:
        """Accept ``address`` at RCPT time again."""
        address = _normal(address)
        self._on_loop(lambda post: post.faults.pop(address, None))

    def persona(
        self,
        address: str,
        behaviour: Behaviour | str,
        *,
        delay: float = 0.0,
        on_step: int | None = 1,
        name: str | None = None,
        language: Language = "de",
    ) -> Persona:
        """Let ``address`` play a prospect that reacts ``delay`` seconds after receiving.

        ``behaviour`` is ``silent``, ``reply``, ``auto_reply``, ``unsubscribe`` or
        ``bounce``; ``on_step`` is the (1-based) received message it reacts to, ``None``
        for every one. The address gets a mailbox (random password) if it has none.
        """
        persona = Persona(_normal(address), Behaviour(behaviour), delay, on_step, name, language)
        running = self._state()
        if not running.post_office.store.has_user(persona.address):
            self.add_user(persona.address, secrets.token_urlsafe(16))
        self._on_loop(lambda post: post.personas.__setitem__(persona.address, persona))
        return persona

    @property
    def relayed(self) -> list[RelayedMessage]:
        """Messages accepted for addresses outside the sandbox, oldest first."""
        running = self._state()
        return running.thread.run(_copy(running.post_office.relayed))

    # -- messages --------------------------------------------------------------------

    def inject(
        self, to_address: str, raw_message: bytes, folder: str = "INBOX", *, seen: bool = False
    ) -> None:
        """Drop ``raw_message`` as-is into ``folder`` of ``to_address`` (IDLE clients wake)."""
        running = self._state()
        store = running.post_office.store
        running.thread.run(
            _mapped(store.append(_normal(to_address), folder, raw_message, seen=seen))
        )

    def folders(self, address: str) -> list[str]:
        """The folder names of the mailbox ``address``."""
        running = self._state()
        return running.thread.run(_mapped(running.post_office.store.folders(_normal(address))))

    def messages(self, address: str, folder: str = "INBOX") -> list[EmailMessage]:
        """Every message in ``folder`` of ``address``, oldest first, parsed."""
        running = self._state()
        return running.thread.run(self._parsed(address, folder))

    def wait_for_messages(
        self, address: str, count: int, folder: str = "INBOX", timeout: float = 5.0
    ) -> list[EmailMessage]:
        """Block until ``folder`` holds at least ``count`` messages; raise TimeoutError if not."""
        running = self._state()
        return running.thread.run(self._wait(address, count, folder, timeout))

    async def messages_async(self, address: str, folder: str = "INBOX") -> list[EmailMessage]:
        """:meth:`messages` for callers on another event loop."""
        return await self._state().thread.run_async(self._parsed(address, folder))

    def wait_for_messages_async(
        self, address: str, count: int, folder: str = "INBOX", timeout: float = 5.0
    ) -> Awaitable[list[EmailMessage]]:
        """:meth:`wait_for_messages` to await from another event loop (which keeps running)."""
        return self._state().thread.run_async(self._wait(address, count, folder, timeout))

    # -- internals -------------------------------------------------------------------

    def _state(self) -> _Running:
        if self._running is None:
            raise SandboxError(
                _("The sandbox is not running."), hint=_("Call start() or use it in a with-block.")
            )
        return self._running

    def _on_loop(self, change: _PostOfficeChange) -> None:
        running = self._state()
        running.thread.run(_apply(change, running.post_office))

    def _parsed(self, address: str, folder: str) -> Coroutine[Any, Any, list[EmailMessage]]:
        return _parsed(self._state().post_office.store, address, folder)

    def _wait(
        self, address: str, count: int, folder: str, seconds: float
    ) -> Coroutine[Any, Any, list[EmailMessage]]:
        return _wait(self._state().post_office.store, address, count, folder, seconds)

    def _tls_material(self) -> tuple[ssl.SSLContext | None, Path | None]:
        if not self._tls:
            return None, None
        from .tls import write_self_signed  # needs `cryptography`, only with tls=True

        self._tempdir = Path(tempfile.mkdtemp(prefix="outreach-sandbox-"))
        certificate = write_self_signed(self._tempdir, self.hostname)
        return certificate.server_context(), certificate.cert_file

    async def _listen(
        self, post_office: PostOffice, ssl_context: ssl.SSLContext | None
    ) -> tuple[asyncio.Server, ...]:
        """Bind SMTP and IMAP (and with TLS their implicit-TLS twins); all or none."""
        smtp_port, imap_port = self._ports
        host, loop = self.host, asyncio.get_running_loop()
        imap_callback = post_office.store.connection_callback()
        smtp = smtp_factory(post_office, hostname=self.hostname, starttls=ssl_context)
        bindings: list[Callable[[], Awaitable[asyncio.Server]]] = [
            lambda: loop.create_server(smtp, host, smtp_port),
            lambda: asyncio.start_server(imap_callback, host, imap_port),
        ]
        if ssl_context is not None:
            smtps = smtp_factory(post_office, hostname=self.hostname, starttls=None)
            bindings.append(lambda: loop.create_server(smtps, host, 0, ssl=ssl_context))
            bindings.append(lambda: asyncio.start_server(imap_callback, host, 0, ssl=ssl_context))
        return await _bind_all(bindings)

    def _remove_tempdir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None


_PostOfficeChange = Callable[[PostOffice], object]
T = TypeVar("T")


async def _apply(change: _PostOfficeChange, post_office: PostOffice) -> None:
    change(post_office)


async def _copy(items: list[T]) -> list[T]:
    return list(items)


async def _mapped(operation: Awaitable[T]) -> T:
    """Await a store operation, turning an unknown mailbox or folder into NotFoundError."""
    try:
        return await operation
    except KeyError as exc:
        raise NotFoundError(
            _("Sandbox: {problem}.").format(problem=exc.args[0]),
            hint=_("Create the mailbox with sandbox.add_user() or sandbox.persona() first."),
        ) from None


async def _parsed(store: MailStore, address: str, folder: str) -> list[EmailMessage]:
    raws = await _mapped(store.fetch_all(_normal(address), folder))
    return [_parse(raw) for raw in raws]


async def _wait(
    store: MailStore, address: str, count: int, folder: str, seconds: float
) -> list[EmailMessage]:
    """Poll ``folder`` until it holds ``count`` messages, for at most ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while len(found := await _parsed(store, address, folder)) < count:
        if asyncio.get_running_loop().time() >= deadline:
            raise TimeoutError(
                f"{address} {folder} holds {len(found)} message(s), "
                f"expected {count} within {seconds:g} s"
            )
        await asyncio.sleep(_POLL_INTERVAL)
    return found


async def _bind_all(
    bindings: list[Callable[[], Awaitable[asyncio.Server]]],
) -> tuple[asyncio.Server, ...]:
    """Create every server in order; if one cannot bind, close the ones already bound."""
    servers: list[asyncio.Server] = []
    try:
        for bind in bindings:
            servers.append(await bind())
    except BaseException:
        for server in servers:
            server.close()
        raise
    return tuple(servers)


async def _close(running: _Running) -> None:
    for server in running.servers:
        server.close()
    running.post_office.cancel_pending()


def _endpoints(
    host: str, servers: tuple[asyncio.Server, ...], ca_file: Path | None
) -> SandboxEndpoints:
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    tls_ports = ports[2:4] if len(ports) == 4 else [None, None]
    return SandboxEndpoints(host, ports[0], ports[1], tls_ports[0], tls_ports[1], ca_file)


def _normal(address: str) -> str:
    return address.strip().lower()


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default always builds EmailMessage
    return message
