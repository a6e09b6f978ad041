"""Widgets, grouped by the screen region they fill."""
