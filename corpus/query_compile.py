"""The query AST compiled for each backend: FTS5 MATCH and PostgreSQL tsquery expressions over the
character index (candidates) and the word index (ranking), and the exact PostgreSQL check."""

from __future__ import annotations

from .query import And, Node, Not, Or, Term


def needs_check(node: Node) -> bool:
    """Whether candidates from the character index must be verified against their text."""
    return _char_expr(node, "fts5")[1] is False

# ------------------------------------------------------------------ backends


def _fts_tok(t: str) -> str:
    return '"' + t.replace('"', '""') + '"'


def _ts_tok(t: str) -> str:
    return "'" + t.replace("'", "''").replace("\\", "\\\\") + "'"


_OPS = {"fts5": (" AND ", " OR ", _fts_tok), "ts": (" & ", " | ", _ts_tok)}


def _char_expr(node: Node, dialect: str) -> tuple[str | None, bool]:
    """Character-index expression (a superset of the matches) and whether it is exact."""
    and_, or_, tok = _OPS[dialect]
    if isinstance(node, Term):
        gs = node.grams
        expr = gs and (tok(gs[0]) if len(gs) == 1 else "(" + and_.join(tok(g) for g in gs) + ")")
        return expr or None, node.index_exact
    if isinstance(node, Or):
        kids = [_char_expr(c, dialect) for c in node.children]
        if any(e is None for e, _ in kids):
            return None, False
        return "(" + or_.join(e for e, _ in kids if e) + ")", all(x for _, x in kids)
    if isinstance(node, Not):  # only reached through And
        e, x = _char_expr(node.child, dialect)
        return e, x
    pos = [_char_expr(c, dialect) for c in node.children if not isinstance(c, Not)]
    exact = all(x for _, x in pos)
    pos_e = [e for e, _ in pos if e]
    if not pos_e:
        return None, False
    expr = "(" + and_.join(pos_e) + ")"
    for c in node.children:
        if isinstance(c, Not):
            e, x = _char_expr(c.child, dialect)
            if e is not None and x:
                expr = f"({expr} NOT {e})" if dialect == "fts5" else f"({expr} & !{e})"
            else:
                exact = False  # applied when verifying
    return expr, exact


def to_char_fts(node: Node) -> tuple[str | None, bool]:
    """FTS5 MATCH expression over the character index, and whether it is exact (no verification needed)."""
    return _char_expr(node, "fts5")


def to_char_tsquery(node: Node) -> tuple[str | None, bool]:
    """``to_tsquery('simple', …)`` text over the character tsvector, and whether it is exact."""
    return _char_expr(node, "ts")


def _rank_expr(node: Node, dialect: str) -> str | None:
    and_, or_, tok = _OPS[dialect]
    if isinstance(node, Term):
        toks = list(dict.fromkeys(node.tokens))
        if not toks:
            return None
        return tok(toks[0]) if len(toks) == 1 else "(" + and_.join(tok(t) for t in toks) + ")"
    if isinstance(node, Not):
        return None
    kids = [e for e in (_rank_expr(c, dialect) for c in node.children) if e]
    if not kids:
        return None
    return kids[0] if len(kids) == 1 else "(" + (and_ if isinstance(node, And) else or_).join(kids) + ")"


def to_rank_fts(node: Node) -> str | None:
    """FTS5 expression over the word index that ranks a query's matches (NOT parts left out)."""
    return _rank_expr(node, "fts5")


def to_rank_tsquery(node: Node) -> str | None:
    """The ranking tsquery text over the word tsvector (NOT parts left out)."""
    return _rank_expr(node, "ts")


def to_pg_check(node: Node) -> tuple[str, list[str]]:
    """A PostgreSQL condition over ``d.folded`` (the squeezed exact fold) that decides the query exactly."""
    if isinstance(node, Term):
        return "strpos(d.folded, %s) > 0", [node.needle]
    if isinstance(node, Not):
        sql, params = to_pg_check(node.child)
        return f"NOT ({sql})", params
    parts = [to_pg_check(c) for c in node.children]
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(s for s, _ in parts) + ")", [p for _, ps in parts for p in ps]

