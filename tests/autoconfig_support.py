"""Real parts for the autoconfig tests: an NSD zone with MX and SRV records, a loopback HTTPS
server with a certificate from a CA made in the test, and a guard that keeps every socket of
the test on loopback.

The zone ``ac.test`` (served by its own NSD, started with tests/fixtures/dns.py's helpers):

- ``m365.ac.test``: MX → ``m365-ac-test.mail.protection.outlook.com`` (Microsoft 365 preset)
- ``bücher.ac.test`` (``xn--bcher-kva``): the same, for an internationalized domain
- ``gws.ac.test``: MX → ``smtp.google.com`` (Google preset)
- ``ionos.ac.test``: MX → ``mx00.ionos.de`` (IONOS preset)
- ``srv.ac.test``: SRV ``_imaps`` (two priorities) and ``_submission``; MX to its own host
- ``both.ac.test``: the Microsoft MX *and* SRV records *and* an autoconfig file (MX wins)
- ``srvxml.ac.test``: SRV records *and* an autoconfig file (SRV wins)
- ``dotsrv.ac.test``: SRV records with target "." (not offered) and an autoconfig file
- ``xml.ac.test``: only an autoconfig file at ``autoconfig.xml.ac.test``
- ``wellknown.ac.test``: only a file at ``wellknown.ac.test/.well-known/…``
- ``bad.ac.test``: a malformed autoconfig file;  ``none.ac.test``: nothing anywhere
- ``moved.ac.test``: its autoconfig URL redirects (301) to xml.ac.test's file
- ``downgrade.ac.test``: its autoconfig URL redirects to plain http (not followed)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ZONE = "ac.test"
WEB_DOMAINS = ("both", "srvxml", "dotsrv", "xml", "wellknown", "bad", "none", "srv", "moved",
               "downgrade")
AUTOCONFIG_PATH = "/mail/config-v1.1.xml"
WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"


def zone_text() -> str:
    """The ``ac.test`` zone described in the module docstring."""
    lines = [
        f"$ORIGIN {ZONE}.",
        "$TTL 300",
        f"@ IN SOA ns.{ZONE}. hostmaster.{ZONE}. 1 3600 600 86400 300",
        f"@ IN NS ns.{ZONE}.",
        "ns IN A 127.0.0.1",
        "m365 IN MX 10 m365-ac-test.mail.protection.outlook.com.",
        "xn--bcher-kva IN MX 10 xn--bcher-kva-ac-test.mail.protection.outlook.com.",
        "gws IN MX 1 smtp.google.com.",
        "gws IN MX 5 alt1.aspmx.l.google.com.",
        "ionos IN MX 10 mx00.ionos.de.",
        "ionos IN MX 20 mx01.ionos.de.",
        "srv IN MX 10 mx.srv",
        "_imaps._tcp.srv IN SRV 20 0 993 backup.srv",
        "_imaps._tcp.srv IN SRV 10 5 993 imap.srv",
        "_submission._tcp.srv IN SRV 0 1 587 smtp.srv",
        "both IN MX 10 both-ac-test.mail.protection.outlook.com.",
        "_imaps._tcp.both IN SRV 0 1 993 imap.both",
        "_submission._tcp.both IN SRV 0 1 587 smtp.both",
        "srvxml IN MX 10 mx.srvxml",
        "_imap._tcp.srvxml IN SRV 0 1 143 imap.srvxml",
        "_submission._tcp.srvxml IN SRV 0 1 587 smtp.srvxml",
        "_imaps._tcp.dotsrv IN SRV 0 0 0 .",
        "_imap._tcp.dotsrv IN SRV 0 0 0 .",
        "_submission._tcp.dotsrv IN SRV 0 0 0 .",
        "xml IN MX 10 mx.xml",
        "none IN MX 10 mx.none",
        "autoconfig.xml IN A 127.0.0.1",
    ]
    return "\n".join(lines) + "\n"


def config_xml(imap_host: str, smtp_host: str, username: str = "%EMAILADDRESS%") -> bytes:
    """A Mozilla config-v1.1.xml with IMAP (SSL and STARTTLS), POP3 and SMTP servers."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="%EMAILDOMAIN%">
    <domain>%EMAILDOMAIN%</domain>
    <displayName>Test mail</displayName>
    <incomingServer type="pop3">
      <hostname>pop.%EMAILDOMAIN%</hostname><port>995</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>{username}</username>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>{imap_host}</hostname><port>143</port><socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication><username>{username}</username>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>{imap_host}</hostname><port>993</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>{username}</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{smtp_host}</hostname><port>587</port><socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication><username>{username}</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
""".encode()


MALFORMED_XML = b"""<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="bad.ac.test">
    <incomingServer type="imap"><hostname>imap.bad.ac.test</hostname>
  </emailProvider>
</clientConfig>
"""


def routes() -> dict[tuple[str, str], bytes | str]:
    """(host, path) → the file served, or a URL to redirect to (a str); else a 404."""
    def auto(label: str) -> tuple[str, str]:
        return f"autoconfig.{label}.{ZONE}", AUTOCONFIG_PATH

    return {
        auto("both"): config_xml("imap.xml-both.ac.test", "smtp.xml-both.ac.test"),
        auto("srvxml"): config_xml("imap.xml-srvxml.ac.test", "smtp.xml-srvxml.ac.test"),
        auto("dotsrv"): config_xml("mail.%EMAILDOMAIN%", "mail.%EMAILDOMAIN%"),
        auto("xml"): config_xml("imap.%EMAILDOMAIN%", "smtp.%EMAILDOMAIN%", "%EMAILLOCALPART%"),
        (f"wellknown.{ZONE}", WELL_KNOWN_PATH): config_xml("imap.wk.ac.test", "smtp.wk.ac.test"),
        auto("bad"): MALFORMED_XML,
        auto("moved"): f"https://autoconfig.xml.{ZONE}{AUTOCONFIG_PATH}",
        auto("downgrade"): f"http://autoconfig.downgrade.{ZONE}{AUTOCONFIG_PATH}",
    }


# -- TLS: a CA made for the test, and a server certificate for every test host -----------


@dataclass(frozen=True)
class LoopbackCa:
    """A CA's PEM file (what SSL_CERT_FILE points to) and the server's key pair."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_ca(directory: Path, names: list[str]) -> LoopbackCa:
    """A CA and a server certificate it signed for ``names`` (written under ``directory``)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "outreach autoconfig test CA")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        _builder(subject, ca_name, key.public_key(), now)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    result = LoopbackCa(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    result.ca_file.write_bytes(ca_cert.public_bytes(pem))
    result.cert_file.write_bytes(cert.public_bytes(pem))
    result.key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return result


def _builder(subject: x509.Name, issuer: x509.Name, public_key: Any,
             now: dt.datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )


def certificate_names() -> list[str]:
    names = [f"{label}.{ZONE}" for label in WEB_DOMAINS]
    return names + [f"autoconfig.{name}" for name in names]


# -- the HTTPS server ---------------------------------------------------------------------


@dataclass
class WebServer:
    """A running loopback HTTPS server: its port and every (host, path?query) it was asked."""

    port: int
    routes: dict[tuple[str, str], bytes | str]
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def connect(self) -> str:
        """``host:port`` as OUTREACH_AUTOCONFIG_CONNECT takes it."""
        return f"127.0.0.1:{self.port}"

    def hosts_asked(self) -> set[str]:
        return {host for host, _ in self.requests}


def _handler(web: WebServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            host = (self.headers.get("Host") or "").split(":")[0]
            web.requests.append((host, self.path))
            body = web.routes.get((host, self.path.split("?")[0]))
            if isinstance(body, str):
                self.send_response(301)
                self.send_header("Location", body)
                body = b"moved"
            else:
                self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/xml")
            payload = body if body is not None else b"not here"
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def https_server(ca: LoopbackCa, served: dict[tuple[str, str], bytes | str]
                 ) -> Iterator[WebServer]:
    """A threaded HTTPS server on 127.0.0.1 (a free port) until the block ends."""
    web = WebServer(0, served)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(web))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca.cert_file, ca.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    web.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield web
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- nothing but loopback -----------------------------------------------------------------


def _loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        try:
            return ipaddress.ip_address(str(address[0]).strip("[]")).is_loopback
        except ValueError:
            return False
    return True  # AF_UNIX paths are local


def keep_to_loopback(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse any socket of this process that connects or sends beyond loopback, and any
    question to the system resolver (the code must use the pinned one). Returns the list of
    refusals: code under test may swallow the exception (dnspython counts it as a failed
    server), so the caller asserts the list is empty at the end."""
    refused: list[str] = []
    original_connect = socket.socket.connect
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

    def refuse(what: str) -> None:
        refused.append(what)
        raise AssertionError(what)

    def connect(self: socket.socket, address: Any) -> None:
        if not _loopback(address):
            refuse(f"a test tried to connect to {address}")
        original_connect(self, address)

    def sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        if not _loopback(args[-1]):
            refuse(f"a test tried to send to {args[-1]}")
        return original_sendto(self, data, *args)  # type: ignore[call-overload,no-any-return]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not (host in (None, "localhost") or _loopback((host,))):
            refuse(f"a test asked the system resolver for {host}")
        return original_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return refused


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """:func:`keep_to_loopback` for one test, failing it if anything was refused."""
    refused = keep_to_loopback(monkeypatch)
    yield
    assert refused == [], refused
