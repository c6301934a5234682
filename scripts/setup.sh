#!/usr/bin/env bash
# Installs what the tests need besides npm packages: a Chromium for the browser tests (Debian's
# `chromium` package; set CHROMIUM=/path/to/chromium to use another one) and a redis-server for the
# edge-sse/redis tests (Debian's `redis-server` package; the tests start their own on a free port).
set -euo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"

# Prints what is installed and lists the Debian packages still missing in `missing`.
check() {
  missing=()
  if [ -x "$chromium" ]; then echo "setup: Chromium is installed ($chromium)"; else missing+=(chromium); fi
  if command -v redis-server >/dev/null; then
    echo "setup: redis-server is installed ($(command -v redis-server))"
  else
    missing+=(redis-server)
  fi
}

check
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "setup: install ${missing[*]} with your package manager (for Chromium, then set CHROMIUM=/path/to/chromium)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing Debian's ${missing[*]} package(s) for the tests"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
check
if [ "${#missing[@]}" -ne 0 ]; then
  echo "setup: still missing after the install: ${missing[*]}" >&2
  exit 1
fi
