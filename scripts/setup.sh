#!/usr/bin/env bash
# Installs what the tests need besides npm packages: a Chromium for the browser tests
# (Debian's `chromium` package; set CHROMIUM=/path/to/chromium to use another one).
set -euo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  echo "setup: Chromium is installed ($chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "setup: install Chromium with your package manager, then set CHROMIUM=/path/to/chromium" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing Debian's chromium package for the browser tests"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "setup: Chromium is installed ($chromium)"
