"""Benchmarks of the route editor (issue #13)."""
