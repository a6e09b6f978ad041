"""HTML mail bodies to plain text with the standard library's ``html.parser``.

Block elements become line breaks and quoted content is prefixed with ``> `` so the
plain-text quote splitter handles HTML replies the same way as text ones. Quoted is what
mail clients mark so: ``<blockquote>`` (Apple Mail, Thunderbird), a ``gmail_quote`` /
``yahoo_quoted`` container (Gmail, Yahoo: attribution line included), and everything from
Outlook's ``divRplyFwdMsg`` / ``appendonsend`` marker to the end (Outlook puts the
original after its header block, not inside an element).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    "address article aside blockquote center dd div dl dt fieldset figure footer form h1 h2 h3"
    " h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul".split()
)
_SKIP = frozenset({"script", "style", "head", "title", "xml"})
_QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_quote_container", "yahoo_quoted"})
_REST_QUOTED_IDS = frozenset({"divrplyfwdmsg", "appendonsend"})
_RULE_LINE = "_" * 32
"""What ``<hr>`` becomes: the separator line Outlook puts above a quoted message."""


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self._current: list[str] = []
        self._has_text = False
        """The current line has non-blank text (its depth is set)."""
        self._depth = 0
        self._line_depth = 0
        self._skip = 0
        self._pre = 0
        self._rest_quoted = False
        self._divs: list[bool] = []
        """Open ``<div>``s: True for one that made its content quoted."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag)
        if tag == "div":
            self._div_start(dict(attrs))

    def _div_start(self, attrs: dict[str, str | None]) -> None:
        if (attrs.get("id") or "").lower() in _REST_QUOTED_IDS and not self._rest_quoted:
            self._rest_quoted = True
            self._depth += 1
        quotes = bool(_QUOTE_CLASSES & set((attrs.get("class") or "").lower().split()))
        self._divs.append(quotes)
        self._depth += quotes

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag)
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)

    def _open(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "br":
            self.newline()
        elif tag in _BLOCK:
            self._block_start(tag)

    def _block_start(self, tag: str) -> None:
        self.newline()
        if tag == "blockquote":
            self._depth += 1
        elif tag == "hr":
            self._current.append(_RULE_LINE)
            self.newline()
        elif tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.newline()
            if tag == "blockquote" or (tag == "div" and self._divs and self._divs.pop()):
                self._depth = max(0, self._depth - 1)
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        text = data.replace("\xa0", " ")
        if self._pre:
            self._pre_data(text)
            return
        text = re.sub(r"\s+", " ", text)
        if text.strip() and not self._has_text:  # a flag: joining here was quadratic
            self._line_depth, self._has_text = self._depth, True
        self._current.append(text)

    def _pre_data(self, text: str) -> None:
        first, *rest = text.split("\n")
        self._current.append(first)
        self._has_text = self._has_text or bool(first.strip())
        for line in rest:
            self.newline()
            self._current.append(line)
            self._has_text = bool(line.strip())

    def newline(self) -> None:
        line = "".join(self._current).strip()
        self._current, self._has_text = [], False
        if line or (self.lines and self.lines[-1][1]):
            self.lines.append((self._line_depth if line else 0, line))
        self._line_depth = self._depth


def html_to_text(html: str) -> str:
    """Readable text of an HTML document; quoted blocks prefixed with ``> ``."""
    collector = _TextCollector()
    try:
        collector.feed(html)
        collector.close()
    except Exception:  # html.parser is lenient, but never let markup break the classifier
        pass
    collector.newline()
    return "\n".join(("> " * depth + line).rstrip() for depth, line in collector.lines).strip()
