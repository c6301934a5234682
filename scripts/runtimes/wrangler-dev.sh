#!/usr/bin/env bash
# The runtime suite over real HTTP through `wrangler dev` (wrangler 4.164 → workerd, on Node 22):
# serves test/runtimes/workerd/worker.ts (handleSuite) on 127.0.0.1 and a free port, then runs
# test/runtimes/remote.test.ts against it with Node 22's node:test. Stops wrangler (and so its workerd)
# by PID on every exit. Exits non-zero when a case fails or wrangler does not come up.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/scripts/install-runtimes.sh"
source "$repo/scripts/runtimes/lib.sh"
cd "$repo"
export WRANGLER_SEND_METRICS=false NO_COLOR=1 CI=true

serve_wrangler_dev wrangler-dev "/log?key=ready" --config test/runtimes/workerd/wrangler.toml
base="$wrangler_base"
echo "wrangler-dev: wrangler dev (pid $wrangler_pid) serves the suite on $base"

BASE_URL="$base" RUNTIME_LABEL="wrangler dev" \
  timeout --kill-after=10 300 "$RT_NODE22" --import tsx --test --test-reporter=spec test/runtimes/remote.test.ts
