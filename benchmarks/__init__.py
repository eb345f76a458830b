"""Benchmarks of the worker against honest floors (issue 6): see ``benchmarks/README.md``."""
