#!/bin/sh
# What CI installs beside the project for the browser test (idempotent): Debian's chromium, which
# Playwright (in the test extra) drives at /usr/bin/chromium; no `playwright install` is needed.
set -eu
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
