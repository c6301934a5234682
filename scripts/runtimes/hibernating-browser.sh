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

port="$(free_port)"
log="$(mktemp -t edge-sse-hibernate.XXXXXX.log)"
# Durable Object state of this run only, removed at exit.
state="$(mktemp -d -t edge-sse-hibernate-state.XXXXXX)"
wrangler_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$wrangler_pid" ] || stop_tree "$wrangler_pid" 15
  if [ "$status" -ne 0 ]; then
    echo "hibernating-browser: failed (exit $status); wrangler's log:" >&2
    tail -n 40 "$log" >&2 || true
  fi
  rm -f "$log"
  rm -rf "$state"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$RT_NODE22" "$RT_WRANGLER" dev test/runtimes/workerd/durable-object/served.ts \
  --config test/runtimes/workerd/durable-object/wrangler.toml \
  --ip 127.0.0.1 --port "$port" --inspector-ip 127.0.0.1 --inspector-port "$(free_port)" --show-interactive-dev-session=false --log-level warn \
  --persist-to "$state" \
  </dev/null >"$log" 2>&1 &
wrangler_pid=$!

base="http://127.0.0.1:$port"
if ! wait_http "$base/ready" 60 "$wrangler_pid"; then
  echo "hibernating-browser: wrangler dev did not answer on $base within 60 s" >&2
  exit 1
fi
echo "hibernating-browser: wrangler dev (pid $wrangler_pid) serves the Durable Object tests' Worker on $base"

BASE_URL="$base" timeout --kill-after=10 300 "$RT_NODE22" --import tsx --test --test-reporter=spec \
  test/runtimes/hibernating-browser.test.ts
