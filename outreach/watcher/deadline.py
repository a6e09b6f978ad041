"""Classification of one message in a worker process, within a deadline.

A regex or a parser can still be slow on mail nobody foresaw. Python cannot stop a thread
stuck in a regex, and such a thread holds the GIL (the engine and the other mailboxes'
threads would wait), so the classifier runs in worker processes: a thread takes an idle
one (or starts one), so there are as many as messages classified at once. A message not
classified in time is *shunted*: its worker is killed (a fresh one starts for the next
message) and the message gets :func:`shunted`, a classification that says so. It is then
matched and recorded like any other message, once: never retried, never blocking the
messages after it. A person's reply is read further in the same worker, within the same
deadline: its intent (:func:`~outreach.mailbox.classify.intent.classify_intent`, on the
new text only) and the quoted rest (shown apart in the inbox).
"""

from __future__ import annotations

import email.utils
import logging
import multiprocessing
import sys
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from email.message import Message
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from outreach.mailbox.classify import (
    Classification,
    Kind,
    Rules,
    classify,
    parse_message,
    split_reply,
)
from outreach.mailbox.classify.intent import IntentResult, classify_intent
from outreach.mailbox.classify.mime import body_text, from_address, header

log = logging.getLogger(__name__)

SHUNTED = "shunted"
"""Flag of a message set aside because it could not be classified in time."""
_START_TIMEOUT = 60.0
"""Seconds a fresh worker may take to import the classifier and say it is ready."""


def shunted(deadline: float) -> Classification:
    """The verdict of a message over the deadline: like an unreadable message, a person's
    reply (it halts follow-ups instead of mailing on), flagged for review."""
    evidence = f"not classified within {deadline:g} s: set aside for review"  # stored: English
    return Classification(Kind.REPLY, evidence, flags=frozenset({SHUNTED}))


QUOTED_KEPT = 4_000
"""Characters of a reply's quoted rest kept for the inbox."""


@dataclass(frozen=True)
class Reading:
    """What a message is and, for a person's reply, what it means."""

    result: Classification
    intent: IntentResult | None = None
    """A reply's intent (None: not a reply, or set aside)."""
    quoted: str = ""
    """A reply's quoted rest (cut to :data:`QUOTED_KEPT`)."""


def classify_raw(
    raw: bytes, rules: Rules, our_addresses: Collection[str], sent_texts: Sequence[str] = ()
) -> Classification:
    """Parse and classify in this process (no deadline)."""
    return classify(
        parse_message(raw), rules=rules, our_addresses=our_addresses, sent_texts=sent_texts
    )


def read_raw(
    raw: bytes, rules: Rules, our_addresses: Collection[str], sent_texts: Sequence[str] = ()
) -> Reading:
    """Parse, classify and (a reply) read its intent, in this process (no deadline)."""
    message = parse_message(raw)
    result = classify(message, rules=rules, our_addresses=our_addresses, sent_texts=sent_texts)
    if result.kind is not Kind.REPLY or SHUNTED in result.flags:
        return Reading(result)
    try:
        return _reply_reading(message, result, rules, our_addresses)
    except Exception:  # noqa: BLE001 - a safety net, as classify's: the reply still stops
        log.warning("the intent of a reply could not be read", exc_info=True)
        return Reading(result)


def _reply_reading(
    message: Message, result: Classification, rules: Rules, ours: Collection[str]
) -> Reading:
    try:
        sent = header(message, "Date")
        sent_at = email.utils.parsedate_to_datetime(sent) if sent else None
    except (TypeError, ValueError, IndexError):
        sent_at = None
    sender = from_address(message)[1] or None
    intent = classify_intent(result.new_text, sent_at=sent_at, sender=sender, own_addresses=ours)
    quoted = split_reply(body_text(message), rules).quoted[:QUOTED_KEPT]
    return Reading(result, intent, quoted)


def classify_within(
    raw: bytes,
    rules: Rules,
    our_addresses: Collection[str],
    deadline: float | None,
    sent_texts: Sequence[str] = (),
) -> Classification:
    """Classify in this thread's worker process; :func:`shunted` after ``deadline`` s
    (``None``: in this process, without a deadline). ``sent_texts``: what we sent that
    the message answers (see :func:`outreach.mailbox.classify.classify`)."""
    return read_within(raw, rules, our_addresses, deadline, sent_texts).result


def read_within(
    raw: bytes,
    rules: Rules,
    our_addresses: Collection[str],
    deadline: float | None,
    sent_texts: Sequence[str] = (),
) -> Reading:
    """:func:`read_raw` in this thread's worker process; a :func:`shunted` classification
    after ``deadline`` s (``None``: in this process, without a deadline)."""
    if deadline is None:
        return read_raw(raw, rules, our_addresses, sent_texts)
    worker = _take()
    try:
        return worker.read(raw, rules, frozenset(our_addresses), deadline, tuple(sent_texts))
    finally:
        _give_back(worker)


def prestart() -> None:
    """Start an idle worker now, so the first message does not wait for it (blocking)."""
    worker = _take()
    try:
        worker.start()
    except OSError as exc:
        log.warning("classifier worker did not start (%s)", exc)
    _give_back(worker)


_idle: list[ClassifierProcess] = []
_idle_lock = threading.Lock()
_READY = "ready"


def _take() -> ClassifierProcess:
    with _idle_lock:
        return _idle.pop() if _idle else ClassifierProcess()


def _give_back(worker: ClassifierProcess) -> None:
    with _idle_lock:
        _idle.append(worker)


class ClassifierProcess:
    """A worker process that classifies raw messages sent to it over a pipe."""

    def __init__(self) -> None:
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._rules: Rules | None = None

    def classify(
        self,
        raw: bytes,
        rules: Rules,
        ours: frozenset[str],
        deadline: float,
        sent_texts: tuple[str, ...] = (),
    ) -> Classification:
        """The classification, or :func:`shunted` when the worker took too long or died."""
        return self.read(raw, rules, ours, deadline, sent_texts).result

    def read(
        self,
        raw: bytes,
        rules: Rules,
        ours: frozenset[str],
        deadline: float,
        sent_texts: tuple[str, ...] = (),
    ) -> Reading:
        """The reading, or a :func:`shunted` one when the worker took too long or died."""
        try:
            conn = self.start()
            conn.send((None if rules is self._rules else rules, ours, raw, sent_texts))
            self._rules = rules
            if conn.poll(deadline):
                result: Reading = conn.recv()
                return result
        except (EOFError, OSError) as exc:
            log.warning("classifier worker failed (%s): message set aside", exc)
        else:
            log.warning("a message took over %g s to classify: set aside for review", deadline)
        self.stop()
        return Reading(shunted(deadline))

    def stop(self) -> None:
        """Kill the worker (the next message starts a new one)."""
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = self._rules = None

    def start(self) -> Connection:
        """The pipe to the worker, started (and ready) when it was not running."""
        if self._conn is None:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded process
            _ensure_resource_tracker()
            ours, theirs = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(theirs,), name="outreach-classifier", daemon=True
            )
            self._process.start()
            theirs.close()
            self._conn = ours
            if not ours.poll(_START_TIMEOUT) or ours.recv() != _READY:
                raise OSError("the classifier worker did not start")
        return self._conn


_tracker_lock = threading.Lock()


def _ensure_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr.

    The tracker is spawned with ``sys.stderr``'s descriptor; inside the TUI (and under
    pytest's capture) ``sys.stderr`` is an object without one, and spawning fails with
    "bad value(s) in fds_to_keep". The original stderr serves for that one spawn.
    """
    with _tracker_lock:
        if _has_descriptor(sys.stderr) or not _has_descriptor(sys.__stderr__):
            resource_tracker.ensure_running()
            return
        replaced, sys.stderr = sys.stderr, sys.__stderr__
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = replaced


def _has_descriptor(stream: object) -> bool:
    try:
        return int(stream.fileno()) >= 0  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no stream, or one without a descriptor
        return False


def _serve(conn: Connection) -> None:
    """The worker's loop: (rules or None for the previous ones, our addresses, raw, sent
    texts)."""
    rules: Rules | None = None
    conn.send(_READY)
    while True:
        try:
            new_rules, ours, raw, sent_texts = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        rules = new_rules or rules
        assert rules is not None
        conn.send(read_raw(raw, rules, ours, sent_texts))
