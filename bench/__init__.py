"""Benchmarks: `make bench` runs every bench/bench_*.py in a fresh process."""
