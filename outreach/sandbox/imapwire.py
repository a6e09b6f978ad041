"""pymap's IMAP server, with each response written to the socket in one piece.

pymap writes a FETCH response piece by piece while it loads the values, so a client may
read ``* 1 FETCH (FLAGS ()`` before the rest arrives. imapclient's ``idle_check`` reads
without blocking and aborts on such a partial line; real servers (Dovecot) send whole
lines. Buffering each response and writing it at once restores that.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, closing

from proxyprotocol.reader import ProxyProtocolReader
from proxyprotocol.sock import SocketInfo
from proxyprotocol.version import ProxyProtocolVersion
from pymap.config import IMAPConfig
from pymap.context import connection_exit
from pymap.imap import IMAPConnection, IMAPServer
from pymap.imap.state import ConnectionState
from pymap.interfaces.login import LoginInterface
from pymap.parsing.response import Response

__all__ = ["imap_connection_callback"]


class WholeResponseConnection(IMAPConnection):
    """An IMAP connection that sends every response with a single write."""

    async def write_response(self, resp: Response) -> None:
        buffer = io.BytesIO()
        await resp.async_write(buffer)
        try:
            self.writer.write(buffer.getvalue())
            await self.writer.drain()
        except ConnectionError:
            pass  # the client went away; pymap's own writer ignores this too


class WholeResponseServer(IMAPServer):
    """pymap's per-connection entry point, running :class:`WholeResponseConnection`."""

    async def __call__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sock_info: SocketInfo
    ) -> None:
        conn = WholeResponseConnection(self.commands, self._config, reader, writer, sock_info)
        state = ConnectionState(self._login, self._config)
        async with AsyncExitStack() as stack:
            connection_exit.set(stack)
            stack.enter_context(closing(conn))
            await conn.run(state)


def imap_connection_callback(
    login: LoginInterface, config: IMAPConfig
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """The ``client_connected_cb`` for :func:`asyncio.start_server` (no PROXY protocol)."""
    reader = ProxyProtocolReader(ProxyProtocolVersion.get(None))
    return reader.get_callback(WholeResponseServer(login, config))
