"""Helpers for running the platform as people run it, shared by the tests, the
benchmarks and scripts/soak.py. Nothing in the platform itself imports this package."""
