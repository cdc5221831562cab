"""Classifiers (scikit-learn): sentence kinds, areas, document type; work-report style; gap rules.

Models follow the estimator contract and are trained deterministically from the data bundled in
the profile's ``training`` folder (never from the gold set) on first use, then cached (see ``models.py``).
"""
