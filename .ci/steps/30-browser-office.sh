#!/usr/bin/env bash
# Chromium (driven by Playwright as the system browser; no browser download), LibreOffice Writer
# (opens the Word reviewer copies and memos) and Noto CJK fonts (Chinese in screenshots and PDFs),
# for tests/test_browser*.py and tests/test_word*.py. Idempotent: installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v libreoffice >/dev/null 2>&1 || command -v soffice >/dev/null 2>&1; } || need+=(libreoffice-writer-nogui)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)

if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -q
  if ! apt-get install -y -q --no-install-recommends "${need[@]}"; then
    # older releases name the Writer package without -nogui
    apt-get install -y -q --no-install-recommends "${need[@]/libreoffice-writer-nogui/libreoffice-writer}"
  fi
fi

chromium --version 2>/dev/null
libreoffice --version 2>/dev/null || soffice --version
fc-list :lang=zh family | sort | head -n 3 || true
