"""Mail adapters: SMTP sender, IMAP watcher, and the pure classifier of inbound mail."""
