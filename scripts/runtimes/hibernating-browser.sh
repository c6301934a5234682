#!/usr/bin/env bash
# Chromium's EventSource against Durable Objects that hibernate, over real HTTP through `wrangler dev`
# (wrangler 4.164 → workerd, on Node 22): serves test/runtimes/workerd/durable-object/worker.ts (through served.ts) on 127.0.0.1 and
# a free port, then runs test/runtimes/hibernating-browser.test.ts with Node 22's node:test. Stops wrangler (and
# so its workerd) by PID on every exit. Exits non-zero when the test fails or wrangler does not come up.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/scripts/install-runtimes.sh"
source "$repo/scripts/runtimes/lib.sh"
cd "$repo"
export WRANGLER_SEND_METRICS=false NO_COLOR=1 CI=true

serve_wrangler_dev hibernating-browser "/ready" test/runtimes/workerd/durable-object/served.ts --config test/runtimes/workerd/durable-object/wrangler.toml
base="$wrangler_base"
echo "hibernating-browser: wrangler dev (pid $wrangler_pid) serves the Durable Object tests' Worker on $base"

BASE_URL="$base" timeout --kill-after=10 300 "$RT_NODE22" --import tsx --test --test-reporter=spec \
  test/runtimes/hibernating-browser.test.ts
