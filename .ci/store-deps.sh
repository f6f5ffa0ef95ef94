#!/bin/sh
# What CI installs beside the project for the remote-store tests (idempotent): Virtuoso Open Source 7
# from Debian (about 15 MB; installs in about 10 s, and the tests start it in about 7 s). Oxigraph
# server comes with the test extra (the oxigraph package).
set -eu
if ! command -v virtuoso-t >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends virtuoso-opensource-7-bin
fi
