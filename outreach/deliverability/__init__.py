"""Deliverability: ``outreach doctor`` (DNS, TLS, DKIM of a mailbox), prospect
verification, content lint of sequences, reports, exports and signed webhooks.

IO (DNS, IMAP, HTTP, DB) lives in thin modules; the rules (SPF/DMARC verdicts, lint rules,
report arithmetic) are pure functions over plain values so the TUI can call them too.
"""
