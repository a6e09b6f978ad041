"""RFC 3464 delivery status notifications, shaped like the bounces Postfix sends.

A bounce is ``multipart/report; report-type=delivery-status`` with three parts: a human
explanation, the ``message/delivery-status`` fields (``Final-Recipient``, ``Action:
failed``, ``Status: 5.1.1``, ``Diagnostic-Code``) and the original message's headers
(``text/rfc822-headers``) or the whole original (``message/rfc822``).
"""

from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from typing import Literal

__all__ = ["ReturnedContent", "build_dsn", "unknown_user_diagnostic"]

#: What a bounce carries of the original: its header block or the whole message.
ReturnedContent = Literal["headers", "message"]

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def unknown_user_diagnostic(recipient: str) -> str:
    """The SMTP reply a receiving MTA gives for a mailbox that does not exist."""
    return (
        f"550 5.1.1 <{recipient}>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )


def build_dsn(
    original: bytes,
    *,
    recipient: str,
    sender: str,
    reporting_mta: str,
    now: datetime,
    status: str = "5.1.1",
    diagnostic: str | None = None,
    returned: ReturnedContent = "headers",
) -> MIMEMultipart:
    """A failed-delivery report about ``original`` for ``recipient``, addressed to ``sender``."""
    diagnostic = diagnostic or unknown_user_diagnostic(recipient)
    report = MIMEMultipart("report", report_type="delivery-status")
    _set_envelope_headers(report, sender=sender, reporting_mta=reporting_mta, now=now)
    report.attach(_human_part(recipient, reporting_mta, diagnostic))
    report.attach(_status_part(recipient, reporting_mta, now, status, diagnostic))
    report.attach(_returned_part(original, returned))
    return report


def _set_envelope_headers(
    report: Message, *, sender: str, reporting_mta: str, now: datetime
) -> None:
    report["From"] = f"Mail Delivery System <MAILER-DAEMON@{reporting_mta}>"
    report["To"] = sender
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = format_datetime(now)
    report["Message-ID"] = make_msgid(domain=reporting_mta)
    # Postfix marks its bounces like this (RFC 3834); classifiers must look at the type.
    report["Auto-Submitted"] = "auto-replied"


def _human_part(recipient: str, reporting_mta: str, diagnostic: str) -> MIMEText:
    text = (
        f"This is the mail system at host {reporting_mta}.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        f"<{recipient}>: host {reporting_mta} said: {diagnostic}\n"
    )
    part = MIMEText(text, "plain", "us-ascii")
    part.add_header("Content-Description", "Notification")
    return part


def _status_part(
    recipient: str, reporting_mta: str, now: datetime, status: str, diagnostic: str
) -> MIMEBase:
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {reporting_mta}"
    per_message["Arrival-Date"] = format_datetime(now)
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Original-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = status
    per_recipient["Remote-MTA"] = f"dns; {reporting_mta}"
    per_recipient["Diagnostic-Code"] = f"smtp; {diagnostic}"
    part = MIMEBase("message", "delivery-status")
    part.set_payload([per_message, per_recipient])
    part.add_header("Content-Description", "Delivery report")
    return part


def _returned_part(original: bytes, returned: ReturnedContent) -> Message:
    if returned == "message":
        return MIMEMessage(message_from_bytes(original))
    header_block = _HEADER_END.split(original, maxsplit=1)[0]
    text = header_block.decode("utf-8", errors="replace").replace("\r\n", "\n")
    charset = "us-ascii" if text.isascii() else "utf-8"
    part = MIMEText(text + "\n", "rfc822-headers", charset)
    part.add_header("Content-Description", "Undelivered Message Headers")
    return part
