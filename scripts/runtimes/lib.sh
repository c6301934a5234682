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
