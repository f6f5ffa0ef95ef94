#!/bin/sh
# What CI installs for the endpoint tests (idempotent). The browser test drives Debian's chromium
# through Playwright's Python package (no `playwright install`: it uses /usr/bin/chromium).
set -eu
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
python -c "import playwright" 2>/dev/null || python -m pip install -q "playwright>=1.45"
