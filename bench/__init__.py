"""Benchmarks: a synthetic national graph shaped like the real data, and one command that measures it."""
