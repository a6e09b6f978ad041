"""Quote removal of outreach against maintained libraries, on the reply-splitting corpora.

    python bench/quote_libraries.py [--corpora DIR] [--failures NAME]

For each corpus with expected reply texts (talon, discourse_email_reply_trimmer,
email_reply_parser_family) the share of messages whose extracted new text meets the
expectation, scored exactly as ``bench/classify_corpora.py`` scores ours (same input
text: the message's text part, HTML turned into text by our converter); then the same
answer quoted in each mail client's style (:func:`client_styles`). Libraries that
are not installed are listed as such; install them next to the project to compare
(``pip install --target /tmp/libs quotequail mail-parser-reply talon`` and
``PYTHONPATH=/tmp/libs``):

- ``quotequail`` (closeio): the visible part before the first quoted block.
- ``mail-parser-reply`` (alfonsrv): the latest reply, languages en/de/fr/es/it/nl.
- ``talon`` (mailgun, last release 2017): ``extract_from_plain`` then the brute-force
  signature cut (its ML signature model needs scikit-learn versions of 2017).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # classify_corpora

from classify_corpora import (  # noqa: E402
    SPLIT_CORPORA,
    Splitter,
    default_corpora_dir,
    load,
    split_verdict,
)

from outreach.mailbox.classify import ReplySplit, default_rules, split_reply  # noqa: E402
from outreach.mailbox.classify.quotes import split_signature  # noqa: E402


def _quotequail() -> Splitter:
    import quotequail  # type: ignore[import-not-found]

    def split(text: str) -> ReplySplit:
        parts = quotequail.quote(text)
        visible = "".join(chunk for shown, chunk in parts[:1] if shown)
        return _strip_intro(ReplySplit(visible, "", text[len(visible) :]))

    return split


def _strip_intro(split: ReplySplit) -> ReplySplit:
    """quotequail keeps the "On … wrote:" line in the visible part: drop that last line."""
    lines = split.body.rstrip().splitlines()
    if len(lines) > 1 and lines[-1].rstrip().endswith(":"):
        lines = lines[:-1]
    return ReplySplit("\n".join(lines).strip(), "", split.quoted)


def _mail_parser_reply() -> Splitter:
    from mailparser_reply import EmailReplyParser  # type: ignore[import-not-found]

    parser = EmailReplyParser(languages=["en", "de", "fr", "es", "it", "nl"])

    def split(text: str) -> ReplySplit:
        return ReplySplit(parser.parse_reply(text=text) or "", "", "")

    return split


def _talon() -> Splitter:
    from talon import quotations  # type: ignore[import-not-found]
    from talon.signature.bruteforce import (  # type: ignore[import-not-found]
        extract_signature,
    )

    def split(text: str) -> ReplySplit:
        reply = quotations.extract_from_plain(text)
        body, signature = extract_signature(reply)
        return ReplySplit(body or "", signature or "", "")

    return split


def _with_our_signature_cut(make: Callable[[], Splitter]) -> Callable[[], Splitter]:
    """A library's quote removal followed by our signature cut (a fairer comparison for
    libraries that leave signatures in: the corpora expect them removed)."""

    def made() -> Splitter:
        library = make()

        def split(text: str) -> ReplySplit:
            body = library(text).body
            kept, signature = split_signature(body.splitlines(), default_rules())
            return ReplySplit("\n".join(kept).strip(), "\n".join(signature), "")

        return split

    return made


LIBRARIES: dict[str, Callable[[], Splitter]] = {
    "outreach": lambda: split_reply,
    "quotequail": _quotequail,
    "quotequail+our sig": _with_our_signature_cut(_quotequail),
    "mail-parser-reply": _mail_parser_reply,
    "mail-parser-reply+our sig": _with_our_signature_cut(_mail_parser_reply),
    "talon": _talon,
}


def client_styles() -> dict[str, str]:
    """Our answer above (or below) our first step quoted the way each client quotes it:
    ``>``/TAB under Gmail/Thunderbird/Apple Mail attributions in the OOO rules' languages,
    Outlook header blocks, s-nail/BSD mailx TAB blocks (from tests/test_classify_quote_styles)."""
    from tests.test_classify_quote_styles import (
        ANSWER,
        ATTRIBUTIONS,
        OURS,
        OUTLOOK_HEADERS,
        PLAIN_STYLES,
        indented,
    )

    cases = dict(PLAIN_STYLES)
    for name, intro in ATTRIBUTIONS.items():
        cases[f"attr-gt-{name}"] = f"{ANSWER}\n\n{intro}\n{indented('> ')}\n"
        if not intro.startswith(">"):
            cases[f"attr-tab-{name}"] = f"{ANSWER}\n\n{intro}\n{indented(chr(9))}\n"
    for name, block in OUTLOOK_HEADERS.items():
        cases[f"outlook-{name}"] = f"{ANSWER}\n\n{block}\n\n{OURS}"
    return cases


def score_styles(splitter: Splitter, failures: list[str] | None = None) -> str:
    """``ok/n (share)`` on :func:`client_styles` (the answer is "Ja, gerne! Dienstag passt.")."""
    cases = client_styles()
    ok = 0
    for name, text in cases.items():
        try:
            good = " ".join(splitter(text).body.split()) == "Ja, gerne! Dienstag passt."
        except Exception:  # noqa: BLE001 - a library failing on a text is a miss
            good = False
        ok += good
        if not good and failures is not None:
            failures.append(f"client styles: {name}")
    return f"{ok}/{len(cases)} ({ok / len(cases):.3f})"


def score(root: Path, splitter: Splitter, failures: list[str] | None = None) -> dict[str, str]:
    """``ok/n (share)`` per corpus for one splitter (a splitter that raises scores a miss)."""
    row: dict[str, str] = {}
    for name in SPLIT_CORPORA:
        ok = total = 0
        for example in load(root / name):
            try:
                verdict = split_verdict(example, splitter)
            except Exception:  # noqa: BLE001 - a library failing on a file is a miss
                verdict = False
            if verdict is None:
                continue
            total += 1
            ok += verdict
            if not verdict and failures is not None:
                failures.append(f"{name}: {example.expected['file']}")
        row[name] = f"{ok}/{total} ({ok / total:.3f})" if total else "-"
    return row


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=default_corpora_dir())
    parser.add_argument("--failures", metavar="NAME", help="list the misses of one splitter")
    args = parser.parse_args(argv)
    columns = [*SPLIT_CORPORA, "client styles"]
    print(f"{'splitter':26s} " + " ".join(f"{name:>32s}" for name in columns))
    for name, make in LIBRARIES.items():
        try:
            splitter = make()
        except ImportError:
            print(f"{name:26s} (not installed)")
            continue
        misses: list[str] | None = [] if args.failures == name else None
        row = score(args.corpora, splitter, misses)
        row["client styles"] = score_styles(splitter, misses)
        print(f"{name:26s} " + " ".join(f"{row[c]:>32s}" for c in columns))
        for miss in misses or []:
            print(f"  {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
