"""Measure the reply-intent classifier on the labelled corpus (corpora/intent/*.jsonl).

    python bench/classify_intent.py [--corpus corpora/intent] [--split test] [--failures]

Each reply goes through the whole pipeline the watcher runs: the message is built from
the row (From, Date, Subject, the full body with its quote), the existing kind classifier
decides reply / unsubscribe / auto-reply…, and for kind ``reply`` the intent classifier
reads the new text it left. Printed: macro-F1 over the intents, per-intent precision,
recall and F1, the confusion matrix (all, German, English), the ``not_now`` date exact-
match rate, referral address recall and precision, how many interested/question/not_now
replies the kind classifier called ``unsubscribe``, the model's size, load time and the
time per reply. Tests import :func:`evaluate`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outreach.mailbox.classify import Kind, classify  # noqa: E402
from outreach.mailbox.classify.intent import classify_intent  # noqa: E402
from outreach.mailbox.classify.intent_model import MODEL_RESOURCE, shipped_model  # noqa: E402
from outreach.states import ReplyIntent  # noqa: E402

DEFAULT_CORPUS = ROOT / "corpora" / "intent"
INTENTS = tuple(intent.value for intent in ReplyIntent)
POSITIVE = frozenset({"interested", "question", "not_now"})
TARGETS = {
    "macro_f1": 0.90,
    "dates_exact": 0.85,
    "referral_recall": 0.90,
    "positive_as_unsubscribe": 0,
}


@dataclass
class Outcome:
    """One row's gold labels and what the pipeline said."""

    row: dict[str, Any]
    kind: str
    predicted: str
    """The intent, or ``unsubscribe`` / ``kind:<kind>`` when the kind classifier stopped it."""
    until: dt.date | None = None
    referral: tuple[str, ...] = ()
    confidence: float = 0.0
    needs_review: bool = False
    why: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass
class Report:
    """Every number the bench prints."""

    outcomes: list[Outcome]
    intent_outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.intent_outcomes = [o for o in self.outcomes if o.row["intent"] in INTENTS]

    def subset(self, lang: str) -> Report:
        return Report([o for o in self.outcomes if o.row.get("lang") == lang])

    def per_intent(self) -> dict[str, tuple[float, float, float, int]]:
        """intent → (precision, recall, F1, support) over intents present in gold."""
        result = {}
        for intent in INTENTS:
            gold = [o for o in self.intent_outcomes if o.row["intent"] == intent]
            said = [o for o in self.intent_outcomes if o.predicted == intent]
            if not gold:
                continue
            hit = sum(1 for o in gold if o.predicted == intent)
            precision = hit / len(said) if said else 0.0
            recall = hit / len(gold)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            result[intent] = (precision, recall, f1, len(gold))
        return result

    def macro_f1(self) -> float:
        scores = [f1 for _, _, f1, _ in self.per_intent().values()]
        return sum(scores) / len(scores) if scores else 0.0

    def accuracy(self) -> float:
        rows = self.intent_outcomes
        return sum(o.predicted == o.row["intent"] for o in rows) / len(rows) if rows else 0.0

    def dates(self) -> tuple[int, int]:
        """(exact, total) over not_now replies with a labelled date."""
        dated = [
            o
            for o in self.intent_outcomes
            if o.row["intent"] == "not_now" and o.row.get("intent_until")
        ]
        exact = sum(1 for o in dated if o.until and o.until.isoformat() == o.row["intent_until"])
        return exact, len(dated)

    def dates_false(self) -> int:
        """not_now replies labelled without a date that got one."""
        return sum(
            1
            for o in self.intent_outcomes
            if o.row["intent"] == "not_now" and not o.row.get("intent_until") and o.until
        )

    def referrals(self) -> tuple[int, int, int]:
        """(found and labelled, labelled, found) addresses."""
        gold = found = hit = 0
        for o in self.intent_outcomes:
            expected = {a.lower() for a in o.row.get("referral") or ()}
            got = set(o.referral)
            gold, found, hit = gold + len(expected), found + len(got), hit + len(expected & got)
        return hit, gold, found

    def positive_as_unsubscribe(self) -> list[Outcome]:
        return [
            o for o in self.outcomes if o.row["intent"] in POSITIVE and o.kind == Kind.UNSUBSCRIBE
        ]

    def unsubscribe_recall(self) -> tuple[int, int]:
        rows = [o for o in self.outcomes if o.row["intent"] == "unsubscribe"]
        return sum(o.kind == Kind.UNSUBSCRIBE for o in rows), len(rows)

    def confusion(self) -> tuple[list[str], dict[str, Counter[str]]]:
        columns = list(INTENTS) + sorted({o.predicted for o in self.intent_outcomes} - set(INTENTS))
        table: dict[str, Counter[str]] = {intent: Counter() for intent in INTENTS}
        for o in self.intent_outcomes:
            table[o.row["intent"]][o.predicted] += 1
        return columns, table

    def reply_times_ms(self) -> tuple[float, float]:
        times = sorted(o.seconds * 1000 for o in self.outcomes if o.kind == Kind.REPLY)
        if not times:
            return 0.0, 0.0
        return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def load_rows(corpus: Path, split: str) -> list[dict[str, Any]]:
    """Rows of ``split`` from every ``*.jsonl`` in ``corpus``, sorted by id."""
    rows = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("split") == split:
                    rows.append(row)
    return sorted(rows, key=lambda row: str(row["id"]))


def message_of(row: dict[str, Any]) -> EmailMessage:
    """The reply as the watcher would fetch it (text/plain, UTF-8)."""
    msg = EmailMessage()
    msg["From"] = row["from"]
    msg["To"] = "outreach@example.invalid"
    msg["Subject"] = row.get("subject") or ""
    msg["Date"] = row["date"]
    msg["Message-ID"] = f"<{row['id']}@corpus.invalid>"
    msg["In-Reply-To"] = "<cold@example.invalid>"
    msg.set_content(row["text"])
    return msg


def run_row(row: dict[str, Any], gold_text: bool = False) -> Outcome:
    """The full pipeline on one row (``gold_text``: the labelled new text, no kind classifier)."""
    if gold_text:
        return _intent_of(row, row["new_text"], Kind.REPLY)
    classification = classify(message_of(row))
    if classification.kind == Kind.UNSUBSCRIBE:
        return Outcome(row, classification.kind, "unsubscribe", why=(classification.evidence,))
    if classification.kind != Kind.REPLY:
        return Outcome(
            row, classification.kind, f"kind:{classification.kind}", why=(classification.evidence,)
        )
    return _intent_of(row, classification.new_text, classification.kind)


def _intent_of(row: dict[str, Any], new_text: str, kind: Kind) -> Outcome:
    sent_at = parsedate_to_datetime(row["date"])
    started = time.perf_counter()
    result = classify_intent(new_text, sent_at=sent_at, sender=parseaddr(row["from"])[1] or None)
    seconds = time.perf_counter() - started
    return Outcome(
        row,
        kind,
        result.intent.value,
        result.until,
        result.referral,
        result.confidence,
        result.needs_review,
        result.why,
        seconds,
    )


def evaluate(corpus: Path = DEFAULT_CORPUS, split: str = "test", gold_text: bool = False) -> Report:
    """Run every row of ``split`` through the pipeline."""
    shipped_model()  # load once, outside the per-reply timing
    rows = load_rows(corpus, split)
    if gold_text:
        rows = [row for row in rows if row["intent"] in INTENTS]
    return Report([run_row(row, gold_text) for row in rows])


def model_costs() -> dict[str, float]:
    """Model file size, in-process load time (median of 5) and a cold import+load."""
    from importlib import resources

    size = len(resources.files("outreach").joinpath(MODEL_RESOURCE).read_bytes())
    loads = []
    for _ in range(5):
        shipped_model.cache_clear()
        started = time.perf_counter()
        shipped_model()
        loads.append(time.perf_counter() - started)
    code = (
        "import time; t = time.perf_counter()\n"
        "from outreach.mailbox.classify.intent import classify_intent\n"
        "from outreach.mailbox.classify.intent_model import shipped_model\n"
        "shipped_model(); print(time.perf_counter() - t)"
    )
    cold = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return {
        "size": size,
        "load_ms": statistics.median(loads) * 1000,
        "cold_ms": float(cold.stdout) * 1000,
    }


def print_report(report: Report, costs: dict[str, float] | None, failures: bool) -> None:
    print(f"replies: {len(report.outcomes)} ({len(report.intent_outcomes)} with an intent label)")
    _print_scores("all", report)
    for lang in sorted({o.row.get("lang", "?") for o in report.outcomes}):
        _print_scores({"de": "German", "en": "English"}.get(lang, lang), report.subset(lang))
    exact, total = report.dates()
    print(
        f"\nnot_now dates exact: {exact}/{total} = {_ratio(exact, total)}"
        f"  (date given where none labelled: {report.dates_false()})"
    )
    hit, gold, found = report.referrals()
    print(
        f"referral addresses: recall {hit}/{gold} = {_ratio(hit, gold)}, precision {hit}/{found} = {_ratio(hit, found)}"
    )
    wrong = report.positive_as_unsubscribe()
    unsub, unsub_total = report.unsubscribe_recall()
    print(f"interested/question/not_now classed unsubscribe: {len(wrong)}")
    for o in wrong:
        print(f"  {o.row['id']} ({o.row['intent']}): {o.why[0]}")
    print(f"unsubscribe rows classed unsubscribe: {unsub}/{unsub_total}")
    other_kinds = Counter(
        o.kind for o in report.intent_outcomes if o.kind not in (Kind.REPLY, Kind.UNSUBSCRIBE)
    )
    if other_kinds:
        print(f"intent rows the kind classifier did not call a reply: {dict(other_kinds)}")
    print(f"needs review: {sum(o.needs_review for o in report.intent_outcomes)}")
    median, p95 = report.reply_times_ms()
    print(f"per reply: median {median:.2f} ms, p95 {p95:.2f} ms")
    if costs:
        print(
            f"model: {costs['size'] / 1024:.0f} KiB, load {costs['load_ms']:.0f} ms "
            f"(cold import + load in a fresh interpreter {costs['cold_ms']:.0f} ms)"
        )
    if failures:
        _print_failures(report.intent_outcomes)


def _print_scores(title: str, report: Report) -> None:
    print(
        f"\n== {title}: macro-F1 {report.macro_f1():.3f}, accuracy {report.accuracy():.3f} "
        f"({len(report.intent_outcomes)} replies)"
    )
    print(f"{'intent':16} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
    for intent, (p, r, f1, n) in report.per_intent().items():
        print(f"{intent:16} {p:6.3f} {r:6.3f} {f1:6.3f} {n:4d}")
    columns, table = report.confusion()
    short = [c.replace("kind:", "k:")[:8] for c in columns]
    print("confusion (rows gold, columns predicted):")
    print(f"{'':16}" + "".join(f"{c:>9}" for c in short))
    for intent in INTENTS:
        if sum(table[intent].values()):
            print(f"{intent:16}" + "".join(f"{table[intent][c]:9d}" for c in columns))


def _print_failures(outcomes: Iterable[Outcome]) -> None:
    print("\nmisses:")
    for o in outcomes:
        gold_date = o.row.get("intent_until")
        date_miss = (
            o.row["intent"] == "not_now"
            and gold_date
            and (o.until is None or o.until.isoformat() != gold_date)
        )
        expected = {a.lower() for a in o.row.get("referral") or ()}
        if o.predicted == o.row["intent"] and not date_miss and expected == set(o.referral):
            continue
        text = " / ".join(line for line in o.row["new_text"].splitlines() if line.strip())[:220]
        print(
            f"- {o.row['id']} gold {o.row['intent']} {gold_date or ''} {sorted(expected) or ''}"
            f" → {o.predicted} {o.until or ''} {list(o.referral) or ''} ({o.confidence:.2f})"
        )
        print(f"    {text}")
        print(f"    why: {'; '.join(o.why)[:200]}")


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--split", default="test", help="test (default) or train")
    parser.add_argument("--failures", action="store_true", help="list every miss")
    parser.add_argument(
        "--gold-text", action="store_true",
        help="classify the labelled new_text (no kind classifier, no quote removal): the model alone",
    )
    args = parser.parse_args(argv)
    if not any(args.corpus.glob("*.jsonl")):
        parser.error(f"no *.jsonl in {args.corpus}")
    report = evaluate(args.corpus, args.split, args.gold_text)
    print_report(report, model_costs(), args.failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
