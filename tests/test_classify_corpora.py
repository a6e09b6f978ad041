"""The classifier on the public corpora (shared/corpora), with the numbers it reaches.

Thresholds are what the classifier measured when written, rounded down; most are
>= 0.95. Those below say why in THRESHOLDS (the corpus's labels follow another
convention). Run ``python bench/classify_corpora.py --failures`` for the misses.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "classify_corpora.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("classify_corpora_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


bench = load_bench()
CORPORA = bench.default_corpora_dir()
REPO_CORPORA = bench.repo_corpora_dir()

needs_corpora = pytest.mark.skipif(
    not CORPORA.is_dir(), reason=f"public corpora not found at {CORPORA} (set OUTREACH_CORPORA)"
)



def test_ci_has_the_corpora() -> None:
    """CI runs with shared/ beside the clone: the corpus tests must not skip silently there."""
    if not CORPORA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the corpus tests: nothing at {CORPORA}", pytrace=False)
        pytest.skip(f"public corpora not found at {CORPORA} (set OUTREACH_CORPORA)")
    assert any(CORPORA.glob("*/expected.jsonl"))


THRESHOLDS: dict[str, dict[str, float]] = {
    "sisimai": {
        "bounce_precision": 0.99,
        "bounce_recall": 0.98,
        # sisimai calls "user unknown" hard only with an X.1.x status or a known RCPT TO
        # stage, and "filtered" (soft) otherwise, often from engine-specific knowledge of
        # the reporting product (filter appliances); we call the wording hard.
        "hard_soft_accuracy": 0.90,
        "final_accuracy": 1.0,
        "auto_reply_recall": 1.0,
        "machine_not_reply_recall": 1.0,
    },
    "bounceparser_perl": {
        # whitelist.msg: a real 550 rejection at RCPT TO asking to confirm the sending
        # server; the corpus lists it with challenge-response mails, we call it a bounce.
        "bounce_precision": 0.99,
        "bounce_recall": 0.99,
        "recipient_f1": 1.0,
        "final_accuracy": 1.0,
        "auto_reply_recall": 1.0,
        "machine_not_reply_recall": 1.0,
    },
    "bounce_email_rb": {
        "bounce_precision": 1.0,
        "bounce_recall": 1.0,
        "recipient_f1": 1.0,
        # 1 of 5 labels calls a full mailbox a hard bounce; we call it soft by design.
        "hard_soft_accuracy": 0.8,
        "final_accuracy": 1.0,
    },
    "discourse_receiver": {
        "bounce_precision": 1.0,
        "bounce_recall": 1.0,
        "recipient_f1": 1.0,
        "hard_soft_accuracy": 1.0,
        "machine_not_reply_recall": 1.0,
        "unsubscribe_recall": 1.0,
    },
    "discourse_email_reply_trimmer": {"new_text_match": 0.98},
    "talon": {"new_text_match": 0.95},
    # crisp's expectations contradict willdurand's on interleaving (the same mail) and
    # discourse's on valedictions; crisp keeps an em-dash signature as text.
    "email_reply_parser_family": {"new_text_match": 0.96},
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, float | int | None]]:
    found = bench.evaluate_all(CORPORA, REPO_CORPORA)
    return {name: bench.metrics(counts) for name, counts in found.items()}


@needs_corpora
@pytest.mark.parametrize(
    ("corpus", "metric", "minimum"),
    [
        (corpus, metric, value)
        for corpus, metrics in THRESHOLDS.items()
        for metric, value in metrics.items()
    ],
)
def test_metric_reaches_threshold(results, corpus: str, metric: str, minimum: float) -> None:
    value = results[corpus][metric]
    assert value is not None, f"{corpus}: {metric} not measured"
    assert value >= minimum, f"{corpus}: {metric} = {value:.3f} < {minimum}"


@needs_corpora
def test_no_human_reply_is_classed_as_bounce_or_machine_mail(results) -> None:
    for corpus, row in results.items():
        assert row["human_as_bounce"] == 0, corpus
        assert row["human_not_reply"] == 0, corpus


@needs_corpora
def test_no_bounce_is_classed_as_a_reply_and_no_delay_as_final(results) -> None:
    for corpus, row in results.items():
        assert row["bounce_as_reply"] == 0, corpus
        assert row["delay_as_final"] == 0, corpus


REPO_THRESHOLDS: dict[str, dict[str, float]] = {
    # Mailman's samples: bounces sent to list addresses. On the dev half the one miss is
    # yale_01's second label, a domain upstream guessed (see the corpus README).
    "flufl_bounce (dev)": {
        "bounce_precision": 1.0,
        "bounce_recall": 1.0,
        "recipient_precision": 1.0,
        "recipient_f1": 0.99,
        "final_accuracy": 1.0,
    },
    # Measured once after the dev-half rules were written; below 0.95 (not yet met).
    "flufl_bounce (held out)": {
        "bounce_precision": 1.0,
        "bounce_recall": 0.97,
        "recipient_f1": 0.92,
        "final_accuracy": 1.0,
    },
    "sisimai_new (held out)": {"bounce_recall": 1.0, "bounce_precision": 0.95},
}


@pytest.mark.parametrize(
    ("corpus", "metric", "minimum"),
    [
        (corpus, metric, value)
        for corpus, metrics in REPO_THRESHOLDS.items()
        for metric, value in metrics.items()
    ],
)
def test_repo_corpora_reach_threshold(results, corpus: str, metric: str, minimum: float) -> None:
    value = results[corpus][metric]
    assert value is not None, f"{corpus}: {metric} not measured"
    assert value >= minimum, f"{corpus}: {metric} = {value:.3f} < {minimum}"


def reply_example(body: str, first_fragment: str) -> object:
    expected = {"file": "x.txt", "kind": "reply", "expected_first_fragment": first_fragment}
    return bench.Example("email_reply_parser_family", body.encode(), None, expected)


RIAK = (
    "Hi folks\n\nHow do I clear a bucket?\n\n-Abhishek Kona\n\n\n__\n"
    "riak-users mailing list\nriak-users@lists.example.com\n"
)


@pytest.mark.parametrize(
    "first_fragment",
    [
        "Hi folks\n\nHow do I clear a bucket?\n",  # github: "-Name" is a signature
        "Hi folks\n\nHow do I clear a bucket?\n\n-Abhishek Kona\n",  # crisp: it is text
    ],
)
def test_first_fragment_may_hold_leading_signature_lines(first_fragment: str) -> None:
    assert bench.split_verdict(reply_example(RIAK, first_fragment)) is True


def test_first_fragment_still_fails_on_text_we_did_not_keep() -> None:
    wrong = "Hi folks\n\nHow do I clear a bucket?\n\nThanks in advance\n"
    assert bench.split_verdict(reply_example(RIAK, wrong)) is False
