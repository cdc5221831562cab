"""Helpers for the archive tests: generated documents, synthetic records, the PostgreSQL test server."""

from __future__ import annotations

import hashlib
import os
import random
import uuid
from typing import Any

import pytest

PG_URL = os.environ.get("SHENCHA_TEST_PG", "postgresql://shencha:shencha@127.0.0.1:5432/shencha_test")

PHRASES = [
    "深入学习实践科学发展观", "整改落实", "领导班子", "群众反映强烈", "限时办结", "挂牌督办", "招商引资",
    "安全隐患排查", "农村养老保险", "外来务工人员子女入学", "集体上访", "作风建设", "民主集中制", "调查研究",
    "项目审批效率", "中小企业融资", "产业转型升级", "基层组织建设", "村务公开", "医疗服务",
]


def gen_text(seed: int, n_chars: int = 600) -> str:
    """A deterministic pseudo-document in simplified script."""
    rng = random.Random(seed)
    out: list[str] = [f"第{seed}号材料"]
    while sum(map(len, out)) < n_chars:
        a, b = rng.sample(PHRASES, 2)
        out.append(f"{a}方面要{b}，做到{rng.choice(PHRASES)}。")
    return "".join(out)


def synthetic_record(text: str, *, unit: str | None = None, date: str | None = None, doc_type: str | None = None,
                     problems: list[dict[str, Any]] | None = None, commitments: list[dict[str, Any]] | None = None,
                     gaps: list[dict[str, Any]] | None = None, flag: bool = False, name: str | None = None,
                     script: str = "simplified") -> dict[str, Any]:
    """A record shaped like ``Screener.screen(..., include_text=True)`` without screening (a plan when it has commitments)."""
    doc_type = doc_type or ("rectification_plan" if commitments else "other")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return {
        "path": name or f"{sha[:8]}.txt", "sha256": sha, "format": "txt", "size": len(text.encode()),
        "encoding": "utf-8", "script": script, "profile": {"name": "campaign-2009", "version": "2009.1"},
        "schema": 1, "title": text[:12], "unit": unit, "date": date, "doc_type": doc_type, "doc_type_score": 0.9,
        "work_report": {"flag": flag, "score": 0.8 if flag else 0.1, "reason": "", "reason_en": "", "evidence": []},
        "problems": problems or [], "commitments": commitments or [], "gaps": gaps or [], "errors": [],
        "warnings": [], "stats": {}, "text": text, "blocks": [],
    }


def commitment(text: str, *, owner: str | None, deadline: str | None, area: str = "economy",
               item: str | None = None) -> dict[str, Any]:
    """A commitment finding with the ledger's fields."""
    return {"text": text, "area": area, "score": 0.5, "deadline": deadline,
            "deadline_precision": "day" if deadline else None, "deadline_text": deadline, "owner": owner,
            "item": item, "target": None, "measures": None, "pledge": False, "concrete": True, "slogan": False,
            "has_measure": True, "start": 0, "end": len(text), "locator": {"paragraph": 1}}


def require_postgres() -> None:
    """Skip (or fail under SHENCHA_REQUIRE_SERVICES=1) when the PostgreSQL test server is unreachable."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=5) as c:
            c.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means no server
        msg = f"PostgreSQL test server not reachable at {PG_URL}: {exc}"
        if os.environ.get("SHENCHA_REQUIRE_SERVICES"):
            pytest.fail(msg + " (SHENCHA_REQUIRE_SERVICES=1; run .ci/steps/20-postgres.sh)")
        pytest.skip(msg)


def pg_url_for_schema(schema: str) -> str:
    """The test server URL with a dedicated schema."""
    return PG_URL + ("&" if "?" in PG_URL else "?") + f"schema={schema}"


def new_schema() -> str:
    """A fresh schema name for one test."""
    return "t_" + uuid.uuid4().hex[:12]
