"""The sending engine: one worker per mailbox draining the queue at human pace."""
