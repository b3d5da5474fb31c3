"""Wegweiser benchmarks: `make bench` runs them all and rewrites bench/RESULTS.md.

Each module runs alone too (``python -m bench.answering`` …) and prints its section.
"""
