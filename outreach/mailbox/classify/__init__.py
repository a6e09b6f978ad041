"""Pure classifier of inbound mail for the IMAP watcher (no IO).

``classify(msg)`` says whether a message is a person's reply, an automatic answer, a
bounce, an opt-out request or something else; ``new_text(msg)`` is the sender's own
text. Phrase lists come from ``outreach/data/classify_rules.yaml`` plus an optional
user file (``load_rules(path)``).
"""

from outreach.mailbox.classify.classifier import classify, new_text
from outreach.mailbox.classify.dates import return_date
from outreach.mailbox.classify.mime import parse_message
from outreach.mailbox.classify.model import (
    AutoReply,
    Bounce,
    BounceReason,
    Classification,
    FailedRecipient,
    Kind,
)
from outreach.mailbox.classify.quotes import ReplySplit, split_reply
from outreach.mailbox.classify.rules import Rules, default_rules, load_rules

__all__ = [
    "AutoReply",
    "Bounce",
    "BounceReason",
    "Classification",
    "FailedRecipient",
    "Kind",
    "ReplySplit",
    "Rules",
    "classify",
    "default_rules",
    "load_rules",
    "new_text",
    "parse_message",
    "return_date",
    "split_reply",
]
