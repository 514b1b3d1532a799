"""Benchmarks: ``make bench`` prints every measured figure."""
