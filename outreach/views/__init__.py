"""Read models (and a few small commands) the TUI shows, built on the store and services.

Plain functions over an SQLAlchemy engine that return frozen dataclasses; nothing here
imports Textual, so the CLI, tests and benchmarks can use them too.
"""
