"""The embedded sandbox: in-process SMTP + IMAP servers with scripted prospects.

``outreach demo`` and the fast tests run against it, so the product works on a fresh
machine without a real mail account. See :class:`Sandbox`.
"""

from .dsn import ReturnedContent, build_dsn
from .personas import Behaviour, Language, Persona
from .postoffice import RcptFault, RelayedMessage
from .server import DEFAULT_HOSTNAME, Sandbox, SandboxEndpoints, SandboxError

__all__ = [
    "DEFAULT_HOSTNAME",
    "Behaviour",
    "Language",
    "Persona",
    "RcptFault",
    "RelayedMessage",
    "ReturnedContent",
    "Sandbox",
    "SandboxEndpoints",
    "SandboxError",
    "build_dsn",
]
