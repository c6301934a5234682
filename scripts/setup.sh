#!/usr/bin/env bash
# Installs what the tests need besides npm packages, from Debian's packages:
# - the browsers of the browser tests: Chromium (`chromium`; set CHROMIUM=/path/to/chromium to use
#   another one), Firefox (`firefox-esr`; or FIREFOX=/path/to/firefox) and WebKit (WebKitGTK's
#   MiniBrowser and WebKitWebDriver from `webkit2gtk-driver`, shown on an X server from `xvfb`,
#   with `xauth`);
# - a redis-server for the edge-sse/redis tests (`redis-server`; the tests start their own on a free port).
set -euo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"
firefox="${FIREFOX:-/usr/bin/firefox-esr}"

# Prints what is installed and lists the Debian packages still missing in `missing`.
check() {
  missing=()
  found "Chromium" "$([ -x "$chromium" ] && echo "$chromium")" chromium
  found "Firefox" "$([ -x "$firefox" ] && echo "$firefox")" firefox-esr
  found "WebKitWebDriver" "$(command -v WebKitWebDriver || true)" webkit2gtk-driver
  found "WebKitGTK's MiniBrowser" "$(ls /usr/lib/*/webkit2gtk-4.*/MiniBrowser 2>/dev/null | sort | tail -n 1)" webkit2gtk-driver
  found "Xvfb" "$(command -v Xvfb || true)" xvfb
  found "xauth" "$(command -v xauth || true)" xauth
  found "redis-server" "$(command -v redis-server || true)" redis-server
}

# found NAME PATH PACKAGE: says where NAME is, or adds PACKAGE (once) to `missing` when PATH is empty.
found() {
  if [ -n "$2" ]; then
    echo "setup: $1 is installed ($2)"
  elif [[ " ${missing[*]} " != *" $3 "* ]]; then
    missing+=("$3")
  fi
}

check
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "setup: install ${missing[*]} with your package manager (then set CHROMIUM or FIREFOX to the browser if it lives elsewhere)" >&2
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
