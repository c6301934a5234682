#!/usr/bin/env bash
# The runtime suite inside workerd: @cloudflare/vitest-plugin 1.5 + vitest 5.1 on Node 22
# (test/runtimes/workerd/). Exits non-zero when a case fails. Run from anywhere: bash scripts/runtimes/workerd.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/scripts/install-runtimes.sh"
cd "$repo"

# The plugin and vitest 5 live outside the repo; the config and test resolve them through this link
# (git-ignored: .gitignore ignores node_modules anywhere).
ln -sfn "$RT_MODULES" test/runtimes/workerd/node_modules

export NO_COLOR=1 CI=true
log="$(mktemp -t edge-sse-workerd.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
# Bounded: the slowest case takes ~25 s; the whole run ~1 min.
set +e
timeout --kill-after=10 300 "$RT_NODE22" "$RT_VITEST" run --config test/runtimes/workerd/vitest.config.ts "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# workerd logs this (without failing a test) when a body is still pumped to a Durable Object that has
# answered: routeToChannel must stop forwarding a body the object refused.
if grep -q "Can't read from request stream after response has been sent" "$log"; then
  echo "workerd: workerd logged \"Can't read from request stream after response has been sent\" (see above)" >&2
  exit 1
fi
exit "$status"
