"""Docs tested against code: every CLI verb is in the README and has --help; every error code is documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import CATALOGUE
from shencha.cli import VERBS, build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _verbs() -> list[str]:
    build_parser()  # plugins register their verbs
    return sorted(VERBS)


@pytest.mark.parametrize("verb", _verbs())
def test_docs_every_verb_in_readme(verb: str) -> None:
    assert f"shencha {verb}" in README


@pytest.mark.parametrize("verb", _verbs())
def test_docs_every_verb_has_help(verb: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "shencha.cli", verb, "--help"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "usage:" in proc.stdout


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_docs_every_error_code_documented(code: str) -> None:
    assert f"| {code} |" in README


def test_docs_readme_commands_are_the_ci_commands() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]'" in README and "pip install -q -e '.[test]'" in ci
    assert "python -m pytest" in README and "python -m pytest" in ci
