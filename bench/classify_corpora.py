"""Evaluate outreach's inbound-mail classifier on the public corpora in shared/corpora.

    python bench/classify_corpora.py [--corpora DIR] [--repo-corpora DIR] [--failures]

Per corpus: bounce precision/recall, recipient precision/recall/F1, final-vs-delay accuracy, hard/soft
accuracy, auto-reply recall, unsubscribe recall, human replies classed as bounce (or as
not-a-reply), bounces classed as a person's reply, and for reply-splitting corpora the
share of new texts matching the expectation (whitespace-normalised). The shared corpora
directory defaults to ``../shared/corpora`` next to the repository, or
``$OUTREACH_CORPORA``; the repository's own ``corpora/`` (bounce corpora added there,
some held out) is read too. Tests import :func:`evaluate_all`.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outreach.mailbox.classify import (  # noqa: E402
    Classification,
    Kind,
    ReplySplit,
    classify,
    split_reply,
)
from outreach.mailbox.classify.html_text import html_to_text  # noqa: E402
from outreach.mailbox.classify.mime import body_text  # noqa: E402
from outreach.mailbox.classify.quotes import is_quote_line  # noqa: E402

BOUNCE_CORPORA = ("sisimai", "bounceparser_perl", "bounce_email_rb", "discourse_receiver")
REPO_BOUNCE_CORPORA = ("flufl_bounce", "sisimai_new")
"""Bounce corpora in the repository's ``corpora/``. A line's ``split`` says whether rules
may be written looking at it ("dev") or not ("held_out", the default there): the held-out
rows measure the classifier on mail nobody writing rules has seen."""
SPLIT_CORPORA = ("discourse_email_reply_trimmer", "talon", "email_reply_parser_family")
BODY_ONLY = ("discourse_email_reply_trimmer", "email_reply_parser_family")
POSITIVE = frozenset({"bounce", "dsn_delayed"})
MACHINE = frozenset({"autoreply", "auto_generated", "challenge_response"})
HUMAN = frozenset({"reply", "unsubscribe"})


def repo_corpora_dir() -> Path:
    """The repository's own ``corpora/`` folder."""
    return Path(__file__).resolve().parents[1] / "corpora"


def default_corpora_dir() -> Path:
    """``$OUTREACH_CORPORA`` or ``shared/corpora`` beside the repository."""
    env = os.environ.get("OUTREACH_CORPORA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "corpora"


@dataclass
class Example:
    """One corpus entry: raw bytes, parsed message (None for bare bodies), labels."""

    source: str
    raw: bytes
    msg: Message | None
    expected: dict[str, Any]


def load(source_dir: Path) -> Iterator[Example]:
    """Every example of one corpus folder (see its README.md and expected.jsonl)."""
    for line in (source_dir / "expected.jsonl").read_text(encoding="utf-8").splitlines():
        exp = json.loads(line)
        raw = (source_dir / exp["file"]).read_bytes()
        body_only = source_dir.name in BODY_ONLY or exp["file"].endswith(".html")
        msg = None if body_only else email.message_from_bytes(raw, policy=email.policy.compat32)
        for key, value in list(exp.items()):
            if key.endswith("_file") and key != "file" and value:
                exp[key[:-5] + "_text"] = (source_dir / value).read_text(encoding="utf-8")
        yield Example(source_dir.name, raw, msg, exp)


@dataclass
class Counts:
    """Raw counts behind the metrics of one corpus."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    rcpt_tp: int = 0
    rcpt_fp: int = 0
    rcpt_fn: int = 0
    hard_ok: int = 0
    hard_n: int = 0
    final_ok: int = 0
    final_n: int = 0
    delay_n: int = 0
    delay_as_final: int = 0
    bounce_as_reply: int = 0
    auto_ok: int = 0
    auto_n: int = 0
    machine_ok: int = 0
    machine_n: int = 0
    unsub_ok: int = 0
    unsub_n: int = 0
    human_n: int = 0
    human_as_bounce: int = 0
    human_not_reply: int = 0
    split_ok: int = 0
    split_n: int = 0
    failures: list[str] = field(default_factory=list)


def ratio(good: int, total: int) -> float | None:
    """``good/total``, None when nothing was measured."""
    return good / total if total else None


def f1(tp: int, fp: int, fn: int) -> float | None:
    """F1 score, None when there was nothing to find."""
    if tp + fp + fn == 0:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def metrics(counts: Counts) -> dict[str, float | int | None]:
    """The reported numbers of one corpus."""
    return {
        "bounce_precision": ratio(counts.tp, counts.tp + counts.fp),
        "bounce_recall": ratio(counts.tp, counts.tp + counts.fn),
        "recipient_precision": ratio(counts.rcpt_tp, counts.rcpt_tp + counts.rcpt_fp),
        "recipient_recall": ratio(counts.rcpt_tp, counts.rcpt_tp + counts.rcpt_fn),
        "recipient_f1": f1(counts.rcpt_tp, counts.rcpt_fp, counts.rcpt_fn),
        "final_accuracy": ratio(counts.final_ok, counts.final_n),
        "delays": counts.delay_n,
        "delay_as_final": counts.delay_as_final,
        "hard_soft_accuracy": ratio(counts.hard_ok, counts.hard_n),
        "auto_reply_recall": ratio(counts.auto_ok, counts.auto_n),
        "machine_not_reply_recall": ratio(counts.machine_ok, counts.machine_n),
        "unsubscribe_recall": ratio(counts.unsub_ok, counts.unsub_n),
        "human_replies": counts.human_n,
        "human_as_bounce": counts.human_as_bounce,
        "human_not_reply": counts.human_not_reply,
        "bounce_as_reply": counts.bounce_as_reply,
        "new_text_match": ratio(counts.split_ok, counts.split_n),
        "new_text_n": counts.split_n,
    }


def synthetic_reply(body: str) -> Message:
    """A bare reply body wrapped in the headers a person's reply would have."""
    msg = email.message.EmailMessage()
    msg["From"] = "Jane Doe <jane@example.org>"
    msg["To"] = "rep@example.com"
    msg["Subject"] = "Re: Quick question"
    msg["In-Reply-To"] = "<seq-1@example.com>"
    msg["Date"] = "Mon, 14 Dec 2026 10:00:00 +0100"
    msg.set_content(body)
    return msg


# ---------------------------------------------------------------- kind metrics


def score_kind(example: Example, result: Classification, counts: Counts) -> None:
    """Update bounce / machine / human counts for one classified example."""
    kind = example.expected.get("kind")
    if kind is None:
        return
    _score_bounce(example, result, counts, kind)
    _score_machine(result, counts, kind)
    if kind in HUMAN:
        _score_human(example, result, counts, kind)


def _score_bounce(example: Example, result: Classification, counts: Counts, kind: str) -> None:
    predicted = result.kind is Kind.BOUNCE
    positive = kind in POSITIVE
    counts.tp += predicted and positive
    counts.fp += predicted and not positive
    counts.fn += positive and not predicted
    if predicted != positive:
        counts.failures.append(f"{example.expected['file']}: kind {kind} -> {result.kind}")
    counts.bounce_as_reply += positive and result.kind in (Kind.REPLY, Kind.UNSUBSCRIBE)
    if positive:
        _score_recipient(example, result, counts)
        _score_hard(example, result, counts)
        _score_final(example, result, counts)


def _score_recipient(example: Example, result: Classification, counts: Counts) -> None:
    label = example.expected.get("recipient")
    wanted_all = example.expected.get("recipients") or []
    if not isinstance(label, str) and len(wanted_all) > 1:
        _score_recipients(example, result, counts, {a.lower() for a in wanted_all})
        return
    if not isinstance(label, str):
        return
    # A recipient entry names the failed (Final-Recipient) and, when an alias rewrote it,
    # the original address; corpora label one or the other, so either counts as a hit.
    wanted = label.lower()
    recipients = result.bounce.reported if result.bounce else ()
    entries = [{a for a in (r.address, r.original_address) if a} for r in recipients]
    entries = [entry for entry in entries if entry]
    found = {address for entry in entries for address in entry}
    hit = wanted in found
    counts.rcpt_tp += hit
    counts.rcpt_fn += not hit
    counts.rcpt_fp += sum(wanted not in entry for entry in entries)
    if not hit or len(entries) > 1:
        counts.failures.append(f"{example.expected['file']}: recipient {label} -> {sorted(found)}")


def _score_recipients(
    example: Example, result: Classification, counts: Counts, wanted: set[str]
) -> None:
    """Several labelled recipients: each is a hit when some entry names it."""
    recipients = result.bounce.reported if result.bounce else ()
    entries = [{a for a in (r.address, r.original_address) if a} for r in recipients]
    entries = [entry for entry in entries if entry]
    found = {address for entry in entries for address in entry}
    hits = wanted & found
    counts.rcpt_tp += len(hits)
    counts.rcpt_fn += len(wanted - found)
    counts.rcpt_fp += sum(not entry & wanted for entry in entries)
    if hits != wanted or len(entries) > len(wanted):
        counts.failures.append(
            f"{example.expected['file']}: recipients {sorted(wanted)} -> {sorted(found)}"
        )


def expected_final(example: Example) -> bool | None:
    """The corpus' own word on whether the MTA gave up (True) or still retries (False).

    An explicit ``final`` label wins; ``dsn_delayed`` and reason ``delayed`` are delays;
    bounceparser_perl's tests tell bounces from "transient nonfatal" warnings, so its
    bounces are final. Elsewhere a folder or engine label "bounce" does not say it: the
    bounce_email gem files Gmail's "(Delay)" notices as soft bounces, and sisimai maps a
    delay to reasons such as ``expired`` or ``requireptr``. There only a permanent status
    the MTA stated (5.x.x, not sisimai's own 5.0.9xx codes) makes the label final.
    """
    exp = example.expected
    if "final" in exp:
        return exp["final"] if isinstance(exp["final"], bool) else None
    reasons = exp.get("reason") if isinstance(exp.get("reason"), list) else [exp.get("reason")]
    if exp.get("kind") == "dsn_delayed" or "delayed" in reasons:
        return False
    if exp.get("kind") != "bounce":
        return None
    if example.source == "bounceparser_perl":
        return True
    codes = [exp.get(key) for key in ("code", "dsn_status", "status")]
    flat = [str(c) for code in codes for c in (code if isinstance(code, list) else [code]) if c]
    return True if any(_PERMANENT_RE.fullmatch(code) for code in flat) else None


_PERMANENT_RE = re.compile(r"5\.(?!0\.9\d\d$)\d{1,3}\.\d{1,3}")


def _score_final(example: Example, result: Classification, counts: Counts) -> None:
    label = expected_final(example)
    if label is None or result.bounce is None:
        return
    ours = result.bounce.final
    counts.final_n += 1
    counts.final_ok += ours == label
    counts.delay_n += not label
    counts.delay_as_final += ours and not label
    if ours != label:
        counts.failures.append(f"{example.expected['file']}: final {label} -> {ours}")


def _score_hard(example: Example, result: Classification, counts: Counts) -> None:
    label = example.expected.get("hard")
    labels = label if isinstance(label, list) else [label]
    if any(value is None for value in labels) or result.bounce is None:
        return
    ours = [r.hard for r in result.bounce.recipients]
    same = sorted(ours) == sorted(labels) if len(ours) == len(labels) else any(ours) == any(labels)
    counts.hard_n += 1
    counts.hard_ok += same
    if not same:
        reasons = [f"{r.reason}/{r.status}" for r in result.bounce.recipients]
        counts.failures.append(f"{example.expected['file']}: hard {labels} -> {ours} {reasons}")


def _score_machine(result: Classification, counts: Counts, kind: str) -> None:
    if kind == "autoreply":
        counts.auto_n += 1
        counts.auto_ok += result.kind is Kind.AUTO_REPLY
    if kind in MACHINE:
        counts.machine_n += 1
        counts.machine_ok += result.kind in (Kind.AUTO_REPLY, Kind.OTHER)


def _score_human(example: Example, result: Classification, counts: Counts, kind: str) -> None:
    counts.human_n += 1
    counts.human_as_bounce += result.kind is Kind.BOUNCE
    expected = Kind.UNSUBSCRIBE if kind == "unsubscribe" else Kind.REPLY
    if kind == "unsubscribe":
        counts.unsub_n += 1
        counts.unsub_ok += result.kind is Kind.UNSUBSCRIBE
    if result.kind is not expected:
        counts.human_not_reply += result.kind not in (Kind.REPLY, Kind.UNSUBSCRIBE)
        counts.failures.append(f"{example.expected['file']}: {kind} -> {result.kind}")


# ---------------------------------------------------------------- new-text metrics


def squash(text: str) -> str:
    """Whitespace runs collapsed to one space, ends stripped."""
    return " ".join(text.split())


def nospace(text: str) -> str:
    """All white space removed (talon's HTML comparison)."""
    return re.sub(r"\s+", "", text)


Splitter = Callable[[str], ReplySplit]
"""A reply splitter: plain text in, new text / signature / quoted out."""


def split_verdict(example: Example, splitter: Splitter = split_reply) -> bool | None:
    """Whether the extracted new text meets the corpus expectation (None: no label)."""
    exp = example.expected
    if exp.get("duplicate_of"):
        return None
    text = input_text(example)
    parts = splitter(text)
    with_sig = f"{parts.body}\n{parts.signature}" if parts.signature else parts.body
    if exp.get("expected_first_fragment") is not None and parts.body.strip():
        # "May include a signature": parsers differ on which closing lines are signature
        # (github's parser cuts a "-Name" sign-off, its crisp port keeps it in the first
        # fragment, for the same mail), so the body plus leading signature lines also counts.
        with_sig = _with_leading_signature(exp["expected_first_fragment"], parts)
    return _meets(exp, text, parts.body, with_sig)


def _with_leading_signature(wanted: str, parts: ReplySplit) -> str:
    """Body plus as many leading signature lines as make it equal ``wanted``, if any do."""
    lines = parts.signature.splitlines()
    for count in range(len(lines), -1, -1):
        candidate = "\n".join([parts.body, *lines[:count]])
        if squash(candidate) == squash(wanted):
            return candidate
    return f"{parts.body}\n{parts.signature}" if parts.signature else parts.body


def input_text(example: Example) -> str:
    if example.msg is not None:
        return body_text(example.msg)
    raw = example.raw.decode("utf-8", errors="replace")
    return html_to_text(raw) if example.expected["file"].endswith(".html") else raw


def unquoted(text: str) -> str:
    """``text`` without ``>`` quoted lines: we drop quotes inside interleaved replies too."""
    return "\n".join(line for line in text.splitlines() if not is_quote_line(line))


def _meets(exp: dict[str, Any], text: str, body: str, with_sig: str) -> bool | None:
    if "expected_new_text_text" in exp:
        return squash(body) == squash(unquoted(exp["expected_new_text_text"]))
    if exp.get("expected_visible_text") is not None:
        return squash(body) == squash(unquoted(exp["expected_visible_text"]))
    if exp.get("expected_first_fragment") is not None:
        wanted = squash(exp["expected_first_fragment"])
        if "interleaved" in (exp.get("fragments_note") or ""):
            # Interleaved answers: the first fragment is only where our new text starts.
            return squash(body).startswith(wanted)
        return wanted in (squash(body), squash(with_sig))
    return _meets_weak(exp, text, body, with_sig)


def _meets_weak(exp: dict[str, Any], text: str, body: str, with_sig: str) -> bool | None:
    if exp.get("expected_new_text") is not None:
        wanted = exp["expected_new_text"]
        if "whitespace-insensitive" in (exp.get("compare") or ""):
            return nospace(wanted) in (nospace(body), nospace(with_sig))
        return squash(wanted) in (squash(body), squash(with_sig))
    if exp.get("expected_new_text_html") is not None:
        return nospace(html_to_text(exp["expected_new_text_html"])) == nospace(body)
    if exp.get("first_fragment_regex"):
        return re.search(exp["first_fragment_regex"], body, re.M) is not None
    if exp.get("single_fragment"):
        return squash(with_sig) == squash(text)
    return _meets_contains(exp, body)


def _meets_contains(exp: dict[str, Any], body: str) -> bool | None:
    if exp.get("reply_contains") or exp.get("reply_not_contains"):
        has = all(part in body for part in exp.get("reply_contains") or [])
        return has and not any(part in body for part in exp.get("reply_not_contains") or [])
    if "non-empty" in (exp.get("note") or ""):
        return bool(body.strip()) and "From" not in body
    return None


# ---------------------------------------------------------------- driver


def evaluate_corpus(source_dir: Path, split: str | None = None) -> Counts:
    """Classify every example of one corpus (of one ``split``) and count the outcomes."""
    counts = Counts()
    for example in load(source_dir):
        if example.expected.get("duplicate_of") and source_dir.name == "sisimai":
            continue
        if split is not None and example.expected.get("split", "held_out") != split:
            continue
        msg = example.msg if example.msg is not None else _wrapped(example)
        if msg is not None:
            score_kind(example, classify(msg, our_addresses=()), counts)
        if source_dir.name in SPLIT_CORPORA:
            _score_split(example, counts)
    return counts


def _wrapped(example: Example) -> Message | None:
    if example.expected["file"].endswith(".html"):
        return None
    return synthetic_reply(example.raw.decode("utf-8", errors="replace"))


def _score_split(example: Example, counts: Counts) -> None:
    verdict = split_verdict(example)
    if verdict is None:
        return
    counts.split_n += 1
    counts.split_ok += verdict
    if not verdict:
        counts.failures.append(f"{example.expected['file']}: new text mismatch")


def evaluate_all(root: Path, repo_root: Path | None = None) -> dict[str, Counts]:
    """Counts for every known corpus present under ``root`` (and ``repo_root``)."""
    names = [*BOUNCE_CORPORA, *SPLIT_CORPORA]
    found = {name: evaluate_corpus(root / name) for name in names if (root / name).is_dir()}
    if repo_root is not None:
        for name in REPO_BOUNCE_CORPORA:
            for split in ("dev", "held_out"):
                if (repo_root / name).is_dir():
                    counts = evaluate_corpus(repo_root / name, split)
                    if counts.tp + counts.fn + counts.fp + counts.machine_n:
                        found[f"{name} ({split.replace('_', ' ')})"] = counts
            if (repo_root / name).is_dir() and f"{name} (dev)" in found:
                # the corpus as a whole (both halves), next to its halves
                found[f"{name} (all)"] = evaluate_corpus(repo_root / name)
    return found


def _format(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


SHORT_NAMES = {
    "bounce_precision": "b.prec",
    "bounce_recall": "b.recall",
    "recipient_precision": "rcpt.P",
    "recipient_recall": "rcpt.R",
    "recipient_f1": "rcpt.F1",
    "final_accuracy": "final",
    "delays": "delays",
    "delay_as_final": "delay>final",
    "hard_soft_accuracy": "hard/soft",
    "auto_reply_recall": "auto.rec",
    "machine_not_reply_recall": "machine.rec",
    "unsubscribe_recall": "unsub.rec",
    "human_replies": "humans",
    "human_as_bounce": "human>bnc",
    "human_not_reply": "human>mach",
    "bounce_as_reply": "bnc>human",
    "new_text_match": "newtext",
    "new_text_n": "newtext.n",
}


def print_table(results: dict[str, Counts], show_failures: bool) -> None:
    """One row per corpus, one column per metric (legend below)."""
    columns = list(metrics(Counts()))
    print(f"{'corpus':28s} " + " ".join(f"{SHORT_NAMES[c]:>10s}" for c in columns))
    for name, counts in results.items():
        row = metrics(counts)
        print(f"{name:28s} " + " ".join(f"{_format(row[c]):>10s}" for c in columns))
    print("\n" + "; ".join(f"{short} = {name}" for name, short in SHORT_NAMES.items()))
    if show_failures:
        for name, counts in results.items():
            if name.endswith("(held out)"):
                continue  # never shown: rules are not written looking at held-out mail
            for failure in counts.failures:
                print(f"  {name}: {failure}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=default_corpora_dir())
    parser.add_argument("--repo-corpora", type=Path, default=repo_corpora_dir())
    parser.add_argument("--no-repo", action="store_true", help="skip the repo's corpora/")
    parser.add_argument("--failures", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        print(f"corpora directory {args.corpora} not found", file=sys.stderr)
        return 2
    repo_root = None if args.no_repo else args.repo_corpora
    print_table(evaluate_all(args.corpora, repo_root), args.failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
