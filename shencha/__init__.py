"""Shencha's application layer: orchestration of the stages, batch workers, training, and the ``shencha`` CLI.

It sits above the stages (``pipeline``, ``extractors``, ``classifiers``) and the readers of
finished records (``corpus``, ``reports``), and nothing below imports it.
"""
