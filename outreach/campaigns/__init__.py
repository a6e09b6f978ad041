"""Campaigns: a sequence snapshot, its mailboxes and enrolled prospects, and their sends."""
