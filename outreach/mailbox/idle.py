"""IMAP IDLE as a doorbell: wait on the asyncio loop until the server says something.

imapclient's ``idle_check`` reads from a non-blocking socket and aborts on a response
that arrives in pieces. Here the loop only watches the socket for readability
(``add_reader``); the responses are then read by ``idle_done`` in blocking mode, with
the connection's socket timeout. The same connection fetches between IDLE rounds (one
connection per mailbox: Gmail and Microsoft 365 cap them per account), so a round can be
ended early by an ``interrupt`` event when a check wants the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient


def idle_supported(client: IMAPClient) -> bool:
    return bool(client.has_capability("IDLE"))


def has_buffered_input(client: IMAPClient) -> bool:
    """Bytes already read past the IDLE continuation (an update that came with it)."""
    sock = client.socket()
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    reader = getattr(client._imap, "file", None)  # imaplib's buffered socket reader
    if reader is None:
        return False
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return bool(reader.peek(1))
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)


async def wait_readable(
    client: IMAPClient, seconds: float, interrupt: asyncio.Event | None = None
) -> bool:
    """True when the server sent something within ``seconds`` (False when the time ran
    out, or ``interrupt`` was set first)."""
    if has_buffered_input(client):
        return True
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[bool] = loop.create_future()
    fd = client.socket().fileno()
    loop.add_reader(fd, _set_once, ready)
    waiters: list[asyncio.Future[Any]] = [ready]
    if interrupt is not None:
        waiters.append(asyncio.ensure_future(interrupt.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        return ready.done()
    finally:
        loop.remove_reader(fd)
        for waiter in waiters:
            waiter.cancel()


def _set_once(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(True)


def news_in(responses: list[Any]) -> bool:
    """Whether IDLE responses report a change (anything but ``* OK still here``)."""
    return any(not (isinstance(r, tuple) and r and r[0] == b"OK") for r in responses)


async def idle_once(
    client: IMAPClient,
    seconds: float,
    on_idling: Callable[[], None] = lambda: None,
    interrupt: asyncio.Event | None = None,
) -> bool:
    """One IDLE round: enter, call ``on_idling``, wait up to ``seconds`` (or until
    ``interrupt`` is set), leave; True on news. Updates that came with the DONE count too:
    mail that arrived just as the round was interrupted is not lost.

    Cancelled while waiting, the connection is left in IDLE: the caller drops it.
    """
    await asyncio.to_thread(client.idle)
    on_idling()
    await wait_readable(client, seconds, interrupt)
    _text, responses = await asyncio.to_thread(client.idle_done)
    return news_in(responses)


def close_quietly(client: IMAPClient | None) -> None:
    """Log out, or just drop the socket when the session is already broken."""
    if client is None:
        return
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - it is going away either way
        with contextlib.suppress(Exception):
            client.shutdown()


def drop(client: IMAPClient | None) -> None:
    """Close the socket without a goodbye (an IDLE connection on the way out)."""
    if client is not None:
        with contextlib.suppress(Exception):
            client.shutdown()
