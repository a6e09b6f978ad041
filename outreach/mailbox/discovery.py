"""What autoconfig found, as plain values, and the pure decisions behind it.

No IO here: :mod:`outreach.mailbox.autoconfig` asks DNS and HTTPS and hands the answers to
these functions — RFC 6186 SRV choice, the Mozilla ``config-v1.1.xml`` parser, and flags
applied over what was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from outreach.i18n import _
from outreach.mailbox.account import DEFAULT_PORTS, Endpoint, Security, is_loopback
from outreach.mailbox.presets import Preset, provider_of_hosts

SourceKind = Literal["preset", "mx", "srv", "autoconfig"]


@dataclass(frozen=True)
class FoundSettings:
    """Servers found for an address, and where they came from (``source``, for people)."""

    imap: Endpoint
    smtp: Endpoint
    kind: SourceKind
    source: str
    username: str | None = None
    provider: str | None = None
    sent_copy: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_kind": self.kind,
            "provider": self.provider,
            "imap": _endpoint_json(self.imap),
            "smtp": _endpoint_json(self.smtp),
            "username": self.username,
            "sent_copy": self.sent_copy,
        }


def _endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {"host": endpoint.host, "port": endpoint.port, "security": endpoint.security}


@dataclass(frozen=True)
class Attempt:
    """One source asked: what (``source``) and what came of it (``outcome``)."""

    source: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.source}: {self.outcome}"


@dataclass(frozen=True)
class Discovery:
    """The settings found (None: nothing) and every source asked on the way, in order."""

    found: FoundSettings | None
    attempts: tuple[Attempt, ...]


def from_preset(preset: Preset, kind: SourceKind, source: str) -> FoundSettings:
    return FoundSettings(
        imap=preset.imap,
        smtp=preset.smtp,
        kind=kind,
        source=source,
        provider=preset.provider,
        sent_copy=preset.sent_copy,
    )


# -- RFC 6186 SRV -----------------------------------------------------------------------


@dataclass(frozen=True)
class SrvRecord:
    """One SRV answer (RFC 2782); ``target`` without the trailing dot, "" for ".". """

    priority: int
    weight: int
    port: int
    target: str


def choose_srv(records: Iterable[SrvRecord]) -> SrvRecord | None:
    """The server to save from one SRV RRset; None if there is none or it is "not offered".

    A lone record whose target is "." says the service is not offered (RFC 6186 §3.4,
    RFC 2782). Otherwise the lowest priority wins; within it the heaviest weight, then the
    name. RFC 2782's weighted random pick spreads connections over servers; a setting that
    is saved once is better chosen the same way every time.
    """
    usable = [r for r in records if r.target and r.port > 0]
    if not usable:
        return None
    return min(usable, key=lambda r: (r.priority, -r.weight, r.target))


SRV_IMAP: tuple[tuple[str, Security], ...] = (("_imaps._tcp", "tls"), ("_imap._tcp", "starttls"))
"""IMAP SRV names in order of preference: implicit TLS first (RFC 8314 §5.1)."""
SRV_SMTP: tuple[tuple[str, Security], ...] = (
    ("_submissions._tcp", "tls"),
    ("_submission._tcp", "starttls"),
)
"""Submission SRV names (RFC 8314 ``_submissions``, RFC 6186 ``_submission``)."""


def endpoint_from_srv(record: SrvRecord, security: Security) -> Endpoint:
    return Endpoint(record.target.lower(), record.port, security)


def from_srv(imap: Endpoint, smtp: Endpoint, names: str) -> FoundSettings:
    return FoundSettings(
        imap=imap,
        smtp=smtp,
        kind="srv",
        source=_("DNS SRV records {names}").format(names=names),
        provider=provider_of_hosts(imap.host, smtp.host),
    )


# -- Mozilla autoconfig XML -------------------------------------------------------------

MAX_XML_BYTES = 256 * 1024


class ConfigXmlError(ValueError):
    """A config-v1.1.xml that cannot be used; the message says what is wrong in it."""


SOCKET_TYPES: dict[str, Security] = {"SSL": "tls", "STARTTLS": "starttls", "plain": "none"}
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.?)+$")


def placeholders(address: str) -> dict[str, str]:
    local, _unused, domain = address.rpartition("@")
    return {"%EMAILADDRESS%": address, "%EMAILLOCALPART%": local, "%EMAILDOMAIN%": domain}


def substitute(text: str, address: str) -> str:
    """``%EMAILADDRESS%``, ``%EMAILLOCALPART%`` and ``%EMAILDOMAIN%`` filled in."""
    for placeholder, value in placeholders(address).items():
        text = text.replace(placeholder, value)
    return text


def parse_config_xml(data: bytes, address: str, url: str) -> FoundSettings:
    """The IMAP and SMTP servers of a Mozilla autoconfig file served at ``url``.

    Raises :class:`ConfigXmlError` naming what is wrong: not XML (with line and column), a
    DTD or entity (refused: the file comes from the network), not a ``clientConfig``, or no
    usable encrypted IMAP or SMTP server.
    """
    if len(data) > MAX_XML_BYTES:
        raise ConfigXmlError(_("larger than {size} KiB").format(size=MAX_XML_BYTES // 1024))
    provider = _email_provider(_parse(data))
    imap, imap_user = _pick_server(provider, "incomingServer", "imap", address)
    smtp, smtp_user = _pick_server(provider, "outgoingServer", "smtp", address)
    username = imap_user or smtp_user
    return FoundSettings(
        imap=imap,
        smtp=smtp,
        kind="autoconfig",
        source=_("autoconfig file {url}").format(url=url),
        username=username if username and username.lower() != address.lower() else None,
        provider=provider_of_hosts(imap.host, smtp.host),
    )


def _parse(data: bytes) -> Element:
    try:
        root: Element = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line, column = exc.position
        raise ConfigXmlError(_("not well-formed XML at line {line}, column {column}").format(
            line=line, column=column + 1)) from None
    except DefusedXmlException as exc:
        raise ConfigXmlError(_("refused: it declares a DTD or entities ({error})").format(
            error=exc)) from None
    return root


def _email_provider(root: Element) -> Element:
    if _local(root.tag) != "clientConfig":
        raise ConfigXmlError(_("the root element is {element}, not <clientConfig>").format(
            element=f"<{_local(root.tag)}>"))
    provider = next((e for e in root if _local(e.tag) == "emailProvider"), None)
    if provider is None:
        raise ConfigXmlError(_("<clientConfig> has no <emailProvider>"))
    return provider


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _pick_server(
    provider: Element, element: str, kind: str, address: str
) -> tuple[Endpoint, str | None]:
    """The first encrypted server of ``kind`` (implicit TLS before STARTTLS), and its login."""
    candidates: list[tuple[Endpoint, str | None]] = []
    problems: list[str] = []
    for server in (e for e in provider if _local(e.tag) == element):
        if server.get("type") != kind:
            continue
        try:
            candidates.append(_server(server, element, kind, address))
        except ConfigXmlError as exc:
            problems.append(str(exc))
    secure = [c for c in candidates if c[0].security != "none" or is_loopback(c[0].host)]
    if secure:
        return min(secure, key=lambda c: c[0].security != "tls")
    what = f'<{element} type="{kind}">'
    if candidates:
        raise ConfigXmlError(_("{server} offers only unencrypted connections (socketType plain)"
                               ).format(server=what))
    if problems:
        raise ConfigXmlError(f"{what}: " + "; ".join(problems))
    raise ConfigXmlError(_("no {server}").format(server=what))


def _server(server: Element, element: str, kind: str, address: str) -> tuple[Endpoint, str | None]:
    where = f'<{element} type="{kind}">'
    host = substitute(_text(server, "hostname", where), address)
    if not _HOSTNAME.match(host):
        raise ConfigXmlError(_("{server} <hostname> {value} is not a host name").format(
            server=where, value=repr(host)))
    port_text = _text(server, "port", where)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigXmlError(_("{server} <port> {value} is not a port number").format(
            server=where, value=repr(port_text)))
    socket_type = _text(server, "socketType", where)
    if socket_type not in SOCKET_TYPES:
        raise ConfigXmlError(
            _("{server} <socketType> {value} is not one of {choices}").format(
                server=where, value=repr(socket_type), choices=", ".join(SOCKET_TYPES))
        )
    username = server.findtext("{*}username") or server.findtext("username")
    login = substitute(username.strip(), address) if username and username.strip() else None
    return Endpoint(host.lower().rstrip("."), int(port_text), SOCKET_TYPES[socket_type]), login


def _text(server: Element, child: str, where: str) -> str:
    value = server.findtext(child)
    if value is None:
        value = server.findtext("{*}" + child)
    if value is None or not value.strip():
        raise ConfigXmlError(_("{server} has no {element}").format(
            server=where, element=f"<{child}>"))
    return value.strip()


# -- flags over what was found ----------------------------------------------------------


@dataclass(frozen=True)
class ServerFlags:
    """``--imap-host`` … as given on the command line; None where not given."""

    host: str | None = None
    port: int | None = None
    security: str | None = None


def with_flags(found: Endpoint, protocol: str, flags: ServerFlags) -> tuple[str, int | None, str]:
    """(host, port, security) to validate: each given flag replaces the found value. A new
    security without a port moves a default port along (587 → 465 for tls)."""
    security = flags.security or found.security
    port = flags.port
    if port is None:
        moved = security != found.security and DEFAULT_PORTS.get((protocol, found.security)) == (
            found.port
        )
        port = None if moved else found.port
    return flags.host or found.host, port, security
