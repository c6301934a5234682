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

port="${WRANGLER_PORT:-$(free_port)}"
log="$(mktemp -t edge-sse-wrangler.XXXXXX.log)"
# Durable Object state of this run only, removed at exit.
state="$(mktemp -d -t edge-sse-wrangler-state.XXXXXX)"
wrangler_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # wrangler stops its workerd on SIGTERM; stop_tree kills what is left after 15 s.
  [ -z "$wrangler_pid" ] || stop_tree "$wrangler_pid" 15
  if [ "$status" -ne 0 ]; then
    echo "wrangler-dev: failed (exit $status); wrangler's log:" >&2
    tail -n 40 "$log" >&2 || true
  fi
  rm -f "$log"
  rm -rf "$state"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$RT_NODE22" "$RT_WRANGLER" dev --config test/runtimes/workerd/wrangler.toml \
  --ip 127.0.0.1 --port "$port" --inspector-ip 127.0.0.1 --inspector-port "$(free_port)" --show-interactive-dev-session=false --log-level warn \
  --persist-to "$state" \
  </dev/null >"$log" 2>&1 &
wrangler_pid=$!

base="http://127.0.0.1:$port"
if ! wait_http "$base/log?key=ready" 60 "$wrangler_pid"; then
  echo "wrangler-dev: wrangler dev did not answer on $base within 60 s" >&2
  exit 1
fi
echo "wrangler-dev: wrangler dev (pid $wrangler_pid) serves the suite on $base"

BASE_URL="$base" RUNTIME_LABEL="wrangler dev" \
  timeout --kill-after=10 300 "$RT_NODE22" --import tsx --test --test-reporter=spec test/runtimes/remote.test.ts
