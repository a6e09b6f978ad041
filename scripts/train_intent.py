"""Train the reply-intent model shipped in outreach/data/intent_model.json.gz.

    pip install '.[train]'     # scikit-learn, only for training
    python scripts/train_intent.py [--corpus DIR] [--out FILE]

``--corpus`` defaults to corpora/intent, ``--out`` to outreach/data/intent_model.json.gz.

Reads every ``*.jsonl`` in the corpus folder, keeps ``split: train`` rows whose intent is a
:class:`~outreach.states.ReplyIntent` (``unsubscribe`` rows are for the kind classifier),
and trains a linear SVM (one-vs-rest, liblinear) on :func:`intent_features.features` of each
reply's new text, twice per reply: the hand-labelled ``new_text`` and the text our own
quote removal leaves of the full body (what the watcher will hand the classifier).

Everything is chosen on the train split by 5-fold cross-validation grouped by reply id
(never on test): the regularisation ``C``, the temperature of the softmax that turns the
SVM's scores into probabilities (lowest log-loss of the out-of-fold predictions), and the
confidence threshold below which the answer is ``other`` + needs review (highest
out-of-fold macro-F1). Fixed seeds, one thread, sorted
inputs and a gzip header without a timestamp: the same corpus gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from outreach.mailbox.classify.intent import rule_hits  # noqa: E402
from outreach.mailbox.classify.intent_features import features  # noqa: E402
from outreach.mailbox.classify.intent_model import FORMAT  # noqa: E402
from outreach.mailbox.classify.intent_referral import referral_addresses  # noqa: E402
from outreach.mailbox.classify.quotes import split_reply  # noqa: E402
from outreach.states import ReplyIntent  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "corpora" / "intent"
DEFAULT_OUT = ROOT / "outreach" / "data" / "intent_model.json.gz"
CLASSES = tuple(intent.value for intent in ReplyIntent)
C_GRID = (0.3, 1.0, 3.0, 10.0)
TEMPERATURES = tuple(round(0.05 * 1.1**i, 4) for i in range(60))
THRESHOLDS = tuple(round(0.02 * i, 2) for i in range(40))
MIN_DOCS = 2
"""A feature must occur in this many training replies to be kept (drops one-off typos)."""
WEIGHT_LEVELS = 32_767
SEED = 0


@dataclass(frozen=True)
class Sample:
    """One training text: the reply id (CV group), its label and features."""

    group: str
    label: str
    features: dict[str, float]
    pipeline: bool
    """True for the text our quote removal left (the one CV scores)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = train_rows(args.corpus)
    if not rows:
        parser.error(f"no split=train rows with an intent label in {args.corpus}/*.jsonl")
    data = train_model_bytes(rows, log=None if args.quiet else print)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    if not args.quiet:
        print(f"wrote {args.out} ({len(data):,} bytes) in {time.perf_counter() - started:.1f} s")
    return 0


def train_rows(corpus: Path) -> list[dict[str, Any]]:
    """The labelled ``split: train`` rows of every ``*.jsonl`` in ``corpus`` (sorted by id)."""
    rows: list[dict[str, Any]] = []
    for path in sorted(corpus.glob("*.jsonl")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                where = f"{path}:{number}"
                raise SystemExit(f"{where}: not JSON ({exc.msg}); fix or remove the line") from None
            if row.get("split") == "train" and row.get("intent") in CLASSES:
                rows.append(row)
    return sorted(rows, key=lambda row: str(row["id"]))


def train_model_bytes(rows: list[dict[str, Any]], log: Any = None) -> bytes:
    """The gzipped model file for these rows (deterministic)."""
    say = log or (lambda *_: None)
    rows = sorted(rows, key=lambda row: str(row["id"]))
    samples = [sample for row in rows for sample in samples_of(row)]
    with threadpool_limits(limits=1):
        choice = cross_validate(samples, say)
        vocabulary = vocabulary_of(samples)
        model = fit(samples, vocabulary, choice["C"])
    say(f"final: {len(rows)} replies, {len(samples)} texts, {len(vocabulary):,} features, {choice}")
    return encode(model, vocabulary, choice, Counter(row["intent"] for row in rows))


def samples_of(row: dict[str, Any]) -> list[Sample]:
    """The hand-labelled new text and our pipeline's new text of one row (once if equal)."""
    texts = {True: split_reply(row.get("text") or "").body, False: row.get("new_text") or ""}
    sender = _address(row.get("from") or "")
    samples = []
    for pipeline, text in texts.items():
        if pipeline is False and text == texts[True]:
            continue
        has_address = bool(referral_addresses(text, sender=sender))
        found = features(text, rule_hits(text, has_address))
        samples.append(Sample(str(row["id"]), row["intent"], found, pipeline))
    return samples


def _address(header: str) -> str | None:
    from email.utils import parseaddr

    return parseaddr(header)[1].lower() or None


def vocabulary_of(samples: Iterable[Sample]) -> list[str]:
    """Features seen in at least ``MIN_DOCS`` replies, sorted."""
    per_group: dict[str, set[str]] = {}
    for sample in samples:
        per_group.setdefault(sample.group, set()).update(sample.features)
    counts = Counter(name for names in per_group.values() for name in names)
    return sorted(name for name, count in counts.items() if count >= MIN_DOCS)


def matrix(samples: Sequence[Sample], vocabulary: Sequence[str]) -> csr_matrix:
    index = {name: i for i, name in enumerate(vocabulary)}
    rows, cols, values = [], [], []
    for row, sample in enumerate(samples):
        for name, value in sorted(sample.features.items()):
            col = index.get(name)
            if col is not None:
                rows.append(row)
                cols.append(col)
                values.append(value)
    return csr_matrix((values, (rows, cols)), shape=(len(samples), len(vocabulary)))


def fit(samples: Sequence[Sample], vocabulary: Sequence[str], c: float) -> LinearSVC:
    model = LinearSVC(C=c, max_iter=10_000, random_state=SEED)
    labels = [CLASSES.index(sample.label) for sample in samples]
    present = sorted(set(labels))
    model.fit(matrix(samples, vocabulary), labels)
    if present != list(range(len(CLASSES))):
        model = _pad_classes(model, present)
    return model


def _pad_classes(model: LinearSVC, present: list[int]) -> LinearSVC:
    """Give classes absent from training a score no reply reaches."""
    coef = np.zeros((len(CLASSES), model.coef_.shape[1]))
    intercept = np.full(len(CLASSES), -30.0)
    for source, target in enumerate(present):
        coef[target] = (
            model.coef_[source]
            if len(present) > 2
            else (model.coef_[0] * (1 if source else -1) / 2)
        )
        intercept[target] = (
            model.intercept_[source]
            if len(present) > 2
            else (model.intercept_[0] * (1 if source else -1) / 2)
        )
    model.coef_, model.intercept_ = coef, intercept
    model.classes_ = np.arange(len(CLASSES))
    return model


def cross_validate(samples: list[Sample], say: Any) -> dict[str, float]:
    """C, temperature and threshold picked on out-of-fold predictions of the train split."""
    groups = [sample.group for sample in samples]
    labels = [sample.label for sample in samples]
    folds = min(5, min(Counter(s.label for s in samples if s.pipeline).values()))
    if folds < 2:
        say("too few replies per intent for cross-validation: defaults used")
        return {"C": 1.0, "temperature": 0.3, "threshold": 0.0, "cv_macro_f1": float("nan")}
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    splits = list(splitter.split(np.zeros(len(samples)), labels, groups))
    best: tuple[float, float, np.ndarray] | None = None
    for c in C_GRID:
        logits = _out_of_fold_logits(samples, splits, c)
        score = _macro_f1(samples, logits, 1.0, 0.0)
        say(f"C={c:g}: out-of-fold macro-F1 {score:.3f}")
        if best is None or score > best[0] + 1e-9:
            best = (score, c, logits)
    assert best is not None
    _, c, logits = best
    temperature = min(TEMPERATURES, key=lambda t: _log_loss(samples, logits, t))
    threshold = max(THRESHOLDS, key=lambda th: (_macro_f1(samples, logits, temperature, th), th))
    score = _macro_f1(samples, logits, temperature, threshold)
    say(f"temperature {temperature}, threshold {threshold}: out-of-fold macro-F1 {score:.3f}")
    return {
        "C": c,
        "temperature": temperature,
        "threshold": threshold,
        "cv_macro_f1": round(score, 4),
    }


def _out_of_fold_logits(samples: list[Sample], splits: list[Any], c: float) -> np.ndarray:
    logits = np.zeros((len(samples), len(CLASSES)))
    for train_index, test_index in splits:
        train = [samples[i] for i in train_index]
        vocabulary = vocabulary_of(train)
        model = fit(train, vocabulary, c)
        test = [samples[i] for i in test_index]
        logits[test_index] = model.decision_function(matrix(test, vocabulary))
    return logits


def _probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    scaled = logits / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exps = np.exp(scaled)
    return exps / exps.sum(axis=1, keepdims=True)


def _scored(samples: list[Sample]) -> np.ndarray:
    return np.array([sample.pipeline for sample in samples])


def _macro_f1(
    samples: list[Sample], logits: np.ndarray, temperature: float, threshold: float
) -> float:
    keep = _scored(samples)
    probabilities = _probabilities(logits[keep], temperature)
    predicted = probabilities.argmax(axis=1)
    other = CLASSES.index(ReplyIntent.OTHER.value)
    predicted[probabilities.max(axis=1) < threshold] = other
    truth = [CLASSES.index(s.label) for s, k in zip(samples, keep, strict=True) if k]
    present = sorted(set(truth))
    return float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0))


def _log_loss(samples: list[Sample], logits: np.ndarray, temperature: float) -> float:
    keep = _scored(samples)
    probabilities = _probabilities(logits[keep], temperature)
    truth = [CLASSES.index(s.label) for s, k in zip(samples, keep, strict=True) if k]
    return -sum(math.log(max(probabilities[i, t], 1e-12)) for i, t in enumerate(truth)) / len(truth)


def encode(
    model: LinearSVC,
    vocabulary: Sequence[str],
    choice: dict[str, float],
    counts: Counter[str],
) -> bytes:
    """The model file: weights quantized to ints, features without weight dropped."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    scale = float(np.abs(coef).max()) / WEIGHT_LEVELS or 1.0
    quantized = np.rint(coef / scale).astype(np.int64)
    weights = {
        name: [int(v) for v in quantized[:, column]]
        for column, name in enumerate(vocabulary)
        if np.abs(quantized[:, column]).max() > 0
    }
    document = {
        "format": FORMAT,
        "classes": list(CLASSES),
        "bias": [round(float(b), 6) for b in model.intercept_],
        "scale": float(f"{scale:.9g}"),
        "temperature": choice["temperature"],
        "threshold": choice["threshold"],
        "training": {
            "replies": dict(sorted(counts.items())),
            "C": choice["C"],
            "cv_macro_f1": choice["cv_macro_f1"],
        },
        "weights": weights,
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


if __name__ == "__main__":
    sys.exit(main())
