"""Benchmarks of Tree Point O (not tests): ``python -m bench [layers] [--quick]``."""
