"""Reading CSV exports without a database: encodings, delimiters, line numbers, headers, rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.prospects.address_list import parse_address_list
from outreach.prospects.columns import field_key, map_columns
from outreach.prospects.csv_reader import CsvFileError, iter_records, read_csv_text
from outreach.prospects.rows import (
    Duplicate,
    ProspectRow,
    Rejection,
    RowWarning,
    canonical_timezone,
    parse_prospects,
)
from outreach.prospects.suppression import normalize_value

CSV = Path(__file__).parent / "data" / "csv"


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("german_excel.csv", "cp1252", ";"),
        ("utf8_bom.csv", "utf-8-sig", ","),
        ("tabs.tsv", "utf-8", "\t"),
        ("multiline.csv", "utf-8", ","),
    ],
)
def test_encoding_and_delimiter_are_detected(name: str, encoding: str, delimiter: str) -> None:
    source = read_csv_text(CSV / name)
    assert (source.encoding, source.delimiter) == (encoding, delimiter)


def test_cp1252_text_keeps_umlauts_and_the_euro_sign() -> None:
    text = read_csv_text(CSV / "german_excel.csv").text
    assert "Jürgen;Müller;Müller, Schmidt & Partner GmbH" in text
    assert "Preis 5 € GmbH" in text


def test_bom_is_not_part_of_the_first_header() -> None:
    first = next(iter_records(read_csv_text(CSV / "utf8_bom.csv")))
    assert first.cells[0] == "Email Address"


def test_utf16_excel_unicode_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("E-Mail\tVorname\r\nöz@x.test\tÖzil\r\n".encode("utf-16"))
    source = read_csv_text(path)
    assert (source.encoding, source.delimiter) == ("utf-16", "\t")
    assert [r.cells for r in iter_records(source)][1] == ("öz@x.test", "Özil")


def test_undecodable_file_names_offsets_and_lines_for_both_encodings() -> None:
    with pytest.raises(CsvFileError) as info:
        read_csv_text(CSV / "undecodable.csv")
    message = str(info.value)
    assert "UTF-8 (byte 0xe9 at offset 21, line 2)" in message
    assert "Windows-1252 (byte 0x81 at offset 54, line 3)" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\r\n  \n", "the file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "is an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel workbook (.xls)"),
        (b"email\nx@y.test\x00\x01", "binary file, not CSV text (NUL byte at offset 14, line 2)"),
    ],
)
def test_unusable_files_are_refused(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(data)
    with pytest.raises(CsvFileError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_csv_text(path)


def test_sniffer_fooled_by_commas_in_values_is_overruled_by_the_header(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("email;company\n" + "a@b.test;A, B, C, D and E\n" * 5)
    assert read_csv_text(path).delimiter == ";"


def test_single_column_file_falls_back_to_comma(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("email\na@b.test\n")
    assert read_csv_text(path).delimiter == ","


def test_record_lines_are_physical_lines_across_multi_line_fields() -> None:
    records = list(iter_records(read_csv_text(CSV / "multiline.csv")))
    assert [r.line for r in records] == [1, 2, 5, 7, 8, 10, 12]
    assert records[1].cells[2] == "line one\nline two\nline three"


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Job Title", "job_title"),
        ("LinkedIn-URL", "linkedin_url"),
        ("  Telefon (mobil) ", "telefon_mobil"),
        ("Straße", "straße"),
        ("2nd Phone", "f_2nd_phone"),
        ("---", ""),
    ],
)
def test_custom_field_keys_are_template_names(header: str, key: str) -> None:
    assert field_key(header) == key


def test_header_aliases_map_to_the_standard_fields() -> None:
    header = ["E-MAIL-Adresse", "Vorname", "Name", "Unternehmen", "Zeit Zone", "Job Title", ""]
    columns = map_columns(header, where="x.csv, line 1")
    assert [(c.key, c.standard) for c in columns.columns] == [
        ("email", True),
        ("first_name", True),
        ("last_name", True),
        ("company", True),
        ("timezone", True),
        ("job_title", False),
    ]
    assert columns.notes == ()


def test_a_second_column_for_the_same_field_is_kept_as_custom_with_a_note() -> None:
    columns = map_columns(["Email", "Nachname", "Name", "Notes", "notes"], where="x")
    assert [c.key for c in columns.columns] == ["email", "last_name", "name", "notes", "notes_2"]
    [note] = columns.notes
    assert "'Name'" in note and "last_name" in note and "'name'" in note


def test_missing_email_column_names_headers_found_and_aliases_accepted() -> None:
    with pytest.raises(CsvFileError) as info:
        map_columns(["Vorname", "Firma"], where="leads.csv, line 1")
    message = str(info.value)
    assert "leads.csv, line 1: no e-mail column" in message
    assert "Headers found: 'Vorname', 'Firma'" in message
    assert "'e-mail'" in message and "'email address'" in message


def test_timezones_are_matched_ignoring_case() -> None:
    assert canonical_timezone("europe/berlin") == "Europe/Berlin"
    assert canonical_timezone(" UTC ") == "UTC"
    assert canonical_timezone("Berlin") is None


def test_bad_rows_are_rejected_warned_or_merged() -> None:
    parsed = parse_prospects(read_csv_text(CSV / "bad_rows.csv"))
    assert parsed.records == 6
    assert parsed.rows == (
        ProspectRow(2, "good@rows.test", "Later", "One", "Rows Ltd (updated)", "Europe/London"),
        ProspectRow(5, "tz@rows.test", "Bad", "Zone", "Rows Ltd", None),
    )
    assert [(r.line, r.value) for r in parsed.rejected] == [
        (3, "not-an-address"),
        (4, None),
        (7, "two@@rows.test"),
    ]
    assert parsed.rejected[1] == Rejection(4, "no e-mail address")
    assert "must have an @-sign" in parsed.rejected[0].reason
    assert parsed.duplicates == (Duplicate(6, 2, "good@rows.test"),)
    [warning] = parsed.warnings
    assert warning.line == 5 and "'Mars/Olympus_Mons' is not an IANA time zone" in warning.message


def test_values_right_of_the_header_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("email,first_name\na@b.test,Ann,surplus,\nc@d.test,Cid,,\n")
    parsed = parse_prospects(read_csv_text(path))
    assert [r.first_name for r in parsed.rows] == ["Ann", "Cid"]
    assert parsed.warnings == (RowWarning(2, "1 value right of the last column ignored"),)


def test_crlf_inside_a_quoted_field_becomes_a_newline() -> None:
    parsed = parse_prospects(read_csv_text(CSV / "multiline.csv"))
    notes = {row.email: row.fields.get("notes") for row in parsed.rows}
    assert notes == {
        "first@multi.test": "line one\nline two\nline three",
        "second@multi.test": "plain",
        "third@multi.test": "a\nb",
    }


def test_header_only_file_is_a_file_level_error() -> None:
    with pytest.raises(CsvFileError, match=r"has a header \(line 1\) but no rows"):
        parse_prospects(read_csv_text(CSV / "header_only.csv"))


def test_plain_address_list_skips_comments_and_reports_bad_lines() -> None:
    parsed = parse_address_list(read_csv_text(CSV / "suppress_list.txt"), normalize_value)
    assert parsed.values == ("bounce@old.test", "@competitor.test")
    assert [(r.line, r.value) for r in parsed.rejected] == [
        (4, "not an address"),
        (5, "@bad_domain"),
    ]


def test_address_list_header_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("E-Mail\nA@B.test\n")
    parsed = parse_address_list(read_csv_text(path), normalize_value)
    assert (parsed.values, parsed.rejected) == (("a@b.test",), ())


def test_address_list_from_a_csv_uses_its_email_column() -> None:
    parsed = parse_address_list(read_csv_text(CSV / "suppress_export.csv"), normalize_value)
    assert parsed.values == ("unsub@abmeldung.test", "@spamtrap.test")
    assert parsed.rejected == (Rejection(4, "no e-mail address"),)
