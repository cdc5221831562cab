"""Extractors: pure functions from a segmented ``Document`` to findings (problems, commitments, fields)."""
