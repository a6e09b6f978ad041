"""A counting SMTP sink (aiosmtpd) for benchmarks: accepts AUTH and every message.

    python bench/smtp_sink.py PORT_FILE      # writes the port it listens on, runs until killed
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 2.0.0 Ok: queued"


def accept_all(*_args: Any) -> AuthResult:
    return AuthResult(success=True)


async def serve(port_file: Path) -> None:
    handler = Sink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, auth_require_tls=False, authenticator=accept_all),
        "127.0.0.1",
        0,
    )
    port_file.write_text(str(server.sockets[0].getsockname()[1]))  # noqa: ASYNC240 - once, at start
    async with server:
        await server.serve_forever()


def main() -> None:
    asyncio.run(serve(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
