#!/usr/bin/env bash
# Starts every runtime example the way `npm run example:<name>` does (scripts/run-example.sh), each on a free
# port on 127.0.0.1, and checks that it serves the demo: GET / is the HTML page with its EventSource, and
# GET /events delivers at least 2 events with ids within a few seconds; the chat (a Channel): GET /chat is
# its page, and a message POSTed to /chat/messages comes back on /chat/events. Also type-checks the Deno example.
# The Next.js example is started the same way by its own test (scripts/runtimes/frameworks.sh), which checks more
# and builds it only once. Prints one line per example; exits non-zero if any fails.
#   bash scripts/runtimes/examples.sh [name…]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/scripts/install-runtimes.sh"
source "$repo/scripts/runtimes/lib.sh"
cd "$repo"
export WRANGLER_SEND_METRICS=false NO_COLOR=1 CI=true

READ_SECONDS=4
server_pid=""
logs="$(mktemp -d -t edge-sse-examples.XXXXXX)"
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$server_pid" ] || stop_tree "$server_pid" 15
  rm -rf "$logs"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Counts the events (blank-line separated blocks) of an event stream that have both an id and data.
events_with_ids() {
  awk 'BEGIN { RS = ""; n = 0 } /(^|\n)id: [^\n]+/ && /(^|\n)data:/ { n++ } END { print n }' "$1"
}

# check_stream URL FILE: reads URL for READ_SECONDS; fails unless >= 2 events with ids arrived.
check_stream() {
  curl -s -N --max-time "$READ_SECONDS" -o "$2" "$1" || true
  [ "$(events_with_ids "$2")" -ge 2 ]
}

# check_chat BASE: a message posted to the chat reaches a listener of /chat/events.
check_chat() {
  local page
  page="$(curl -s --max-time 5 "$1/chat" || true)"
  [[ "$page" == *'new EventSource("/chat/events")'* ]] || { echo "GET /chat is not the chat page"; return 1; }
  curl -s -N --max-time 3 -o "$logs/chat.txt" "$1/chat/events" & local listener=$!
  sleep 1
  curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    -d '{"name":"ci","text":"hello from the examples check"}' "$1/chat/messages" >"$logs/chat-post.txt" || true
  wait "$listener" || true
  [ "$(cat "$logs/chat-post.txt")" = 201 ] || { echo "POST /chat/messages answered $(cat "$logs/chat-post.txt")"; return 1; }
  grep -q 'hello from the examples check' "$logs/chat.txt" || { echo "the posted message did not reach /chat/events"; return 1; }
}

# check_example NAME [runtime arguments…]: prints one line, returns non-zero on failure.
check_example() {
  local name="$1" port started up elapsed failure="" log page n extra=""
  shift
  port="$(free_port)"
  log="$logs/$name.log"
  started=$SECONDS
  PORT="$port" bash scripts/run-example.sh "$name" "$@" </dev/null >"$log" 2>&1 &
  server_pid=$!
  local base="http://127.0.0.1:$port"
  if ! wait_http "$base/" 60 "$server_pid"; then
    failure="did not answer on $base within 60 s"
  else
    up=$((SECONDS - started))
    page="$(curl -s --max-time 5 -D "$logs/$name.headers" "$base/" || true)"
    if ! grep -qi '^content-type: text/html' "$logs/$name.headers" || [[ "$page" != *'new EventSource("/events")'* ]]; then
      failure="GET / is not the demo page"
    elif [ "$name" = hono ]; then
      # The Hono example also serves Hono's own streamSSE, for comparison: read both at once.
      check_stream "$base/hono-sse" "$logs/hono-sse.txt" & local other=$!
      check_stream "$base/events" "$logs/$name.txt" || failure="GET /events: fewer than 2 events with ids in $READ_SECONDS s"
      wait "$other" || failure="${failure:+$failure; }GET /hono-sse: fewer than 2 events with ids in $READ_SECONDS s"
      extra=", /hono-sse $(events_with_ids "$logs/hono-sse.txt") events"
    else
      check_stream "$base/events" "$logs/$name.txt" || failure="GET /events: fewer than 2 events with ids in $READ_SECONDS s"
    fi
    [ -n "$failure" ] || failure="$(check_chat "$base")" || true
  fi
  stop_tree "$server_pid" 15
  server_pid=""
  elapsed=$((SECONDS - started))
  if [ -z "$failure" ]; then
    n="$(events_with_ids "$logs/$name.txt")"
    printf 'examples: %-8s ok    page ok, /events %s events with ids in %s s%s, chat ok (up in %s s, %s s in all)\n' \
      "$name" "$n" "$READ_SECONDS" "$extra" "$up" "$elapsed"
    return 0
  fi
  printf 'examples: %-8s FAIL  %s (%s s)\n' "$name" "$failure" "$elapsed"
  sed 's/^/    /' "$log" | tail -n 30 >&2
  [ ! -f "$logs/$name.txt" ] || { echo "    /events got:" >&2; head -c 600 "$logs/$name.txt" | sed 's/^/    /' >&2; }
  return 1
}

names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(deno bun workers hono express fastify elysia)
failed=0
for name in "${names[@]}"; do
  case "$name" in
    deno)
      if "$RT_DENO" check --quiet --config deno.json examples/deno/server.ts >"$logs/deno-check.log" 2>&1; then
        echo "examples: deno     ok    deno check examples/deno/server.ts"
      else
        echo "examples: deno     FAIL  deno check examples/deno/server.ts"; sed 's/^/    /' "$logs/deno-check.log" >&2; failed=1
      fi
      check_example deno || failed=1
      ;;
    workers) check_example workers --inspector-ip 127.0.0.1 --inspector-port "$(free_port)" || failed=1 ;;
    bun | hono | express | fastify | elysia) check_example "$name" || failed=1 ;;
    *) echo "examples: unknown example $name (deno, bun, workers, hono, express, fastify, elysia)" >&2; failed=1 ;;
  esac
done
exit "$failed"
