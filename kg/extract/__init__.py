"""Extractors: the source text of a plan document → its structured YAML in ``data/plans/``."""
