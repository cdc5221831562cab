"""Search facets in the SQLite archive: facet values coded as small integers, one ``doc_facets`` row per
document (area and gap values as bits), cached as numpy arrays and counted over a result set."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from .results import SearchFilters, until_bound
from .textindex import fold

# Area and gap values are bits of doc_facets.areas / .gaps (code = bit number); a value coded past
# MAX_BIT (an archive with more than 62 distinct gap codes) is counted and filtered through ``tags``.
MAX_BIT = 62
_BIT_FACETS = {"area": "areas", "gap": "gaps"}
# doc_facets columns cached as arrays (facet counts, filters, ranking); the first three -1 where NULL
_ARRAYS = ("dtype", "unit", "year", "areas", "gaps", "words", "flag", "dated")
_DATE_WIDTH = 16  # dates cached as fixed-width strings; a longer (or non-ASCII) one sends date filters to SQL


class SqliteFacets:
    """Facet codes, the ``doc_facets`` rows, the filters over them and the counts (part of ``SqliteStore``)."""

    db: sqlite3.Connection
    _codes: dict[tuple[str, str], int]
    _names: dict[str, dict[int, str]]
    _writes: int
    _arrays: dict[str, Any] | None
    _arrays_ver: tuple[int, int]

    def _code(self, facet: str, value: str, *, create: bool = True) -> int | None:
        """The integer code of a facet value (assigned on first use inside a write transaction; codes never change)."""
        key = (facet, value)
        code = self._codes.get(key)
        if code is not None:
            return code
        row = self.db.execute("SELECT code FROM facet_values WHERE facet = ? AND value = ?", key).fetchone()
        if row is None:
            if not create:
                return None
            code = int(self.db.execute("SELECT coalesce(max(code) + 1, 0) FROM facet_values WHERE facet = ?",
                                       (facet,)).fetchone()[0])
            self.db.execute("INSERT INTO facet_values (facet, value, code) VALUES (?, ?, ?)", (facet, value, code))
        else:
            code = int(row[0])
        self._codes[key] = code
        return code

    def _name(self, facet: str, code: int) -> str:
        """The value behind a code (cached; reloaded when a code is new to this connection)."""
        names = self._names.get(facet)
        if names is None or code not in names:
            names = {int(c): v for v, c in self.db.execute(
                "SELECT value, code FROM facet_values WHERE facet = ?", (facet,))}
            self._names[facet] = names
        return names[code]

    def _write_facets(self, doc_id: int, doc_type: str | None, unit_folded: str | None, year: int | None,
                      date: str | None, flag: bool, tags: list[tuple[str, str]], words: int = 0) -> None:
        masks = {"area": 0, "gap": 0}
        for facet, value in tags:
            code = self._code(facet, value)
            if facet in masks and code is not None and code <= MAX_BIT:
                masks[facet] |= 1 << code
        self.db.execute(
            "INSERT OR REPLACE INTO doc_facets (id, dtype, unit, year, date, flag, areas, gaps, words, rev)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(rev), 0) + 1 FROM doc_facets))",
            (doc_id, self._code("type", doc_type) if doc_type is not None else None,
             self._code("unit", unit_folded) if unit_folded is not None else None, year, date, int(flag),
             masks["area"], masks["gap"], int(words)))

    def _backfill_facets(self) -> None:
        tags: dict[int, list[tuple[str, str]]] = {}
        for f, v, i in self.db.execute("SELECT facet, value, doc_id FROM tags ORDER BY facet, value, doc_id"):
            tags.setdefault(int(i), []).append((f, v))
        rows = self.db.execute("SELECT id, doc_type, unit_folded, year, date, wr_flag FROM documents").fetchall()
        for i, dtype, unit, year, date, flag in rows:
            self._write_facets(int(i), dtype, unit, year, date, bool(flag), tags.get(int(i), []))

    def _filter_sql(self, f: SearchFilters | None) -> tuple[list[str], list[Any]]:
        """WHERE clauses over ``doc_facets f`` for search filters (the meaning of ``archive.filter_sql``)."""
        clauses: list[str] = []
        params: list[Any] = []
        if f is None:
            return clauses, params
        for facet, value in (("area", f.area), ("gap", f.gap)):
            if value:
                code = self._code(facet, value, create=False)
                if code is None:
                    clauses.append("0")
                elif code <= MAX_BIT:
                    clauses.append(f"(f.{_BIT_FACETS[facet]} & {1 << code}) != 0")
                else:
                    clauses.append("f.id IN (SELECT doc_id FROM tags WHERE facet = ? AND value = ?)")
                    params += [facet, value]
        if f.doc_type:
            code = self._code("type", f.doc_type, create=False)
            clauses.append("f.dtype = ?")
            params.append(-1 if code is None else code)
        if f.unit:
            clauses.append("f.unit IN (SELECT code FROM facet_values WHERE facet = 'unit' AND value LIKE ?)")
            params.append("%" + fold(f.unit).replace("%", "").replace("_", "") + "%")
        if f.since:
            clauses.append("f.date >= ?")
            params.append(f.since)
        if f.until:
            clauses.append("f.date <= ?")
            params.append(until_bound(f.until))
        if f.flagged:
            clauses.append("f.flag = 1")
        return clauses, params

    def _filter_mask(self, f: SearchFilters | None) -> Callable[[Any], Any] | None:
        """The filters as a test on an array of document ids (numpy, over the cached arrays): the same
        documents as ``_filter_sql``; None when a filter needs SQL (a value coded past ``MAX_BIT``, a
        date that is not plain ASCII)."""
        import numpy as np

        arrays = self._facet_arrays()
        tests: list[Callable[[Any], Any]] = []
        none = False
        for facet, value in (("area", f.area), ("gap", f.gap)) if f else ():
            if value:
                code = self._code(facet, value, create=False)
                if code is None:
                    none = True
                elif code > MAX_BIT:
                    return None
                else:
                    tests.append(lambda ids, a=arrays[_BIT_FACETS[facet]], bit=1 << code: (a[ids] & bit) != 0)
        if f and f.doc_type:
            code = self._code("type", f.doc_type, create=False)
            none = none or code is None
            tests.append(lambda ids, a=arrays["dtype"], c=code: a[ids] == c)
        if f and f.unit:
            pattern = "%" + fold(f.unit).replace("%", "").replace("_", "") + "%"
            codes = np.array([int(r[0]) for r in self.db.execute(
                "SELECT code FROM facet_values WHERE facet = 'unit' AND value LIKE ?", (pattern,))], dtype=np.int64)
            tests.append(lambda ids, a=arrays["unit"], c=codes: np.isin(a[ids], c))
        for bound, op in ((f.since, np.greater_equal), (until_bound(f.until) if f.until else None, np.less_equal)) \
                if f else ():
            if bound:
                if not (arrays.get("dates_plain", True) and bound.isascii() and len(bound) <= _DATE_WIDTH):
                    return None
                tests.append(lambda ids, a=arrays["date"], d=arrays["dated"], b=bound, op=op:
                             (d[ids] == 1) & op(a[ids], b))
        if f and f.flagged:
            tests.append(lambda ids, a=arrays["flag"]: a[ids] == 1)

        def mask(ids: Any) -> Any:
            ok = np.full(ids.size, not none, dtype=bool)
            for t in tests:
                if not ok.any():
                    break
                ok &= t(ids)
            return ok

        return mask

    def _facet_arrays(self) -> dict[str, Any]:
        """``doc_facets`` as numpy arrays indexed by document id, cached per connection.

        Refreshed when another connection has committed since (``PRAGMA data_version``) or this
        one has written: only the rows written since the last load (``rev`` above the last one
        seen), so searches stay cheap while a batch is being added. Call inside the read
        transaction.
        """
        import numpy as np

        ver = (int(self.db.execute("PRAGMA data_version").fetchone()[0]), self._writes)
        arrays = self._arrays
        if arrays is not None and self._arrays_ver == ver:
            return arrays
        if arrays is None:
            arrays = {name: np.full(0, -1 if name in ("dtype", "unit", "year") else 0, dtype=np.int64)
                      for name in _ARRAYS}
            arrays["rev"] = 0
        row = self.db.execute(
            "SELECT max(id), max(rev), group_concat(id), group_concat(coalesce(dtype, -1)),"
            " group_concat(coalesce(unit, -1)), group_concat(coalesce(year, -1)), group_concat(areas),"
            " group_concat(gaps), group_concat(words), group_concat(flag), group_concat(date IS NOT NULL),"
            " group_concat(coalesce(date, ''), char(31)) FROM doc_facets WHERE rev > ?", (arrays["rev"],)).fetchone()
        if row[0] is not None:
            ids = np.fromstring(row[2], dtype=np.int64, sep=",")
            n = int(row[0]) + 1
            for k, name in enumerate(_ARRAYS, 3):
                arr = arrays[name]
                if len(arr) < n:
                    arr = np.concatenate([arr, np.full(n - len(arr), -1 if k < 6 else 0, dtype=np.int64)])
                arr[ids] = np.fromstring(row[k], dtype=np.int64, sep=",")
                arrays[name] = arr
            dates = row[len(_ARRAYS) + 3].split("\x1f")
            arr = arrays.get("date", np.zeros(0, dtype=f"<U{_DATE_WIDTH}"))
            if len(arr) < n:
                arr = np.concatenate([arr, np.zeros(n - len(arr), dtype=arr.dtype)])
            plain = len(dates) == ids.size and all(len(d) <= _DATE_WIDTH and d.isascii() for d in dates)
            if plain:
                arr[ids] = dates
            arrays["date"] = arr
            arrays["dates_plain"] = arrays.get("dates_plain", True) and plain
            arrays["rev"] = int(row[1])
            lengths = arrays["words"][arrays["words"] > 0]
            arrays["avg_words"] = float(lengths.mean()) if lengths.size else 1.0
        self._arrays, self._arrays_ver = arrays, ver
        return arrays

    def _facet_counts(self, ids: Any) -> dict[str, dict[str, int]]:
        """Facet counts over the documents ``ids`` (a numpy array), from the cached ``doc_facets`` arrays.

        Area/gap values coded past ``MAX_BIT`` are counted through ``tags``.
        """
        import numpy as np

        db = self.db
        arrays = self._facet_arrays()
        if ids.size and int(ids.max()) >= len(arrays["dtype"]):  # cannot happen inside one snapshot; be safe
            self._arrays = None
            arrays = self._facet_arrays()
        ids = ids[ids < len(arrays["dtype"])]
        bits: dict[str, list[tuple[int, str]]] = {"area": [], "gap": []}
        over: dict[str, list[str]] = {"area": [], "gap": []}
        for facet, value, code in db.execute(
                "SELECT facet, value, code FROM facet_values WHERE facet IN ('area', 'gap') ORDER BY facet, code"):
            if code <= MAX_BIT:
                bits[facet].append((int(code), value))
            else:
                over[facet].append(value)
        out: dict[str, dict[str, int]] = {}
        idset: set[int] | None = None
        for facet in ("area", "gap"):
            masks = arrays[_BIT_FACETS[facet]][ids]
            counts = {value: int(((masks >> code) & 1).sum()) for code, value in bits[facet]}
            counts = {v: n for v, n in counts.items() if n}
            if over[facet]:
                idset = idset if idset is not None else set(ids.tolist())
                for v in over[facet]:
                    n = sum(1 for (d,) in db.execute("SELECT doc_id FROM tags WHERE facet = ? AND value = ?",
                                                     (facet, v)) if d in idset)
                    if n:
                        counts[v] = n
            out[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        coded: dict[str, list[tuple[int, int]]] = {}
        for name in ("dtype", "unit", "year"):
            vals = arrays[name][ids]
            vals = vals[vals >= 0]
            uniq, n = np.unique(vals, return_counts=True)
            coded[name] = [(int(c), int(k)) for c, k in zip(uniq, n, strict=True)]
        out["type"] = dict(sorted(((self._name("type", c), n) for c, n in coded["dtype"]),
                                  key=lambda kv: (-kv[1], kv[0])))
        out["unit"] = dict(sorted(((self._name("unit", c), n) for c, n in coded["unit"]),
                                  key=lambda kv: (-kv[1], kv[0]))[:20])
        out["year"] = {str(y): n for y, n in coded["year"]}
        return out
