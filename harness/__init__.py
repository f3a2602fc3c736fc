"""What the tests and the benchmarks share: Debian's chromium, a served app, statistics.

Not part of the app; importable from the repository root (tests/conftest.py
and each benchmark put the root on sys.path).
"""
