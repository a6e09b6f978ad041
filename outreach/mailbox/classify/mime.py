"""Tolerant reading of headers and text parts: never raises, whatever the input.

Messages may come from ``email.policy.default`` (header objects that parse lazily and
can raise) or ``compat32`` (``Header`` objects for undecodable bytes). Every accessor
here catches parser errors and falls back to the raw value.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import email
import email.parser
import email.policy
import quopri
import re
import urllib.parse
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

from outreach.mailbox.classify.html_text import html_to_text

MAX_PARTS = 200
"""Parts visited per message: bounds the work on hostile or huge MIME trees."""
MAX_TEXT = 200_000
"""Characters kept per decoded part."""
MAX_HEADER = 4_000
"""Characters kept per header value."""
_SURROGATE_RE = re.compile("[\udc80-\udcff]")
_CTYPE_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_PARAM_RE = re.compile(r';\s*([A-Za-z0-9*_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)')


def header(msg: Message, name: str) -> str:
    """The first ``name`` header as decoded text, ``""`` when missing or unreadable."""
    values = headers(msg, name)
    return values[0] if values else ""


def headers(msg: Message, name: str) -> list[str]:
    """Every ``name`` header as decoded text.

    Read from the raw stored values, not through the message's policy: the same
    result for ``compat32`` and ``default``, and no slow parsing of hostile headers.
    """
    return [_to_text(value) for value in _raw_values(msg, name)]


def header_items(msg: Message) -> list[tuple[str, str]]:
    """Every header as ``(name, decoded text)``, in message order."""
    try:
        return [(str(key), _to_text(value)) for key, value in msg.raw_items()]
    except Exception:
        return []


def _raw_values(msg: Message, name: str) -> list[object]:
    wanted = name.lower()
    try:
        return [value for key, value in msg.raw_items() if str(key).lower() == wanted]
    except Exception:
        return []


def _to_text(value: object) -> str:
    try:
        text = _unescape_bytes(str(value)[: MAX_HEADER * 2])
    except Exception:
        return ""
    if "=?" in text:
        with contextlib.suppress(Exception):
            text = str(make_header(decode_header(text)))
    return _clean(text)[:MAX_HEADER]


def _unescape_bytes(text: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) decoded as UTF-8."""
    if not _SURROGATE_RE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _clean(text: str) -> str:
    return " ".join(text.split())


def parse_message(raw: bytes) -> Message:
    """Bytes to a message with ``compat32``: it never parses header values while parsing,
    so hostile headers cannot make it slow or raise (the ``default`` policy can).

    The stdlib parser recurses once per nesting level: a message nested thousands of
    multiparts deep is read flat instead (:func:`flattened`), so nesting hides no text.
    """
    try:
        return email.message_from_bytes(raw, policy=email.policy.compat32)
    except RecursionError:
        return flattened(raw)
    except Exception:
        return Message()


_BOUNDARY_PARAM_RE = re.compile(r'\bboundary\s*=\s*"?([^"\s;]{1,200})', re.I)


def flattened(raw: bytes) -> Message:
    """The message as one text/plain part: its body without MIME boundary lines, part
    headers and runs of blank lines (the parts' own transfer encodings are not undone)."""
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        raw, headersonly=True
    )
    body = str(_payload(msg) or "")
    boundaries = set(_BOUNDARY_PARAM_RE.findall(header(msg, "Content-Type") + "\n" + body))
    del msg["Content-Type"], msg["Content-Transfer-Encoding"]
    msg["Content-Type"] = "text/plain; charset=utf-8"
    msg.set_payload(_without_mime_lines(body.splitlines(), boundaries))
    return msg


def _without_mime_lines(lines: list[str], boundaries: set[str]) -> str:
    kept: list[str] = []
    in_part_headers = False
    for line in lines:
        if line.startswith("--") and line.rstrip()[2:].removesuffix("--") in boundaries:
            in_part_headers = True
        elif in_part_headers:
            in_part_headers = bool(line.strip())
        elif line.strip() or (kept and kept[-1].strip()):
            kept.append(line)
    return "\n".join(kept)


def _undecoded(msg: Message, name: str) -> list[str]:
    """Every ``name`` header as written: encoded words stay encoded, so an address hidden
    in an encoded display name is never taken for the real one."""
    try:
        return [_unescape_bytes(str(value)[: MAX_HEADER * 2]) for value in _raw_values(msg, name)]
    except Exception:
        return []


def from_address(msg: Message) -> tuple[str, str]:
    """``(display name, lower-cased address)`` of the From header: the address is parsed
    before anything is decoded, the name decoded after."""
    values = _undecoded(msg, "From")
    try:
        name, addr = parseaddr(values[0]) if values else ("", "")
    except Exception:
        return "", ""
    return _to_text(name), addr.lower()


def addresses(msg: Message, name: str) -> list[str]:
    """Lower-cased addresses of every ``name`` header (To, Cc, X-Failed-Recipients…),
    parsed before any encoded word is decoded."""
    try:
        pairs = getaddresses(_undecoded(msg, name))
    except Exception:
        return []
    return [_clean(addr).lower() for _, addr in pairs if "@" in addr]


def content_type(part: Message) -> str:
    """``maintype/subtype`` in lower case; ``text/plain`` when missing or unreadable.

    Parsed here from the raw header: the ``default`` policy's parser is slow (even
    recursive) on hostile Content-Type values and re-parses on every access.
    """
    value = header(part, "Content-Type").split(";", 1)[0].strip().lower()
    return value if _CTYPE_RE.fullmatch(value) else "text/plain"


def param(part: Message, name: str) -> str:
    """A Content-Type parameter, lower-cased, ``""`` when absent."""
    for key, value in _PARAM_RE.findall(header(part, "Content-Type")):
        if key.lower().rstrip("*") == name.lower():
            return _param_value(value).lower()
    return ""


def _param_value(value: str) -> str:
    if value.startswith('"'):
        return value[1:-1].replace('\\"', '"')
    if "''" in value:  # RFC 2231: charset'language'percent-encoded
        return urllib.parse.unquote(value.split("''", 1)[1])
    return value


def walk(msg: Message) -> Iterator[Message]:
    """The message's parts in document order, at most :data:`MAX_PARTS`.

    Iterative, unlike ``Message.walk()`` whose nested generators cost
    depth x parts on deeply nested (hostile) messages.
    """
    stack = [msg]
    for _ in range(MAX_PARTS):
        if not stack:
            return
        part = stack.pop()
        yield part
        stack.extend(reversed(children(part)))


def _payload(part: Message) -> object:
    """The stored payload. ``get_payload()`` is avoided on purpose: even without
    decoding it reads Content-Transfer-Encoding through the policy, which the
    ``default`` policy parses slowly on hostile values."""
    return getattr(part, "_payload", None)


def children(part: Message) -> list[Message]:
    """The direct sub-parts of a multipart or ``message/*`` part."""
    payload = _payload(part)
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)][:MAX_PARTS]
    return []


def is_attachment(part: Message) -> bool:
    """True for parts marked ``Content-Disposition: attachment``."""
    return header(part, "Content-Disposition").lower().startswith("attachment")


def decoded_text(part: Message) -> str:
    """A leaf part's payload as text: transfer-decoded, charset-decoded, errors replaced."""
    data = payload_bytes(part)
    return decode_bytes(data[: MAX_TEXT * 4], _charset(part))[:MAX_TEXT]


def payload_bytes(part: Message) -> bytes:
    """The payload with its Content-Transfer-Encoding undone (``b""`` for multiparts)."""
    payload = _payload(part)
    if isinstance(payload, bytes):
        payload = payload.decode("ascii", "surrogateescape")
    if not isinstance(payload, str):
        return b""
    raw = _to_bytes(payload[: MAX_TEXT * 8])
    encoding = header(part, "Content-Transfer-Encoding").strip().lower()
    try:
        if encoding == "base64":
            return binascii.a2b_base64(_base64_padded(raw))
        if encoding == "quoted-printable":
            return quopri.decodestring(raw)
    except (binascii.Error, ValueError):
        return raw
    return raw


def _to_bytes(payload: str) -> bytes:
    """The parser keeps undecodable bytes as surrogates: turn them back into bytes."""
    try:
        return payload.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return payload.encode("utf-8", "surrogateescape")


def _base64_padded(raw: bytes) -> bytes:
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
    return (
        data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data + b"=" * (-len(data) % 4)
    )


def _charset(part: Message) -> str:
    charset = param(part, "charset")
    return charset if _known_codec(charset) else ""


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        return False
    return bool(name)


def decode_bytes(data: bytes, charset: str = "") -> str:
    """Bytes to text: the declared charset, else UTF-8, else Latin-1; never raises."""
    for candidate in (charset, "utf-8"):
        if candidate:
            with contextlib.suppress(Exception):
                return data.decode(candidate)
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except Exception:
        return data.decode("latin-1")


def part_text(part: Message) -> str:
    """A text part as plain text (HTML converted), other parts as ``""``.

    A multipart whose boundary matches nothing keeps its body as one string: it is
    read as text too, as broken bounces often are.
    """
    ctype = content_type(part)
    if ctype == "text/html":
        return html_to_text(decoded_text(part))
    if ctype.startswith("text/") or (ctype.startswith("multipart/") and not children(part)):
        return decoded_text(part)
    return ""


def body_text(msg: Message) -> str:
    """The message's main text: the first inline text/plain, else the first text/html."""
    plain, html = _first_inline(msg, "text/plain"), _first_inline(msg, "text/html")
    if plain is not None and (plain.strip() or html is None):
        return plain
    if html is not None:
        return html_to_text(html)
    return part_text(msg) if content_type(msg).startswith("multipart/") else ""


def _first_inline(msg: Message, ctype: str) -> str | None:
    for part in top_level_leaves(msg):
        if content_type(part) == ctype and not is_attachment(part):
            return decoded_text(part)
    return None


def top_level_leaves(msg: Message) -> Iterator[Message]:
    """Leaves of the message itself, not descending into attached ``message/*`` parts."""
    stack = [msg]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop(0)
        seen += 1
        if content_type(part).startswith("multipart/") and children(part):
            stack[0:0] = children(part)
        elif not content_type(part).startswith("message/") or part is msg:
            yield part
