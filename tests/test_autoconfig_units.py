"""Pure parts of autoconfig: the config-v1.1.xml parser, the SRV choice, presets, flags."""

from __future__ import annotations

import pytest

from outreach.mailbox.account import Endpoint
from outreach.mailbox.discovery import (
    ConfigXmlError,
    ServerFlags,
    SrvRecord,
    choose_srv,
    parse_config_xml,
    substitute,
    with_flags,
)
from outreach.mailbox.presets import (
    PRESETS,
    preset_for_domain,
    preset_for_mx,
    provider_of_hosts,
)
from tests.autoconfig_support import MALFORMED_XML, config_xml

URL = "https://autoconfig.firma.test/mail/config-v1.1.xml"
ADDRESS = "lena.maier@firma.test"


def server(kind: str, host: str, port: str, socket_type: str, element: str = "incomingServer",
           username: str = "%EMAILADDRESS%") -> str:
    return (f'<{element} type="{kind}"><hostname>{host}</hostname><port>{port}</port>'
            f"<socketType>{socket_type}</socketType><username>{username}</username></{element}>")


def document(*servers: str) -> bytes:
    body = "".join(servers)
    return f'<clientConfig version="1.1"><emailProvider id="x">{body}</emailProvider>' \
           f"</clientConfig>".encode()


IMAP_SSL = server("imap", "imap.firma.test", "993", "SSL")
SMTP_STARTTLS = server("smtp", "smtp.firma.test", "587", "STARTTLS", "outgoingServer")


# -- the XML parser -------------------------------------------------------------------------


def test_a_full_file_yields_implicit_tls_imap_and_the_smtp_server() -> None:
    found = parse_config_xml(config_xml("imap.%EMAILDOMAIN%", "smtp.%EMAILDOMAIN%"), ADDRESS, URL)
    assert found.imap == Endpoint("imap.firma.test", 993, "tls")
    assert found.smtp == Endpoint("smtp.firma.test", 587, "starttls")
    assert found.username is None  # %EMAILADDRESS%: the address is the login
    assert (found.kind, found.source) == ("autoconfig", f"autoconfig file {URL}")


def test_the_first_server_is_kept_when_security_is_equal() -> None:
    second = server("imap", "imap2.firma.test", "993", "SSL")
    found = parse_config_xml(document(IMAP_SSL, second, SMTP_STARTTLS), ADDRESS, URL)
    assert found.imap.host == "imap.firma.test"


def test_placeholders_fill_login_and_hosts() -> None:
    assert substitute("%EMAILLOCALPART%+%EMAILDOMAIN%", ADDRESS) == "lena.maier+firma.test"
    xml = document(server("imap", "%EMAILDOMAIN%", "993", "SSL", username="%EMAILLOCALPART%"),
                   SMTP_STARTTLS)
    found = parse_config_xml(xml, ADDRESS, URL)
    assert (found.imap.host, found.username) == ("firma.test", "lena.maier")


def test_known_provider_hosts_name_the_provider() -> None:
    xml = document(server("imap", "outlook.office365.com", "993", "SSL"),
                   server("smtp", "smtp.office365.com", "587", "STARTTLS", "outgoingServer"))
    assert parse_config_xml(xml, ADDRESS, URL).provider == "microsoft365"


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"this is not xml", "not well-formed XML at line 1, column 1"),
        (MALFORMED_XML, "not well-formed XML at line 5, column 5"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
         b"<clientConfig>&lol;</clientConfig>", "refused: it declares a DTD or entities"),
        (b"<html><body>Not found</body></html>", "the root element is <html>"),
        (b'<clientConfig version="1.1"/>', "<clientConfig> has no <emailProvider>"),
        (document(SMTP_STARTTLS), 'no <incomingServer type="imap">'),
        (document(IMAP_SSL), 'no <outgoingServer type="smtp">'),
        (document(server("imap", "imap.firma.test", "99999", "SSL"), SMTP_STARTTLS),
         "<port> '99999' is not a port number"),
        (document(server("imap", "imap.firma.test", "993", "TLS1.3"), SMTP_STARTTLS),
         "<socketType> 'TLS1.3' is not one of SSL, STARTTLS, plain"),
        (document(server("imap", "evil host/x", "993", "SSL"), SMTP_STARTTLS),
         "<hostname> 'evil host/x' is not a host name"),
        (document(server("imap", "imap.firma.test", "143", "plain"), SMTP_STARTTLS),
         "offers only unencrypted connections"),
        (document('<incomingServer type="imap"><port>993</port></incomingServer>',
                  SMTP_STARTTLS), "has no <hostname>"),
        (b"x" * (300 * 1024), "larger than 256 KiB"),
    ],
)
def test_unusable_files_say_what_is_wrong(xml: bytes, message: str) -> None:
    with pytest.raises(ConfigXmlError) as caught:
        parse_config_xml(xml, ADDRESS, URL)
    assert message in str(caught.value)


def test_a_broken_server_entry_is_skipped_for_a_good_one() -> None:
    broken = server("imap", "imap.firma.test", "none", "SSL")
    found = parse_config_xml(document(broken, IMAP_SSL, SMTP_STARTTLS), ADDRESS, URL)
    assert found.imap.port == 993


def test_plaintext_is_accepted_only_on_loopback() -> None:
    xml = document(server("imap", "127.0.0.1", "1143", "plain"),
                   server("smtp", "localhost", "2525", "plain", "outgoingServer"))
    found = parse_config_xml(xml, ADDRESS, URL)
    assert (found.imap.security, found.smtp.security) == ("none", "none")


def test_an_entity_expansion_bomb_is_refused_quickly() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY a%d "&a%s;&a%s;&a%s;&a%s;&a%s;&a%s;&a%s;&a%s;&a%s;&a%s;">'
                       % ((i,) + (b"" if i == 1 else str(i - 1).encode(),) * 10)
                       for i in range(1, 10))
            + b"]><clientConfig>&a9;</clientConfig>")
    with pytest.raises(ConfigXmlError, match="refused"):
        parse_config_xml(bomb, ADDRESS, URL)


# -- SRV choice -----------------------------------------------------------------------------


def test_lowest_priority_wins_whatever_the_order() -> None:
    records = [SrvRecord(20, 100, 993, "backup.firma.test"),
               SrvRecord(10, 0, 993, "imap.firma.test")]
    assert choose_srv(records) == records[1]
    assert choose_srv(list(reversed(records))) == records[1]


def test_within_a_priority_the_heaviest_weight_then_the_name() -> None:
    records = [SrvRecord(10, 5, 993, "b.firma.test"), SrvRecord(10, 60, 993, "c.firma.test"),
               SrvRecord(10, 60, 993, "a.firma.test")]
    assert choose_srv(records) == records[2]


@pytest.mark.parametrize(
    "records",
    [[], [SrvRecord(0, 0, 0, "")], [SrvRecord(0, 0, 993, "")], [SrvRecord(0, 0, 0, "x.test")]],
)
def test_no_record_or_target_dot_is_not_offered(records: list[SrvRecord]) -> None:
    assert choose_srv(records) is None


# -- presets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "name"),
    [("gmx.de", "GMX"), ("GMX.NET", "GMX"), ("web.de", "WEB.DE"), ("t-online.de", "T-Online"),
     ("strato.de", "STRATO"), ("ionos.de", "IONOS"), ("gmail.com", "Google"),
     ("googlemail.com", "Google"), ("hotmail.de", "Outlook.com"),
     ("contoso.onmicrosoft.com", "Microsoft 365")],
)
def test_domain_presets(domain: str, name: str) -> None:
    match = preset_for_domain(domain)
    assert match is not None and match[1].name == name


@pytest.mark.parametrize("domain", ["firma.de", "notgmx.de", "gmx.de.evil.test", "mail.com"])
def test_other_domains_have_no_preset(domain: str) -> None:
    assert preset_for_domain(domain) is None


def test_the_most_preferred_known_mx_names_the_provider() -> None:
    hosts = ["mx.firma.test", "firma-de.mail.protection.outlook.com", "aspmx.l.google.com"]
    match = preset_for_mx(hosts)
    assert match is not None
    assert (match[0], match[1].provider) == ("firma-de.mail.protection.outlook.com",
                                             "microsoft365")


@pytest.mark.parametrize(
    ("mx", "key"),
    [("firma-de.mail.protection.outlook.com", "microsoft365"),
     ("firma-de.o-v1.mx.microsoft", "microsoft365"), ("smtp.google.com.", "google"),
     ("ALT1.ASPMX.L.GOOGLE.COM", "google"), ("aspmx2.googlemail.com", "google"),
     ("mx00.ionos.de", "ionos"), ("mx01.kundenserver.de", "ionos"),
     ("smtpin.rzone.de", "strato"), ("mx02.t-online.de", "t-online")],
)
def test_mx_presets(mx: str, key: str) -> None:
    match = preset_for_mx([mx])
    assert match is not None and match[1] is PRESETS[key]


@pytest.mark.parametrize("mx", ["notgoogle.com", "google.com.evil.test", "outlook.com.mx.test"])
def test_look_alike_mx_hosts_match_nothing(mx: str) -> None:
    assert preset_for_mx([mx]) is None


def test_provider_of_hosts() -> None:
    assert provider_of_hosts("imap.gmail.com", "smtp.gmail.com") == "google"
    assert provider_of_hosts("imap.gmx.net") is None


def test_every_preset_is_encrypted_on_a_standard_port() -> None:
    for preset in PRESETS.values():
        assert (preset.imap.port, preset.imap.security) == (993, "tls"), preset.name
        assert (preset.smtp.port, preset.smtp.security) in ((465, "tls"), (587, "starttls"))
        assert preset.doc.startswith("https://"), preset.name


# -- flags over found values ----------------------------------------------------------------

FOUND = Endpoint("smtp.firma.test", 587, "starttls")


def test_no_flags_keep_what_was_found() -> None:
    assert with_flags(FOUND, "smtp", ServerFlags()) == ("smtp.firma.test", 587, "starttls")


def test_a_new_security_moves_a_default_port_along() -> None:
    assert with_flags(FOUND, "smtp", ServerFlags(security="tls")) == ("smtp.firma.test", None,
                                                                      "tls")


def test_a_found_non_default_port_stays_with_a_new_security() -> None:
    found = Endpoint("smtp.firma.test", 2587, "starttls")
    assert with_flags(found, "smtp", ServerFlags(security="tls")) == ("smtp.firma.test", 2587,
                                                                      "tls")


def test_host_and_port_flags_replace_only_themselves() -> None:
    assert with_flags(FOUND, "smtp", ServerFlags(host="mail.other.test", port=2525)) == (
        "mail.other.test", 2525, "starttls")
