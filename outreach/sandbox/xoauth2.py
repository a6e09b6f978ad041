"""XOAUTH2 (SASL with an OAuth2 bearer token) on both sandbox servers, like Gmail and M365.

The client sends one base64 line, ``user=<address>^Aauth=Bearer <token>^A^A``; pysasl's
:class:`~pysasl.mechanism.oauth.OAuth2Mechanism` parses it for SMTP and IMAP alike, so a
client sending anything else is refused (SMTP 501, IMAP BAD). The sandbox plays the
resource server: :class:`BearerTokens` holds the one access token each user may present.

A wrong or expired token is refused the way Google documents it
(https://developers.google.com/gmail/imap/xoauth2-protocol): the server first sends a
challenge carrying a base64 JSON error (status 401), the client answers with an empty line,
then comes the refusal (SMTP 535, IMAP NO [AUTHENTICATIONFAILED]).
"""

from __future__ import annotations

import binascii
import hmac
import json
from base64 import b64decode
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiosmtpd.smtp import MISSING, SMTP, AuthResult
from pysasl.creds.external import ExternalCredentials, ExternalVerificationRequired
from pysasl.exception import InvalidResponse
from pysasl.mechanism import ChallengeResponse, ServerMechanism
from pysasl.mechanism.oauth import OAuth2Mechanism

__all__ = [
    "ERROR_CHALLENGE",
    "SMTP_TOKEN_REFUSED",
    "BearerLogin",
    "BearerTokens",
    "SandboxXOAuth2Mechanism",
    "bearer_login",
    "parse_xoauth2",
    "smtp_auth_xoauth2",
]

#: What Gmail sends (base64-encoded) as the challenge after a token it does not accept.
ERROR_CHALLENGE = json.dumps(
    {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
).encode("ascii")

#: The final SMTP reply to a wrong or expired token (the code and status Gmail uses).
SMTP_TOKEN_REFUSED = "535 5.7.8 Username and access token not accepted (invalid or expired)"

_SMTP_MALFORMED = "501 5.5.2 Malformed XOAUTH2 response: expected user=...^Aauth=Bearer ...^A^A"
_SMTP_NOT_BASE64 = "501 5.5.2 Can't decode base64"


@dataclass(frozen=True)
class BearerLogin:
    """What an XOAUTH2 client presented: the address and its access token."""

    user: str
    token: str = field(repr=False)


class BearerTokens:
    """The access tokens the sandbox accepts: at most one per user, replaced on refresh.

    Lives on the sandbox's event loop like the rest of its state.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def grant(self, address: str, token: str) -> None:
        """Accept ``token`` for ``address`` from now on; an earlier token stops working."""
        self._tokens[address.lower()] = token

    def revoke(self, address: str) -> None:
        """Accept no token for ``address`` any more (as if it expired)."""
        self._tokens.pop(address.lower(), None)

    def accepts(self, login: BearerLogin) -> bool:
        """True if ``login.token`` is the current token of ``login.user``."""
        expected = self._tokens.get(login.user.lower())
        return expected is not None and hmac.compare_digest(
            expected.encode("utf-8"), login.token.encode("utf-8")
        )


def parse_xoauth2(response: bytes) -> BearerLogin:
    """The user and token of a decoded XOAUTH2 response; InvalidResponse if malformed."""
    credentials, _ = OAuth2Mechanism().server_attempt([ChallengeResponse(b"", response)])
    return bearer_login(credentials)


def bearer_login(credentials: ExternalCredentials) -> BearerLogin:
    """The user and token carried by pysasl's XOAUTH2 credentials."""
    # pysasl hands the token out only through the exception its verify() always raises.
    try:
        credentials.verify(None)
    except ExternalVerificationRequired as exc:
        return BearerLogin(credentials.authzid, exc.token or "")


class SandboxXOAuth2Mechanism(ServerMechanism):
    """pysasl's XOAUTH2 for pymap, adding Google's error challenge for a refused token.

    pymap sends the final bytes as a ``+`` continuation and reads the client's answer; the
    login itself is then refused by the sandbox's login (IMAP NO).
    """

    def __init__(self, tokens: BearerTokens) -> None:
        self._parser = OAuth2Mechanism()
        super().__init__(self._parser.name)
        self._tokens = tokens

    def server_attempt(
        self, responses: Sequence[ChallengeResponse]
    ) -> tuple[ExternalCredentials, bytes | None]:
        credentials, _ = self._parser.server_attempt(responses)
        accepted = self._tokens.accepts(bearer_login(credentials))
        return credentials, None if accepted else ERROR_CHALLENGE


async def smtp_auth_xoauth2(server: SMTP, args: list[str], tokens: BearerTokens) -> AuthResult:
    """aiosmtpd's ``AUTH XOAUTH2`` (initial response inline or after an empty ``334``)."""
    response = await _initial_response(server, args)
    if response is None:
        return AuthResult(success=False, handled=True)
    try:
        login = parse_xoauth2(response)
    except InvalidResponse:
        await server.push(_SMTP_MALFORMED)
        return AuthResult(success=False, handled=True)
    if tokens.accepts(login):
        return AuthResult(success=True, auth_data=login.user)  # the token stays out of the session
    if await server.challenge_auth(ERROR_CHALLENGE) is MISSING:
        return AuthResult(success=False, handled=True)  # client aborted; aiosmtpd answered
    return AuthResult(success=False, handled=False, message=SMTP_TOKEN_REFUSED)


async def _initial_response(server: SMTP, args: list[str]) -> bytes | None:
    """The decoded client response, or None after a refusal was already sent."""
    if len(args) == 1:
        answer = await server.challenge_auth("")
        return None if answer is MISSING else bytes(answer)
    try:
        return b64decode(args[1], validate=True)
    except binascii.Error:
        await server.push(_SMTP_NOT_BASE64)
        return None
