#!/usr/bin/env bash
# Tesseract OCR with the simplified and traditional Chinese language data (Debian packages), for
# scanned PDFs: pipeline/ingest/ocr.py reads the pages that have no text layer with it, and
# tests/test_ocr.py checks it. Idempotent: installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
for pkg in tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done

if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

tesseract --version 2>&1 | head -n 1
tesseract --list-langs 2>&1 | grep -E '^chi_(sim|tra)$'
