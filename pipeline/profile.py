"""Load and validate a campaign profile (areas, sections, cue patterns, gap rules, user dictionary,
and the campaign's words in reports).

A profile is a folder under ``pipeline/profiles/`` holding ``profile.yaml`` and ``userdict.txt``.
Another campaign is another folder; nothing in the code names the 2009 campaign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROFILES_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "campaign-2009"
REQUIRED_KEYS = ("name", "version", "areas", "doc_types", "sections", "patterns", "owner", "table_columns", "gaps",
                 "thresholds", "priority_areas", "genres", "reports")
#: What the ``reports`` section must hold (the campaign's words in pages, memos and return notes).
REPORT_KEYS = ("return_gaps", "checklists", "return_note", "batch_memo_title")
RETURN_NOTE_KEYS = ("return", "improve", "return_close", "improve_close")
#: The highlight colours Word has (an area's ``highlight``).
WORD_HIGHLIGHTS = ("yellow", "bright_green", "turquoise", "pink", "blue", "red", "dark_blue", "teal", "green", "violet",
                   "dark_red", "dark_yellow", "gray_25", "gray_50", "black", "white")
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_AREA_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


# The kinds of gap rule a profile may use, with the parameters each needs (classifiers/gaps.py
# implements them); a rule of another kind, or without its parameters, is a profile error.
GAP_KINDS: dict[str, tuple[str, ...]] = {
    "work_report_flag": (),
    "too_few": ("findings", "min", "reason_few", "reason_none", "evidence_none"),
    "none_with": ("findings", "with", "evidence"),
    "no_sentence": ("evidence",),
    "share_without": ("findings", "with", "max_share", "reason_many", "reason_none", "evidence_none"),
    "missing_field": ("findings", "field"),
    "each_missing": ("findings", "field"),
    "uncovered_areas": ("evidence",),
}
FINDINGS = ("problems", "commitments")


class ProfileError(ValueError):
    """A profile is missing keys or holds an invalid pattern."""


@dataclass(eq=False)
class Profile:
    """A validated campaign profile with its cue patterns compiled."""

    name: str
    version: str
    folder: Path
    data: dict[str, Any]
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    owner_re: re.Pattern[str] | None = None

    @property
    def areas(self) -> dict[str, dict[str, Any]]:
        return self.data["areas"]

    @property
    def sections(self) -> dict[str, list[str]]:
        return self.data["sections"]

    @property
    def gaps(self) -> dict[str, dict[str, Any]]:
        return self.data["gaps"]

    @property
    def thresholds(self) -> dict[str, float]:
        return self.data["thresholds"]

    @property
    def userdict(self) -> Path:
        return self.folder / "userdict.txt"

    @property
    def training(self) -> Path:
        """The profile's training data: ``roles*.tsv``, ``areas*.tsv`` and ``doctypes/<type>-NN.txt``."""
        return self.folder / "training"

    @property
    def genres(self) -> dict[str, list[str]]:
        """Genre name (``analyses``, ``plans``, ``no_findings``…) → the document types it holds."""
        return self.data["genres"]

    @property
    def by_writer(self) -> dict[str, Any]:
        """The genres that go by who writes (``declared_genre.by_writer``): ``team`` and ``person`` → a
        document type, ``endings`` → the names both use (对照检查材料, 自查报告); ``{}`` when none."""
        return (self.data.get("declared_genre") or {}).get("by_writer") or {}

    @property
    def report(self) -> dict[str, Any]:
        """The campaign's words in reports: ``type_labels``, ``return_gaps``, ``checklists``,
        ``commitment_standard``, ``return_note`` and ``batch_memo_title``."""
        return self.data["reports"]

    def pattern(self, name: str) -> re.Pattern[str]:
        """A compiled cue pattern by name."""
        return self.patterns[name]

    def type_label(self, doc_type: str | None, default: str = "") -> str:
        """The short name of a document type for tables (``type_labels``, else its ``doc_types`` name).

        A type the profile does not know is shown as itself; no type at all as ``default``.
        """
        labels = self.report.get("type_labels") or {}
        name = labels.get(doc_type or "") or self.data["doc_types"].get(doc_type or "")
        return str(name or doc_type or default)


def _validate(data: dict[str, Any], folder: Path) -> None:
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ProfileError(f"profile {folder.name}: missing keys {missing}")
    for area in data["priority_areas"]:
        if area not in data["areas"]:
            raise ProfileError(f"profile {folder.name}: priority area {area!r} is not defined in 'areas'")
    for code, rule in data["gaps"].items():
        if "message" not in rule or "applies_to" not in rule:
            raise ProfileError(f"profile {folder.name}: gap {code!r} needs 'message' and 'applies_to'")
        kind = rule.get("kind")
        if kind not in GAP_KINDS:
            raise ProfileError(f"profile {folder.name}: gap {code!r} has an unknown kind {kind!r} "
                               f"(one of: {', '.join(GAP_KINDS)})")
        missing_params = [p for p in GAP_KINDS[kind] if p not in rule]
        if missing_params:
            raise ProfileError(f"profile {folder.name}: gap {code!r} ({kind}) needs {missing_params}")
        if "findings" in rule and rule["findings"] not in FINDINGS:
            raise ProfileError(f"profile {folder.name}: gap {code!r}: findings must be one of {FINDINGS}")
        for key in ("min", "max_share"):
            if isinstance(rule.get(key), str) and rule[key] not in data["thresholds"]:
                raise ProfileError(f"profile {folder.name}: gap {code!r}: {key} names no threshold {rule[key]!r}")
        for key in ("all_of", "any_of"):
            unknown = [p for p in rule.get(key, []) if p not in data["patterns"]]
            if unknown:
                raise ProfileError(f"profile {folder.name}: gap {code!r}: {key} names no pattern {unknown}")
        bad = [t for t in rule["applies_to"] if t not in data["doc_types"]]
        if bad:
            raise ProfileError(f"profile {folder.name}: gap {code!r} applies to unknown types {bad}")
        if "note" in rule:
            _check_template(rule["note"], ("n", "evidence"), f"profile {folder.name}: gap {code!r}: note")
    for genre, types in data["genres"].items():
        bad = [t for t in types or [] if t not in data["doc_types"]]
        if bad:
            raise ProfileError(f"profile {folder.name}: genre {genre!r} names unknown types {bad}")
    for area, spec in data["areas"].items():
        if not isinstance(area, str) or not _AREA_KEY.fullmatch(area):
            raise ProfileError(f"profile {folder.name}: area {area!r} must be a word of letters, digits, _ and -")
        for key in ("colour", "background"):
            if key in spec and not (isinstance(spec[key], str) and _HEX_COLOUR.fullmatch(spec[key])):
                raise ProfileError(f"profile {folder.name}: area {area!r}: {key} must be a colour #rrggbb")
        if "highlight" in spec and spec["highlight"] not in WORD_HIGHLIGHTS:
            raise ProfileError(f"profile {folder.name}: area {area!r}: highlight must be one of {', '.join(WORD_HIGHLIGHTS)}")
    _validate_reports(data, folder)


def _check_template(template: Any, fields: tuple[str, ...], where: str) -> None:
    """A text template that names only ``fields`` (``{title}``…) and formats."""
    if not isinstance(template, str):
        raise ProfileError(f"{where} must be text")
    try:
        template.format(**{f: "" for f in fields})
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ProfileError(f"{where}: {template!r} may use only {{{'}, {'.join(fields)}}} ({exc!r})") from exc


def _validate_reports(data: dict[str, Any], folder: Path) -> None:
    rep = data["reports"]
    where = f"profile {folder.name}: reports"
    if not isinstance(rep, dict):
        raise ProfileError(f"{where} must be a mapping")
    missing = [k for k in REPORT_KEYS if k not in rep]
    if missing:
        raise ProfileError(f"{where}: missing keys {missing}")
    unknown = [c for c in rep["return_gaps"] if c not in data["gaps"]]
    if unknown:
        raise ProfileError(f"{where}.return_gaps names no gap {unknown}")
    for genre, spec in (rep["checklists"] or {}).items():
        if genre not in data["genres"]:
            raise ProfileError(f"{where}.checklists: {genre!r} is not a genre (one of: {', '.join(data['genres'])})")
        if not isinstance(spec, dict) or "name" not in spec or "gaps" not in spec:
            raise ProfileError(f"{where}.checklists.{genre} needs 'name' and 'gaps'")
        unknown = [c for c in spec["gaps"] if c not in data["gaps"]]
        if unknown:
            raise ProfileError(f"{where}.checklists.{genre} names no gap {unknown}")
    note = rep["return_note"]
    missing = [k for k in RETURN_NOTE_KEYS if k not in (note or {})]
    if missing:
        raise ProfileError(f"{where}.return_note: missing keys {missing}")
    for key in RETURN_NOTE_KEYS:
        _check_template(note[key], ("title", "type"), f"{where}.return_note.{key}")
    unknown = [t for t in rep.get("type_labels") or {} if t not in data["doc_types"]]
    if unknown:
        raise ProfileError(f"{where}.type_labels names unknown types {unknown}")


@lru_cache(maxsize=8)
def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Load, validate and compile a profile by folder name (or path).

    Args:
        name: A folder name under ``pipeline/profiles`` or a path to a profile folder.

    Returns:
        The compiled profile.

    Raises:
        ProfileError: when the profile is incomplete or a pattern does not compile.
    """
    folder = Path(name) if Path(name).is_dir() else PROFILES_DIR / name
    path = folder / "profile.yaml"
    if not path.exists():
        raise ProfileError(f"no profile at {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    _validate(data, folder)
    compiled: dict[str, re.Pattern[str]] = {}
    for key, rx in data["patterns"].items():
        try:
            compiled[key] = re.compile(rx, re.M)
        except re.error as exc:
            raise ProfileError(f"profile {folder.name}: pattern {key!r} does not compile: {exc}") from exc
    declared = (data.get("declared_genre") or {}).get("names_another")
    if declared:
        try:
            compiled["declared_names_another"] = re.compile(declared)
        except re.error as exc:
            raise ProfileError(f"profile {folder.name}: declared_genre.names_another does not compile: {exc}") from exc
    for key, prefix in (("openings", "declared_opening"), ("title_patterns", "declared_title")):
        for dtype, rx in ((data.get("declared_genre") or {}).get(key) or {}).items():
            if dtype not in data["doc_types"]:
                raise ProfileError(f"profile {folder.name}: declared_genre.{key} names an unknown type {dtype!r}")
            try:
                compiled[f"{prefix}:{dtype}"] = re.compile(rx)
            except re.error as exc:
                raise ProfileError(f"profile {folder.name}: declared_genre.{key}.{dtype} does not compile: {exc}") from exc
    suffixes = sorted(data["owner"]["suffixes"], key=len, reverse=True)
    owner_re = re.compile("(?:" + "|".join(map(re.escape, suffixes)) + ")")
    return Profile(name=data["name"], version=str(data["version"]), folder=folder, data=data,
                   patterns=compiled, owner_re=owner_re)
