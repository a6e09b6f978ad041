"""``outreach sequence preview``: what the prospect reads, and ``--raw`` for the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.mailbox.readable import readable

SEQUENCE = """\
name: Preview
steps:
  - subject: "Geschäftsführung bei {{ company }}"
    body: |
      Guten Tag {{ first_name }} {{ last_name }},

      eine kurze Frage zur Geschäftsführung — hätten Sie 15 Minuten?
  - wait: 3 days
    body: |
      Ich wollte kurz nachfassen, {{ first_name }}.
"""


@pytest.fixture
def world(outreach_home: Path, tmp_path: Path) -> Path:
    runner = CliRunner()
    leads = tmp_path / "leads.csv"
    leads.write_text("email;first_name;last_name;company\nmax@example.de;Max;Müller;Bäckerei Süß\n")
    imported = runner.invoke(cli, ["prospects", "import", str(leads), "--tag", "q1"])
    assert imported.exit_code == 0, imported.output
    added = runner.invoke(cli, [
        "mailbox", "add", "lena@firma.de", "--name", "Lena Mäier", "--smtp-host", "smtp.firma.de",
        "--imap-host", "imap.firma.de", "--password-command", "echo x",
    ])
    assert added.exit_code == 0, added.output
    path = tmp_path / "q1.yaml"
    path.write_text(SEQUENCE, encoding="utf-8")
    return path


def test_preview_shows_what_the_prospect_reads(world: Path) -> None:
    result = CliRunner().invoke(cli, ["sequence", "preview", str(world), "--prospect", "max@example.de"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "From:    Lena Mäier <lena@firma.de>" in out
    assert "To:      Max Müller <max@example.de>" in out
    assert "Subject: Geschäftsführung bei Bäckerei Süß" in out
    assert "Subject: Re: Geschäftsführung bei Bäckerei Süß" in out
    assert "Date:    " in out
    assert "Guten Tag Max Müller," in out
    assert "eine kurze Frage zur Geschäftsführung — hätten Sie 15 Minuten?" in out
    assert "Ich wollte kurz nachfassen, Max." in out
    for source in ("=?utf-8?", "=C3=", "Content-Transfer-Encoding", "Message-ID", "\r"):
        assert source not in out, source
    assert out.index("step 1") < out.index("Guten Tag") < out.index("step 2") < out.index("nachfassen")


def test_raw_keeps_the_mime_source(world: Path) -> None:
    result = CliRunner().invoke(
        cli, ["sequence", "preview", str(world), "--prospect", "max@example.de", "--raw"]
    )
    assert result.exit_code == 0, result.output
    assert "=?utf-8?" in result.output
    assert "Message-ID: <step1.preview@firma.de>" in result.output
    assert "Content-Transfer-Encoding" in result.output


def test_readable_decodes_encoded_words_and_quoted_printable() -> None:
    raw = (
        b"From: =?utf-8?q?Lena_M=C3=A4ier?= <lena@firma.de>\r\n"
        b"To: =?utf-8?q?Max_M=C3=BCller?= <max@example.de>\r\n"
        b"Subject: =?utf-8?q?Gesch=C3=A4ftsf=C3=BChrung?=\r\n"
        b"Date: Tue, 01 Dec 2026 09:00:00 +0100\r\n"
        b"Message-ID: <a@b>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Gesch=C3=A4ftsf=C3=BChrung, eine sehr lange Zeile, die umbrochen=\r\n wird.\r\n"
        b"--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>\r\n--XX--\r\n"
    )
    seen = readable(raw)
    assert seen.headers == (
        ("From", "Lena Mäier <lena@firma.de>"),
        ("To", "Max Müller <max@example.de>"),
        ("Subject", "Geschäftsführung"),
        ("Date", "Tue, 01 Dec 2026 09:00:00 +0100"),
    )
    assert seen.text == "Geschäftsführung, eine sehr lange Zeile, die umbrochen wird."
    assert seen.has_html
