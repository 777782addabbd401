"""Helpers shared by the test modules, importable as `tests.support` (pyproject puts the repo root on
sys.path)."""
