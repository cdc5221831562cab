"""The layers import only downward: pipeline (ground and stages) < extractors, classifiers < corpus,
reports < shencha (orchestration, batch, training, CLI). Drawn from the code itself, every import
counted, function-level ones included, and no import circle between modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANK = {"pipeline": 0, "extractors": 1, "classifiers": 1, "corpus": 2, "reports": 2, "shencha": 3}


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for folder in RANK:
        for path in sorted((ROOT / folder).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            targets: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    targets.update(a.name for a in node.names)
                elif isinstance(node, ast.ImportFrom):
                    if node.level:  # relative: resolve against the module's package
                        base = module.split(".")[: -node.level] if not path.name == "__init__.py" else module.split(".")
                        name = ".".join(base + ([node.module] if node.module else []))
                    else:
                        name = node.module or ""
                    targets.add(name)
                    targets.update(f"{name}.{a.name}" for a in node.names)
            graph[module] = {t for t in targets if t.split(".")[0] in RANK}
    return graph


def test_no_folder_imports_a_folder_above_it() -> None:
    upward = [(m, t) for m, ts in _imports().items() for t in ts
              if RANK[t.split(".")[0]] > RANK[m.split(".")[0]]
              or (RANK[t.split(".")[0]] == RANK[m.split(".")[0]] and t.split(".")[0] != m.split(".")[0])]
    assert not upward, upward


def test_no_import_circle_between_modules() -> None:
    graph = _imports()
    modules = set(graph)
    edges = {m: {t if t in modules else t.rsplit(".", 1)[0] for t in ts} & modules - {m} for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        state[m] = 1
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycle.extend(stack[stack.index(t):] + [t] if t in stack else [m, t])
                return True
            if t not in state and visit(t, [*stack, t]):
                return True
        state[m] = 2
        return False

    for m in sorted(modules):
        if m not in state and visit(m, [m]):
            break
    assert not cycle, " -> ".join(cycle)


def test_chinese_is_written_once_in_the_language_module_and_the_profile() -> None:
    """No regular expression with a Chinese literal outside pipeline/lang_zh.py (campaign words are
    profile patterns): another campaign changes data, not code."""
    import re

    han = re.compile(r"[\u4e00-\u9fff]")
    found = []
    for folder in RANK:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "lang_zh.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
                    consts = [c.value for a in node.args for c in ast.walk(a)
                              if isinstance(c, ast.Constant) and isinstance(c.value, str)]
                    if any(han.search(c) for c in consts):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found
