"""The Textual TUI: a sales rep's cockpit (``outreach tui``).

The only package that imports Textual. Build the app with
:func:`outreach.tui.factory.build_app`; the CLI and the tests both do.
"""
