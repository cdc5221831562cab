"""The package of a .docx (Open Packaging Conventions): its main part found as python-docx finds it, and
read by a hardened lxml parser.

Only what the text needs is parsed: ``[Content_Types].xml`` and ``_rels/.rels``, which name the main
part and its content type, and the main part itself (``word/document.xml``). The parser resolves no
entities, loads no DTD, reaches no network and keeps libxml2's size limits; a part whose parsed tree
still has a document type declaration is refused (E110), the second line behind ``safety``'s byte
check. Changes when the container format, or how much of it is read, does.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from functools import cache

from ..document import Document
from ..errors import ShenchaError
from .failures import _one_line

_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
WML_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error)


@cache
def _parser():  # noqa: ANN202 - an lxml XMLParser (lxml is imported on first use)
    from lxml import etree

    # remove_blank_text as python-docx's own parser: the same whitespace-only text nodes are dropped
    return etree.XMLParser(remove_blank_text=True, resolve_entities=False, load_dtd=False, no_network=True,
                           huge_tree=False)


def parse_part(doc: Document, zf: zipfile.ZipFile, name: str):  # noqa: ANN201 - an lxml element
    """The root element of the XML part ``name``; E104 when it is missing or not well-formed, E110
    when it declares a DTD."""
    from lxml import etree

    try:
        data = zf.read(name)
    except KeyError as exc:
        raise ShenchaError("E104", doc.path, f"no {name} inside") from exc
    except _ZIP_ERRORS as exc:
        raise ShenchaError("E104", doc.path, f"{name}: {_one_line(exc)}") from exc
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ShenchaError("E104", doc.path, f"{name} is not well-formed XML: {_one_line(exc)}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise ShenchaError("E110", doc.path, f"{name} declares a DTD")
    return root


def main_part(doc: Document, zf: zipfile.ZipFile) -> str:
    """The zip member of the main document part, as python-docx finds it: the package's one
    officeDocument relationship, whose part must have the WordprocessingML main content type
    (a macro-enabled document or a template is not a .docx)."""
    rels = parse_part(doc, zf, "_rels/.rels")
    targets = [r for r in rels.iterchildren(f"{_REL}Relationship") if r.get("Type") == _OFFICE_DOCUMENT]
    if len(targets) != 1:
        raise ShenchaError("E104", doc.path, f"{len(targets)} main document relationships in _rels/.rels, not 1")
    rel = targets[0]
    if rel.get("TargetMode", "Internal") == "External" or not rel.get("Target"):
        raise ShenchaError("E104", doc.path, "the main document relationship points outside the package")
    partname = posixpath.normpath(posixpath.join("/", rel.get("Target")))
    types = parse_part(doc, zf, "[Content_Types].xml")
    overrides = {(o.get("PartName") or "").lower(): o.get("ContentType") for o in types.iterchildren(f"{_CT}Override")}
    defaults = {(d.get("Extension") or "").lower(): d.get("ContentType") for d in types.iterchildren(f"{_CT}Default")}
    ext = posixpath.splitext(partname)[1].lstrip(".").lower()
    content_type = overrides.get(partname.lower(), defaults.get(ext))
    if content_type is None:
        raise ShenchaError("E104", doc.path, f"no content type for {partname} in [Content_Types].xml")
    if content_type != WML_MAIN:
        raise ShenchaError("E104", doc.path, f"not a Word document: its main part {partname} is {content_type}")
    return partname.lstrip("/")
