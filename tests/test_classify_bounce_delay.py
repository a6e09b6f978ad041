"""Delay warnings are never final; mail-system notices without a DSN part are bounces.

The messages are written in each MTA's own wording (Exim, Sendmail, Postfix, Exchange,
Gmail, qmail, a German gateway); the corpora bench (bench/classify_corpora.py) measures
the same rules on real mail.
"""

from __future__ import annotations

import email
import email.policy
import json
from email.message import Message

import pytest

from outreach.mailbox.classify import BounceReason, Kind, classify

OURS = ["rep@seller.example.com"]
ORIGINAL = """\
Message-ID: <relay-rewrote-1@mx.relay.example>
In-Reply-To: <seq-7-step-1@seller.example.com>
References: <seq-7-step-0@seller.example.com>
 <seq-7-step-1@seller.example.com>
From: Rep <rep@seller.example.com>
To: jane@prospect.example.org
Subject: Kurze Frage
"""


def message(sender: str, subject: str, body: str, **headers: str) -> Message:
    head = f"From: {sender}\nTo: rep@seller.example.com\nSubject: {subject}\n"
    head += "".join(f"{name.replace('_', '-')}: {value}\n" for name, value in headers.items())
    raw = head + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body
    return email.message_from_string(raw, policy=email.policy.compat32)


EXIM_DELAY = message(
    "Mail Delivery System <Mailer-Daemon@mx.seller.example.com>",
    "Warning: message 1tXyZa-0004Qm-2b delayed 24 hours",
    """\
This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mx.seller.example.com.

The message identifier is:     1tXyZa-0004Qm-2b
The subject of the message is: Kurze Frage

The address to which the message has not yet been delivered is:

  jane@prospect.example.org
    Delay reason: SMTP error from remote mail server after RCPT TO:<jane@prospect.example.org>:
    451 4.7.1 Greylisted, please try again later

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered. Eventually the mail delivery software will give up,
and when that happens, the message will be returned to you.
""",
)
SENDMAIL_DELAY = message(
    "Mail Delivery Subsystem <MAILER-DAEMON@mx.seller.example.com>",
    "Warning: could not send message for past 4 hours",
    """\
    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************

The original message was received at Mon, 7 Dec 2026 09:00:00 +0100
----- Transcript of session follows -----
<jane@prospect.example.org>... Deferred: Connection timed out with mx.prospect.example.org.
Warning: message still undelivered after 4 hours
Will keep trying until message is 5 days old

------ Original message headers follow ------
"""
    + ORIGINAL,
    Auto_Submitted="auto-generated (warning-timeout)",
)
EXCHANGE_DELAY = message(
    "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@prospect.example.org>",
    "Delivery delayed:Kurze Frage",
    """\
Delivery is delayed to these recipients or groups:

jane@prospect.example.org (jane@prospect.example.org)

Subject: Kurze Frage

This message hasn't been delivered yet. Delivery will continue to be attempted.

The server will keep trying to deliver this message for the next 1 days, 19 hours and 54
minutes. You'll be notified if the message can't be delivered by that time.
""",
)
GMAIL_DELAY = message(
    "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
    "Delivery Status Notification (Delay)",
    """\
This is an automatically generated Delivery Status Notification

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipient has been delayed:

     jane@prospect.example.org

Message will be retried for 2 more day(s)
""",
)
GERMAN_DELAY = message(
    "Mailsystem <postmaster@gateway.prospect.example.de>",
    "Zustellung verzögert: Kurze Frage",
    """\
Ihre Nachricht an jane@prospect.example.de konnte noch nicht zugestellt werden.
Es werden weitere Zustellversuche unternommen; Sie müssen nichts tun.
Dies ist nur eine Warnung.
""",
)
DELAYS = {
    "exim": (EXIM_DELAY, "jane@prospect.example.org"),
    "sendmail": (SENDMAIL_DELAY, "jane@prospect.example.org"),
    "exchange": (EXCHANGE_DELAY, "jane@prospect.example.org"),
    "gmail": (GMAIL_DELAY, "jane@prospect.example.org"),
    "german": (GERMAN_DELAY, "jane@prospect.example.de"),
}


@pytest.mark.parametrize("name", sorted(DELAYS))
def test_delay_warning_without_report_is_a_bounce_that_is_never_final(name: str) -> None:
    msg, address = DELAYS[name]
    result = classify(msg, our_addresses=OURS)
    assert result.kind is Kind.BOUNCE, result.evidence
    bounce = result.bounce
    assert bounce is not None
    assert bounce.addresses == (address,)
    assert not bounce.final and not bounce.hard
    assert bounce.recipients[0].reason is BounceReason.DELAYED


def test_sendmail_delay_names_our_message_ids_from_the_quoted_original_headers() -> None:
    bounce = classify(SENDMAIL_DELAY, our_addresses=OURS).bounce
    assert bounce is not None
    assert bounce.original_message_id == "<relay-rewrote-1@mx.relay.example>"
    assert "<seq-7-step-1@seller.example.com>" in bounce.original_references
    assert "<seq-7-step-0@seller.example.com>" in bounce.original_references


EXIM_FAILED = message(
    "Mail Delivery System <Mailer-Daemon@mx.seller.example.com>",
    "Mail delivery failed: returning message to sender",
    """\
This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  jane@prospect.example.org
    host mx.prospect.example.org [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<jane@prospect.example.org>:
    550 5.1.1 <jane@prospect.example.org>: Recipient address rejected: User unknown

------ This is a copy of the message, including all the headers. ------

"""
    + ORIGINAL
    + "\nHallo Jane, ...\n",
)
POSTFIX_FAILED_NO_DSN = message(
    "MAILER-DAEMON@mx.seller.example.com (Mail Delivery System)",
    "Undelivered Mail Returned to Sender",
    """\
This is the mail system at host mx.seller.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<jane@prospect.example.org>: host mx.prospect.example.org[192.0.2.7] said: 550
    5.1.1 <jane@prospect.example.org>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)
""",
)
GMAIL_FAILED = message(
    "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
    "Delivery Status Notification (Failure)",
    """\
Delivery to the following recipient failed permanently:

     jane@prospect.example.org

Technical details of permanent failure:
The email account that you tried to reach does not exist. 550 5.1.1
""",
)
QMAIL_FAILED = message(
    "MAILER-DAEMON@mail.prospect.example.org",
    "failure notice",
    """\
Hi. This is the qmail-send program at mail.prospect.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<jane@prospect.example.org>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

"""
    + ORIGINAL,
)
QMAIL_EXPIRED = message(
    "MAILER-DAEMON@mail.seller.example.com",
    "failure notice",
    """\
Hi. This is the qmail-send program at mail.seller.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<jane@prospect.example.org>:
Connected to 192.0.2.7 but connection died. (#4.4.2)
I'm not going to try again; this message has been in the queue too long.
""",
)
FAILURES = {
    "exim": EXIM_FAILED,
    "postfix": POSTFIX_FAILED_NO_DSN,
    "gmail": GMAIL_FAILED,
    "qmail": QMAIL_FAILED,
    "qmail-expired": QMAIL_EXPIRED,
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_mail_system_failure_without_dsn_is_a_final_bounce_naming_the_recipient(
    name: str,
) -> None:
    result = classify(FAILURES[name], our_addresses=OURS)
    assert result.kind is Kind.BOUNCE, result.evidence
    assert result.bounce is not None
    assert result.bounce.addresses == ("jane@prospect.example.org",)
    assert result.bounce.final


def test_user_unknown_without_dsn_is_hard_and_expired_queue_is_soft() -> None:
    for msg in (EXIM_FAILED, POSTFIX_FAILED_NO_DSN, GMAIL_FAILED, QMAIL_FAILED):
        bounce = classify(msg, our_addresses=OURS).bounce
        assert bounce is not None and bounce.hard, bounce
    expired = classify(QMAIL_EXPIRED, our_addresses=OURS).bounce
    assert expired is not None and expired.final and not expired.hard


def test_inline_copy_of_our_message_gives_all_our_ids_for_matching() -> None:
    bounce = classify(EXIM_FAILED, our_addresses=OURS).bounce
    assert bounce is not None
    assert bounce.original_references[:1] == ("<relay-rewrote-1@mx.relay.example>",)
    assert set(bounce.original_references) >= {
        "<seq-7-step-0@seller.example.com>",
        "<seq-7-step-1@seller.example.com>",
    }


def test_mailer_daemon_notice_that_is_no_bounce_is_never_a_reply() -> None:
    notice = message(
        "Mail Delivery Subsystem <MAILER-DAEMON@mx.seller.example.com>",
        "Re: Kurze Frage",
        "Your message has been queued for later processing.\n",
        In_Reply_To="<seq-7-step-1@seller.example.com>",
    )
    result = classify(notice, our_addresses=OURS)
    assert result.kind is Kind.OTHER
    assert "mail_system" in result.flags


def test_a_person_writing_about_delays_is_still_a_reply() -> None:
    reply = message(
        "Jane Doe <jane@prospect.example.org>",
        "Re: Kurze Frage (delayed)",
        "Hi, sorry, our rollout is delayed. I will keep trying to get budget, "
        "will be retried next quarter. Call me on Monday?\n",
        In_Reply_To="<seq-7-step-1@seller.example.com>",
    )
    assert classify(reply, our_addresses=OURS).kind is Kind.REPLY


def test_bounce_forwarded_by_a_person_is_read_as_the_bounce() -> None:
    quoted = "\n".join(
        "> " + line
        for line in (
            "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.seller.example.com>\n"
            "Subject: Undelivered Mail Returned to Sender\n\n" + POSTFIX_FAILED_NO_DSN.get_payload()
        ).splitlines()
    )
    forwarded = message(
        "Colleague <colleague@seller.example.com>",
        "Fwd: Undelivered Mail Returned to Sender",
        "FYI, see below.\n\nBegin forwarded message:\n\n" + quoted + "\n",
    )
    result = classify(forwarded, our_addresses=OURS)
    assert result.kind is Kind.BOUNCE, result.evidence
    assert result.bounce is not None
    assert result.bounce.addresses == ("jane@prospect.example.org",)


def ses(kind: str, key: str, rows_key: str, row: dict[str, str]) -> Message:
    notice = {
        "notificationType" if kind == "Bounce" else "eventType": kind,
        key: {rows_key: [row]},
        "mail": {"commonHeaders": {"messageId": "<seq-7-step-1@seller.example.com>"}},
    }
    envelope = {"Type": "Notification", "Message": json.dumps(notice)}
    return message(
        "AWS Notifications <no-reply@sns.amazonaws.com>",
        "AWS Notification Message",
        json.dumps(envelope, indent=2) + "\n--\nunsubscribe: https://sns.example\n",
    )


def test_ses_bounce_and_delay_notifications() -> None:
    bounce = classify(
        ses(
            "Bounce",
            "bounce",
            "bouncedRecipients",
            {
                "emailAddress": "jane@prospect.example.org",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            },
        )
    ).bounce
    assert bounce is not None and bounce.final and bounce.hard
    assert bounce.addresses == ("jane@prospect.example.org",)
    assert bounce.original_message_id == "<seq-7-step-1@seller.example.com>"
    delay = classify(
        ses(
            "DeliveryDelay",
            "deliveryDelay",
            "delayedRecipients",
            {"emailAddress": "jane@prospect.example.org", "status": "4.4.7"},
        )
    ).bounce
    assert delay is not None and not delay.final and not delay.hard


def test_watcher_matches_a_bounce_by_our_ids_in_the_quoted_original() -> None:
    """A relay rewrote our Message-ID: the bounce still finds the sequence through the
    In-Reply-To/References of ours that the quoted original carries."""
    from outreach.lifecycle.values import EnrollmentRef
    from outreach.mailbox.headers import header_facts
    from outreach.watcher.inbound import _inbound
    from outreach.watcher.matching import Candidates, match_inbound

    raw = EXIM_FAILED.as_bytes()
    inbound = _inbound(header_facts(raw), classify(EXIM_FAILED, our_addresses=OURS))
    ours = EnrollmentRef(7, 1, 70, 1, "jane@prospect.example.org", "prospect.example.org", "active")
    found = Candidates({"<seq-7-step-1@seller.example.com>": ours}, {}, {})
    match = match_inbound(inbound, found, mailbox_id=1)
    assert (match.enrollment, match.via) == (ours, "original")
    unrelated = Candidates({"<someone-else@seller.example.com>": ours}, {}, {})
    assert match_inbound(inbound, unrelated, mailbox_id=1).enrollment is None


def test_mixed_report_names_the_failed_recipient_not_the_delayed_one() -> None:
    raw = """\
From: Mail Delivery System <MAILER-DAEMON@mx.seller.example.com>
To: rep@seller.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered to one or more recipients.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.seller.example.com

Final-Recipient: rfc822; jane@prospect.example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

Final-Recipient: rfc822; joe@slow.example.net
Action: delayed
Status: 4.4.7

--b--
"""
    bounce = classify(email.message_from_string(raw), our_addresses=OURS).bounce
    assert bounce is not None and bounce.final and bounce.hard
    assert bounce.addresses == ("jane@prospect.example.org",)
    assert "joe@slow.example.net" in bounce.all_addresses
