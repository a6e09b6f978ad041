"""Find a mailbox's IMAP and SMTP servers from its address, the way Thunderbird does.

Sources, in order; the first that yields both servers wins, and every source asked is
reported (:class:`~outreach.mailbox.discovery.Attempt`), a failing one never fatal:

1. built-in presets by mail domain (:mod:`outreach.mailbox.presets`);
2. built-in presets by the domain's MX hosts (Microsoft 365, Google Workspace, IONOS …);
3. RFC 6186 / RFC 8314 SRV records (``_submissions``/``_submission``, ``_imaps``/``_imap``);
4. Mozilla autoconfig files, over HTTPS only:
   ``https://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=ADDRESS`` and
   ``https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml``.

DNS goes through the dnspython resolver the caller passes (``OUTREACH_DNS`` in the CLI); the
HTTPS hosts are resolved through it too, so a pinned resolver is the only DNS ever asked.
Certificates are always verified, against the system's CAs (``SSL_CERT_FILE`` names a
private CA, as everywhere in outreach); :class:`HttpsOptions` can send every request to one
address (the test suite's loopback server).
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.resolver

from outreach.addresses import wire_address
from outreach.errors import ConfigError
from outreach.i18n import _
from outreach.mailbox.account import Endpoint, Security
from outreach.mailbox.discovery import (
    MAX_XML_BYTES,
    SRV_IMAP,
    SRV_SMTP,
    Attempt,
    ConfigXmlError,
    Discovery,
    FoundSettings,
    SrvRecord,
    choose_srv,
    endpoint_from_srv,
    from_preset,
    from_srv,
    parse_config_xml,
)
from outreach.mailbox.presets import preset_for_domain, preset_for_mx

DNS_LIFETIME_S = 3.0
"""How long one DNS question may take (retries included) before that source counts as failed."""
HTTPS_TIMEOUT_S = 4.0
"""Connect and read timeout of one autoconfig request."""
MAX_REDIRECTS = 3
CONNECT_ENV = "OUTREACH_AUTOCONFIG_CONNECT"


@dataclass(frozen=True)
class HttpsOptions:
    """How autoconfig files are fetched. ``connect_to``: connect every request to this
    (host, port) whatever the URL's host (the name is still what TLS checks and Host says)."""

    connect_to: tuple[str, int] | None = None
    timeout: float = HTTPS_TIMEOUT_S


def https_options_from_env() -> HttpsOptions:
    """``$OUTREACH_AUTOCONFIG_CONNECT`` (host:port): where every autoconfig request goes
    instead of the URL's host (the test suite's loopback server)."""
    connect = os.environ.get(CONNECT_ENV) or None
    target = None
    if connect:
        host, _unused, port = connect.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(_("{setting} is not host:port").format(
                                  setting=f"{CONNECT_ENV}={connect!r}"),
                              hint=_("write e.g. 127.0.0.1:8443, or unset it"))
        target = (host.strip("[]"), int(port))
    return HttpsOptions(connect_to=target)


def discover(
    address: str, resolver: dns.resolver.Resolver, https: HttpsOptions | None = None
) -> Discovery:
    """Settings for ``address`` from the first source that has them, and every source asked."""
    domain = wire_address(address).rpartition("@")[2].lower()
    attempts: list[Attempt] = []
    found = _by_domain(domain, attempts)
    if found is None:
        answers = _ask_all(resolver, dns_questions(domain))
        found = (
            _by_mx(domain, answers, attempts)
            or _by_srv(domain, answers, attempts)
            or _by_autoconfig(address, domain, resolver, https or HttpsOptions(), attempts)
        )
    return Discovery(found, tuple(attempts))


def dns_questions(domain: str) -> list[tuple[str, str]]:
    """The MX and SRV questions for ``domain``, asked together (see :func:`_ask_all`)."""
    srv = [f"{prefix}.{domain}" for prefix, _unused in (*SRV_IMAP, *SRV_SMTP)]
    return [(domain, "MX"), *((name, "SRV") for name in srv)]


def _by_domain(domain: str, attempts: list[Attempt]) -> FoundSettings | None:
    match = preset_for_domain(domain)
    if match is None:
        attempts.append(Attempt(_("built-in presets for {domain}").format(domain=domain),
                                _("none")))
        return None
    known, preset = match
    attempts.append(Attempt(_("built-in presets for {domain}").format(domain=domain),
                            f"{preset.name}"))
    return from_preset(preset, "preset", _("built-in preset {name} for {domain} ({doc})").format(
        name=preset.name, domain=known, doc=preset.doc))


def _by_mx(domain: str, answers: DnsAnswers, attempts: list[Attempt]) -> FoundSettings | None:
    what = _("MX of {domain}").format(domain=domain)
    try:
        records = sorted(_answer(answers, domain, "MX"), key=lambda r: r.preference)
    except DnsQuestionFailed as exc:
        attempts.append(Attempt(what, str(exc)))
        return None
    hosts = [h for h in (str(r.exchange).rstrip(".").lower() for r in records) if h]
    match = preset_for_mx(hosts)
    if match is None:
        attempts.append(Attempt(what, _("{hosts}: no known provider").format(
            hosts=", ".join(hosts) or _("no MX"))))
        return None
    host, preset = match
    attempts.append(Attempt(what, f"{host} → {preset.name}"))
    return from_preset(preset, "mx", _("MX {host} → built-in preset {name} ({doc})").format(
        host=host, name=preset.name, doc=preset.doc))


def _by_srv(domain: str, answers: DnsAnswers, attempts: list[Attempt]) -> FoundSettings | None:
    imap = _srv_endpoint(domain, SRV_IMAP, answers, attempts)
    smtp = _srv_endpoint(domain, SRV_SMTP, answers, attempts)
    if imap is None or smtp is None:
        return None
    (imap_endpoint, imap_name), (smtp_endpoint, smtp_name) = imap, smtp
    return from_srv(imap_endpoint, smtp_endpoint, f"{imap_name}, {smtp_name}")


def _srv_endpoint(
    domain: str,
    names: tuple[tuple[str, Security], ...],
    answers: DnsAnswers,
    attempts: list[Attempt],
) -> tuple[Endpoint, str] | None:
    """The first of ``names`` that offers a server, with the record name it came from."""
    for prefix, security in names:
        name = f"{prefix}.{domain}"
        try:
            rdata = _answer(answers, name, "SRV")
        except DnsQuestionFailed as exc:
            attempts.append(Attempt(f"SRV {name}", str(exc)))
            continue
        records = [SrvRecord(r.priority, r.weight, r.port, str(r.target).rstrip("."))
                   for r in rdata]
        chosen = choose_srv(records)
        if chosen is None:
            attempts.append(Attempt(f"SRV {name}",
                                    _("not offered (target \".\")") if records
                                    else _("no record")))
            continue
        endpoint = endpoint_from_srv(chosen, security)
        attempts.append(Attempt(f"SRV {name}", str(endpoint)))
        return endpoint, name
    return None


def _by_autoconfig(
    address: str,
    domain: str,
    resolver: dns.resolver.Resolver,
    https: HttpsOptions,
    attempts: list[Attempt],
) -> FoundSettings | None:
    for url in autoconfig_urls(address, domain):
        try:
            found = parse_config_xml(_fetch(url, resolver, https), address, url)
        except FetchFailed as exc:
            attempts.append(Attempt(url, str(exc)))
            continue
        except ConfigXmlError as exc:
            attempts.append(Attempt(url, _("unusable autoconfig file: {error}").format(
                error=exc)))
            continue
        attempts.append(Attempt(url, _("found")))
        return found
    return None


def autoconfig_urls(address: str, domain: str) -> tuple[str, str]:
    query = urllib.parse.urlencode({"emailaddress": address})
    return (
        f"https://autoconfig.{domain}/mail/config-v1.1.xml?{query}",
        f"https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml",
    )


# -- DNS --------------------------------------------------------------------------------


class DnsQuestionFailed(Exception):
    """The answer is unknown (timeout, SERVFAIL, REFUSED): that source failed."""


DnsAnswers = dict[tuple[str, str], "list[Any] | DnsQuestionFailed"]
"""(name, type) → its records, or why there is no answer."""


def _ask_all(resolver: dns.resolver.Resolver, questions: list[tuple[str, str]]) -> DnsAnswers:
    """Every question at once, so a silent DNS server costs one timeout, not one each."""
    def ask(question: tuple[str, str]) -> list[Any] | DnsQuestionFailed:
        try:
            return _records(resolver, *question)
        except DnsQuestionFailed as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        return dict(zip(questions, pool.map(ask, questions), strict=True))


def _answer(answers: DnsAnswers, name: str, rdtype: str) -> list[Any]:
    answer = answers[(name, rdtype)]
    if isinstance(answer, DnsQuestionFailed):
        raise answer
    return answer


def _records(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> list[Any]:
    """The records of ``rdtype`` at ``name``; [] when the name or the type does not exist."""
    try:
        answer = resolver.resolve(name, rdtype, search=False, lifetime=DNS_LIFETIME_S)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.Timeout:
        raise DnsQuestionFailed(_("DNS gave no answer within {seconds} s").format(
            seconds=f"{DNS_LIFETIME_S:g}")) from None
    except dns.exception.DNSException as exc:
        raise DnsQuestionFailed(_("DNS lookup failed: {error}").format(error=exc)) from None
    return list(answer)


# -- HTTPS ------------------------------------------------------------------------------


class FetchFailed(Exception):
    """An autoconfig URL gave no file; the message says why (for the list of sources)."""


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``address`` while TLS (SNI, certificate name) and Host use the URL's host."""

    def __init__(self, host: str, port: int, address: tuple[str, int],
                 context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection(self._address, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _fetch(url: str, resolver: dns.resolver.Resolver, https: HttpsOptions) -> bytes:
    context = ssl.create_default_context()
    for _attempt in range(MAX_REDIRECTS + 1):
        location, body = _get(url, resolver, https, context)
        if location is None:
            return body
        url = urllib.parse.urljoin(url, location)
        if not url.startswith("https://"):
            raise FetchFailed(_("redirected to {url}, which is not HTTPS: not followed").format(
                url=url))
    raise FetchFailed(_("more than {count} redirects").format(count=MAX_REDIRECTS))


def _get(url: str, resolver: dns.resolver.Resolver, https: HttpsOptions,
         context: ssl.SSLContext) -> tuple[str | None, bytes]:
    """(redirect location, b"") or (None, body) of one GET; FetchFailed otherwise."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    address = https.connect_to or (_address_of(host, resolver), port)
    connection = _PinnedHTTPSConnection(host, port, address, context, https.timeout)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                           headers={"Accept": "application/xml, text/xml",
                                    "User-Agent": "outreach-autoconfig"})
        response = connection.getresponse()
        if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
            return response.getheader("Location"), b""
        if response.status != 200:
            raise FetchFailed(f"HTTP {response.status} {response.reason}".strip())
        return None, response.read(MAX_XML_BYTES + 1)
    except ssl.SSLCertVerificationError as exc:
        raise FetchFailed(_("TLS certificate not trusted: {why}").format(
            why=exc.verify_message)) from None
    except TimeoutError:
        raise FetchFailed(_("no answer within {seconds} s").format(
            seconds=f"{https.timeout:g}")) from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailed(_("cannot fetch: {error}").format(
            error=exc or type(exc).__name__)) from None
    finally:
        connection.close()


def _address_of(host: str, resolver: dns.resolver.Resolver) -> str:
    """The first IPv4 (else IPv6) address of ``host``, asked of the given resolver."""
    try:
        for rdtype in ("A", "AAAA"):
            records = _records(resolver, host, rdtype)
            if records:
                return str(records[0].address)
    except DnsQuestionFailed as exc:
        raise FetchFailed(f"{host}: {exc}") from None
    raise FetchFailed(_("{host} has no address in DNS").format(host=host))
