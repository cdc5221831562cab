"""The limits ingest puts on one file: its size, its pages and text, what its archive or streams may
inflate to, and how long a converter may take. They change when a resource budget does.

``shencha.batch`` sets ``pipeline.ingest.MAX_PDF_PAGES`` (``--max-pages``) on the package, which
passes the new value on to the modules that use it.
"""

from __future__ import annotations

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_PDF_CHARS = 10_000_000  # text a PDF may yield
MAX_UNZIPPED = 200 * 1024 * 1024  # what a .docx may unzip to, or a PDF's Flate streams inflate to
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 5000  # a .docx has a few dozen parts; millions of entries exhaust memory before parsing
MAX_XML_PROLOG = 1024 * 1024  # bytes of XML declaration/comments allowed before the root element
CONVERT_TIMEOUT = 120.0  # seconds LibreOffice may take to convert one file
OCR_PAGE_TIMEOUT = 120.0  # seconds Tesseract may take to read one page
