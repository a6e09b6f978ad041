"""``mailbox add ADDRESS`` without hosts: autoconfig against a real NSD (MX, SRV) and a real
loopback HTTPS server (config-v1.1.xml) whose certificate comes from a CA made here and
trusted only through SSL_CERT_FILE, set for the test. Every socket of these tests stays on loopback
(:func:`tests.autoconfig_support.loopback_only`)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from outreach.cli import cli
from outreach.deliverability.dns import ResolverSpec, make_resolver
from outreach.mailbox import autoconfig
from outreach.mailbox.autoconfig import HttpsOptions, discover
from tests.autoconfig_support import (
    ZONE,
    LoopbackCa,
    WebServer,
    certificate_names,
    https_server,
    loopback_only,
    make_ca,
    routes,
    zone_text,
)
from tests.fixtures.dns import missing_prerequisite, start_dns, stop_dns

PASSWORD_COMMAND = ("--password-command", "echo not-used-here")


@pytest.fixture(scope="module")
def ac_dns() -> Iterator[ResolverSpec]:
    """An NSD of its own serving the ``ac.test`` zone (tests/autoconfig_support.py)."""
    reason = missing_prerequisite()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the autoconfig tests: {reason}", pytrace=False)
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="ac-dns-"))
    try:
        host, port = start_dns(directory, {ZONE: zone_text()})
        yield ResolverSpec(host, port)
    finally:
        stop_dns(directory)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCa:
    return make_ca(tmp_path_factory.mktemp("ca"), certificate_names())


@pytest.fixture
def web(ca: LoopbackCa) -> Iterator[WebServer]:
    with https_server(ca, routes()) as server:
        yield server


__all__ = ["loopback_only"]  # a fixture, used by name


@pytest.fixture
def env(
    ac_dns: ResolverSpec, web: WebServer, ca: LoopbackCa, outreach_home: Path,
    monkeypatch: pytest.MonkeyPatch, loopback_only: None,
) -> WebServer:
    """The CLI's DNS pinned to the NSD, its HTTPS sent to the loopback server, the test CA
    trusted; any socket beyond loopback fails the test."""
    monkeypatch.setenv("OUTREACH_DNS", str(ac_dns))
    monkeypatch.setenv("OUTREACH_AUTOCONFIG_CONNECT", web.connect)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
    return web


def add(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["mailbox", "add", *args], input=input)


def add_json(*args: str) -> dict[str, object]:
    result = add(*args, *PASSWORD_COMMAND, "--yes", "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def listed() -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["mailbox", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)
    return rows


def found(data: dict[str, object]) -> dict[str, object]:
    assert isinstance(data["autoconfig"], dict)
    return data["autoconfig"]


# -- each source ----------------------------------------------------------------------------


def test_domain_preset_is_shown_with_its_source_and_saved(env: WebServer) -> None:
    result = add("lena@web.de", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 0, result.output
    assert "source: built-in preset WEB.DE for web.de" in result.output
    assert "imap.web.de:993 (tls)" in result.output
    assert "smtp.web.de:587 (starttls)" in result.output
    [row] = listed()
    assert (row["imap"], row["smtp"]) == ("imap.web.de:993", "smtp.web.de:587")
    assert env.requests == [], "a domain preset needs no network"


@pytest.mark.parametrize(
    ("address", "provider", "imap", "smtp", "mx"),
    [
        ("lena@m365.ac.test", "microsoft365", "outlook.office365.com:993",
         "smtp.office365.com:587", "m365-ac-test.mail.protection.outlook.com"),
        ("lena@bücher.ac.test", "microsoft365", "outlook.office365.com:993",
         "smtp.office365.com:587", "xn--bcher-kva-ac-test.mail.protection.outlook.com"),
        ("lena@gws.ac.test", "google", "imap.gmail.com:993", "smtp.gmail.com:587",
         "smtp.google.com"),
        ("lena@ionos.ac.test", None, "imap.ionos.de:993", "smtp.ionos.de:587", "mx00.ionos.de"),
    ],
)
def test_mx_preset(env: WebServer, address: str, provider: str | None, imap: str, smtp: str,
                   mx: str) -> None:
    data = add_json(address)
    assert (data["imap"], data["smtp"], data["saved"]) == (imap, smtp, True)
    assert found(data)["source_kind"] == "mx"
    assert found(data)["provider"] == provider
    assert str(found(data)["source"]).startswith(f"MX {mx} → built-in preset")
    assert data["sent_copy"] == ("server" if provider else "auto")


def test_a_microsoft_365_mx_is_named_as_that_provider(env: WebServer) -> None:
    result = add("lena@m365.ac.test", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 0, result.output
    assert "source: MX m365-ac-test.mail.protection.outlook.com → built-in preset Microsoft 365" \
        in result.output
    assert "Microsoft 365 mailbox (provider microsoft365)" in result.output
    assert "Sent   the server files a copy of each message itself" in result.output


def test_srv_records_lowest_priority_and_implicit_tls(env: WebServer) -> None:
    data = add_json("rep@srv.ac.test")
    assert (data["imap"], data["imap_security"]) == ("imap.srv.ac.test:993", "tls")
    assert (data["smtp"], data["smtp_security"]) == ("smtp.srv.ac.test:587", "starttls")
    assert found(data)["source"] == (
        "DNS SRV records _imaps._tcp.srv.ac.test, _submission._tcp.srv.ac.test")
    assert found(data)["provider"] is None
    assert env.requests == [], "SRV answered: no autoconfig file is fetched"


def test_autoconfig_xml_with_placeholders(env: WebServer) -> None:
    data = add_json("max.muster@xml.ac.test")
    assert (data["imap"], data["imap_security"]) == ("imap.xml.ac.test:993", "tls")
    assert (data["smtp"], data["smtp_security"]) == ("smtp.xml.ac.test:587", "starttls")
    assert data["username"] == "max.muster"  # %EMAILLOCALPART%
    url = ("https://autoconfig.xml.ac.test/mail/config-v1.1.xml"
           "?emailaddress=max.muster%40xml.ac.test")
    assert found(data)["source"] == f"autoconfig file {url}"
    assert env.requests == [("autoconfig.xml.ac.test",
                             "/mail/config-v1.1.xml?emailaddress=max.muster%40xml.ac.test")]


def test_well_known_url_after_the_autoconfig_host(env: WebServer) -> None:
    data = add_json("rep@wellknown.ac.test")
    assert data["imap"] == "imap.wk.ac.test:993"
    assert found(data)["source"] == (
        "autoconfig file https://wellknown.ac.test/.well-known/autoconfig/mail/config-v1.1.xml")
    tried = found(data)["tried"]
    assert isinstance(tried, list)
    assert any("autoconfig.wellknown.ac.test" in t and "HTTP 404" in t for t in tried), tried


def test_srv_target_dot_means_not_offered(env: WebServer) -> None:
    data = add_json("rep@dotsrv.ac.test")
    assert data["imap"] == "mail.dotsrv.ac.test:993"
    tried = found(data)["tried"]
    assert "SRV _imaps._tcp.dotsrv.ac.test: not offered (target \".\")" in tried
    assert "SRV _submission._tcp.dotsrv.ac.test: not offered (target \".\")" in tried


def test_an_https_redirect_is_followed(env: WebServer) -> None:
    data = add_json("rep@moved.ac.test")
    assert data["imap"] == "imap.moved.ac.test:993"
    assert [host for host, _ in env.requests] == ["autoconfig.moved.ac.test",
                                                  "autoconfig.xml.ac.test"]


def test_a_redirect_to_plain_http_is_not_followed(env: WebServer) -> None:
    result = add("rep@downgrade.ac.test", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 2
    assert ("redirected to http://autoconfig.downgrade.ac.test/mail/config-v1.1.xml, which is "
            "not HTTPS: not followed") in result.output
    assert [host for host, _ in env.requests] == ["autoconfig.downgrade.ac.test",
                                                  "downgrade.ac.test"]


# -- precedence -----------------------------------------------------------------------------


def test_mx_preset_comes_before_srv_and_autoconfig(env: WebServer) -> None:
    data = add_json("rep@both.ac.test")
    assert found(data)["source_kind"] == "mx"
    assert data["imap"] == "outlook.office365.com:993"
    assert env.requests == []


def test_srv_comes_before_autoconfig(env: WebServer) -> None:
    data = add_json("rep@srvxml.ac.test")
    assert found(data)["source_kind"] == "srv"
    assert (data["imap"], data["imap_security"]) == ("imap.srvxml.ac.test:143", "starttls")
    assert env.requests == []


def test_domain_preset_comes_before_mx(loopback_only: None) -> None:
    """gmail.com is a domain preset: not even a resolver is asked (it points nowhere)."""
    unreachable = make_resolver(ResolverSpec("127.0.0.1", 9))
    result = discover("someone@gmail.com", unreachable, HttpsOptions(connect_to=("127.0.0.1", 9)))
    assert result.found is not None
    assert (result.found.kind, result.found.provider) == ("preset", "google")
    assert [a.source for a in result.attempts] == ["built-in presets for gmail.com"]


# -- flags, confirmation, JSON --------------------------------------------------------------


def test_flags_override_single_fields(env: WebServer) -> None:
    data = add_json("rep@srv.ac.test", "--imap-host", "imap.other.ac.test",
                    "--smtp-security", "tls", "--username", "rep-login")
    assert (data["imap"], data["imap_security"]) == ("imap.other.ac.test:993", "tls")
    assert (data["smtp"], data["smtp_security"]) == ("smtp.srv.ac.test:465", "tls")
    assert data["username"] == "rep-login"
    assert found(data)["imap"] == {"host": "imap.srv.ac.test", "port": 993, "security": "tls"}


def test_a_port_flag_overrides_only_the_port(env: WebServer) -> None:
    data = add_json("lena@web.de", "--smtp-port", "465", "--sent-copy", "append")
    assert (data["smtp"], data["smtp_security"]) == ("smtp.web.de:465", "starttls")
    assert data["sent_copy"] == "append"


def test_confirmation_no_saves_nothing_yes_saves(env: WebServer) -> None:
    refused = add("rep@srv.ac.test", *PASSWORD_COMMAND, input="n\n")
    assert refused.exit_code != 0
    assert "Save these settings?" in refused.output
    assert listed() == []
    accepted = add("rep@srv.ac.test", *PASSWORD_COMMAND, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert [row["imap"] for row in listed()] == ["imap.srv.ac.test:993"]


def test_json_without_yes_only_shows(env: WebServer) -> None:
    result = add("rep@srv.ac.test", *PASSWORD_COMMAND, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["saved"], data["imap"]) == (False, "imap.srv.ac.test:993 (tls)")
    assert listed() == []


def test_password_stdin_needs_yes(env: WebServer) -> None:
    result = add("rep@srv.ac.test", "--password-stdin", input="secret\n")
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert listed() == []


def test_hosts_given_skip_autoconfig(env: WebServer) -> None:
    data = add_json("rep@none.ac.test", "--imap-host", "imap.x.ac.test",
                    "--smtp-host", "smtp.x.ac.test")
    assert (data["imap"], data["smtp"]) == ("imap.x.ac.test:993", "smtp.x.ac.test:587")
    assert data["autoconfig"] is None
    assert env.requests == []


# -- failures -------------------------------------------------------------------------------


def test_nothing_found_names_every_source_and_what_to_do(env: WebServer) -> None:
    result = add("rep@none.ac.test", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 2
    out = result.output
    assert "no mail server settings found for rep@none.ac.test" in out
    for tried in (
        "built-in presets for none.ac.test: none",
        "MX of none.ac.test: mx.none.ac.test: no known provider",
        "SRV _imaps._tcp.none.ac.test: no record",
        "SRV _imap._tcp.none.ac.test: no record",
        "https://autoconfig.none.ac.test/mail/config-v1.1.xml?emailaddress=rep%40none.ac.test: "
        "HTTP 404 Not Found",
        "https://none.ac.test/.well-known/autoconfig/mail/config-v1.1.xml: HTTP 404 Not Found",
    ):
        assert tried in out, tried
    assert "--imap-host HOST --smtp-host HOST" in out
    assert listed() == []


def test_malformed_xml_names_the_url_and_the_fault(env: WebServer) -> None:
    result = add("rep@bad.ac.test", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 2
    assert ("https://autoconfig.bad.ac.test/mail/config-v1.1.xml?emailaddress=rep%40bad.ac.test:"
            " unusable autoconfig file: not well-formed XML at line 5, column") in result.output


def test_an_untrusted_certificate_is_refused(env: WebServer, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """Without the test CA the loopback server's certificate is not trusted: verification
    is never switched off."""
    monkeypatch.delenv("SSL_CERT_FILE")
    result = add("rep@xml.ac.test", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 2
    assert "TLS certificate not trusted" in result.output
    assert listed() == []


def test_a_dns_failure_is_reported_not_fatal(env: WebServer) -> None:
    """A name outside the NSD's zone is REFUSED: each DNS source says so, HTTPS goes on."""
    result = add("rep@elsewhere.test", *PASSWORD_COMMAND, "--yes")
    assert result.exit_code == 2
    assert "MX of elsewhere.test: DNS lookup failed" in result.output
    assert "https://elsewhere.test/.well-known/autoconfig/mail/config-v1.1.xml" in (
        result.output)


def test_https_hosts_are_resolved_through_the_pinned_resolver(ac_dns: ResolverSpec,
                                                               loopback_only: None) -> None:
    resolver = make_resolver(ac_dns)
    assert autoconfig._address_of("autoconfig.xml.ac.test", resolver) == "127.0.0.1"
    with pytest.raises(autoconfig.FetchFailed, match="has no address in DNS"):
        autoconfig._address_of("autoconfig.none.ac.test", resolver)


# -- silent servers: short timeouts, every source still reported ------------------------------


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port where UDP datagrams and TCP connections are taken but never answered."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp.bind(("127.0.0.1", port))
        tcp.listen(16)
        yield port


def test_a_silent_dns_server_costs_one_timeout_and_is_reported(
    silent_port: int, loopback_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autoconfig, "DNS_LIFETIME_S", 0.5)
    resolver = make_resolver(ResolverSpec("127.0.0.1", silent_port))
    with socket.socket() as closed:  # bound, not listening: connections are refused at once
        closed.bind(("127.0.0.1", 0))
        https = HttpsOptions(connect_to=closed.getsockname())
        started = time.monotonic()
        result = discover("rep@firma.test", resolver, https)
        elapsed = time.monotonic() - started
    assert result.found is None
    outcomes = {a.source: a.outcome for a in result.attempts}
    assert outcomes["MX of firma.test"] == "DNS gave no answer within 0.5 s"
    assert outcomes["SRV _submission._tcp.firma.test"] == "DNS gave no answer within 0.5 s"
    assert "Connection refused" in outcomes[
        "https://firma.test/.well-known/autoconfig/mail/config-v1.1.xml"]
    assert elapsed < 2.0, f"five DNS questions at once take one timeout, not five: {elapsed}"


def test_a_silent_https_server_times_out_and_is_reported(
    ac_dns: ResolverSpec, silent_port: int, loopback_only: None
) -> None:
    https = HttpsOptions(connect_to=("127.0.0.1", silent_port), timeout=0.5)
    result = discover("rep@none.ac.test", make_resolver(ac_dns), https)
    assert result.found is None
    outcomes = {a.source: a.outcome for a in result.attempts}
    assert outcomes["https://none.ac.test/.well-known/autoconfig/mail/config-v1.1.xml"] == (
        "no answer within 0.5 s")
