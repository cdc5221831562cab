"""Shencha (審查): screen Chinese campaign submissions in bulk.

The ``pipeline`` package holds the stages every document goes through — ingest, normalise,
segment — and the orchestration that runs extractors and classifiers over them.
"""

__version__ = "0.1.0"
