# Helpers for the scripts in scripts/runtimes/ (source it). Servers bind 127.0.0.1; every wait is bounded;
# processes are stopped by PID, and only the ones these scripts started (and their children).

# Prints a TCP port that is free on 127.0.0.1 now.
free_port() {
  "${RT_NODE22:-node}" -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_http URL SECONDS PID: waits until URL answers (any HTTP status), for at most SECONDS, while PID lives.
wait_http() {
  local url="$1" pid="$3" deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -s -o /dev/null --max-time 2 "$url" && return 0
    sleep 0.25
  done
  return 1
}

# descendants PID: the PIDs of PID's children, grandchildren, … (wrangler → node → workerd).
descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
}

# stop_tree PID [SECONDS]: SIGTERM to PID (a child of this shell), SIGKILL after SECONDS (default 10) if it is
# still there, then waits for it. Its descendants, listed before the SIGTERM, get the same grace period
# (wrangler stops its workerd itself on SIGTERM) and are SIGKILLed only if they outlive it.
stop_tree() {
  local pid="$1" seconds="${2:-10}" deadline tree left p
  tree="$(descendants "$pid" | tr '\n' ' ')"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + seconds))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 5))
  while :; do
    left=""
    for p in $tree; do [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && left="$left $p"; done
    [ -z "$left" ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
      break
    fi
    sleep 0.1
  done
}

# Serves a Worker with `wrangler dev` (on Node 22) on 127.0.0.1 and a free port (WRANGLER_PORT when
# set), with a Durable Object state of its own, and waits until GET <ready path> answers; then
# `wrangler_base` is its URL. On every exit of the script, stops wrangler (and so its workerd) by PID and
# removes its log and state; when the script fails, prints the end of wrangler's log first.
# Usage: serve_wrangler_dev <name, for messages> <ready path> <arguments of wrangler dev…>
serve_wrangler_dev() {
  local ready="$2"
  wrangler_name="$1"
  shift 2
  wrangler_pid=""
  wrangler_log="$(mktemp -t "edge-sse-$wrangler_name.XXXXXX.log")"
  wrangler_state="$(mktemp -d -t "edge-sse-$wrangler_name-state.XXXXXX")"
  trap stop_wrangler_dev EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local port="${WRANGLER_PORT:-$(free_port)}"
  "$RT_NODE22" "$RT_WRANGLER" dev "$@" \
    --ip 127.0.0.1 --port "$port" --inspector-ip 127.0.0.1 --inspector-port "$(free_port)" \
    --show-interactive-dev-session=false --log-level warn --persist-to "$wrangler_state" \
    </dev/null >"$wrangler_log" 2>&1 &
  wrangler_pid=$!
  wrangler_base="http://127.0.0.1:$port"
  if ! wait_http "$wrangler_base$ready" 60 "$wrangler_pid"; then
    echo "$wrangler_name: wrangler dev did not answer on $wrangler_base within 60 s" >&2
    exit 1
  fi
}

# The EXIT trap of serve_wrangler_dev.
stop_wrangler_dev() {
  local status=$?
  trap - EXIT INT TERM
  # wrangler stops its workerd on SIGTERM; stop_tree kills what is left after 15 s.
  [ -z "$wrangler_pid" ] || stop_tree "$wrangler_pid" 15
  if [ "$status" -ne 0 ]; then
    echo "$wrangler_name: failed (exit $status); wrangler's log:" >&2
    tail -n 40 "$wrangler_log" >&2 || true
  fi
  rm -f "$wrangler_log"
  rm -rf "$wrangler_state"
  exit "$status"
}
