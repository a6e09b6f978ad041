"""IMAP IDLE as a doorbell: wait on the asyncio loop until the server says something.

imapclient's ``idle_check`` reads from a non-blocking socket and aborts on a response
that arrives in pieces. Here the loop only watches the socket for readability
(``add_reader``); the responses are then read by ``idle_done`` in blocking mode, with
the connection's socket timeout. The doorbell connection never fetches: the watcher's
other connection does, so a ring costs one DONE round trip.
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


async def wait_readable(client: IMAPClient, seconds: float) -> bool:
    """True when the server sent something within ``seconds``."""
    if has_buffered_input(client):
        return True
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[bool] = loop.create_future()
    fd = client.socket().fileno()
    loop.add_reader(fd, _set_once, ready)
    try:
        return await asyncio.wait_for(ready, seconds)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)


def _set_once(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(True)


def news_in(responses: list[Any]) -> bool:
    """Whether IDLE responses report a change (anything but ``* OK still here``)."""
    return any(not (isinstance(r, tuple) and r and r[0] == b"OK") for r in responses)


async def idle_once(
    client: IMAPClient, seconds: float, on_idling: Callable[[], None] = lambda: None
) -> bool:
    """One IDLE round: enter, call ``on_idling``, wait up to ``seconds``, leave; True on news.

    Cancelled while waiting, the connection is left in IDLE: the caller drops it.
    """
    await asyncio.to_thread(client.idle)
    on_idling()
    readable = await wait_readable(client, seconds)
    _text, responses = await asyncio.to_thread(client.idle_done)
    return readable and news_in(responses)


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
