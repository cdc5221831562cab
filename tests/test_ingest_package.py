"""pipeline.ingest is a package of modules with one reason to change each; the package is the API its
users import, and a limit set on it (``ingest.MAX_PDF_PAGES``, as shencha.batch sets --max-pages) holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import ingest as ingest_pkg
from pipeline.errors import ShenchaError
from tests.conftest import build_pdf

PACKAGE = Path(ingest_pkg.__file__).parent


def test_every_public_name_is_there() -> None:
    for name in ingest_pkg.__all__:
        assert hasattr(ingest_pkg, name), name


def test_each_module_stays_small() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.glob("*.py")}
    assert {"__init__.py", "text.py", "docx.py", "legacy.py", "pdf.py", "ocr.py"} <= set(sizes)
    assert all(n <= 400 for n in sizes.values()), sizes


def test_max_pdf_pages_set_on_the_package_is_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = build_pdf(tmp_path / "three.pdf", [[f"第{n}页：整改措施落实到位，群众满意。"] for n in "一二三"])
    monkeypatch.setattr(ingest_pkg, "MAX_PDF_PAGES", 2)
    with pytest.raises(ShenchaError) as info:
        ingest_pkg.ingest(p)
    assert info.value.code == "E108" and "3 pages > 2" in info.value.message
    monkeypatch.undo()
    assert ingest_pkg.ingest(p).stats["pdf_pages"] == 3
