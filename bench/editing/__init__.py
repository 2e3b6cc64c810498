"""Editing benchmarks (issue #13): route snapping."""
