"""outreach — a local-first cold-outreach sequencer that sends through your own mailbox."""

__version__ = "0.1.0"
