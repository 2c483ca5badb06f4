"""Benchmarks (scripts that print numbers; see README.md). Not collected by pytest."""
