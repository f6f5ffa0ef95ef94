#!/bin/sh
# What CI installs beside the project for the endpoint tests (idempotent): Debian's chromium, which
# Playwright (in the test extra) drives at /usr/bin/chromium (no `playwright install` is needed),
# and libseccomp, through which kg serve takes the network away from query workers (pyseccomp).
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
ldconfig -p | grep -q 'libseccomp\.so\.2' || missing="$missing libseccomp2"
if [ -n "$missing" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
