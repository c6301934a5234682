#!/usr/bin/env bash
# Starts one example on 127.0.0.1 (port $PORT, default 8787): `npm run example:<name>` runs this.
#   bash scripts/run-example.sh deno|bun|workers|hono|express|fastify|elysia|next [extra arguments for the runtime]
# Deno, Bun and wrangler come from scripts/install-runtimes.sh (installed outside the repo, once);
# the Hono, Express and Fastify examples run on this Node with the repo's devDependencies; Elysia and Next.js
# have their own install (scripts/install-examples.sh, once per lockfile). The server replaces this shell
# (exec), so its PID is this script's PID and Ctrl+C / SIGTERM reach it directly.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
name="${1:-}"
shift || true
export PORT="${PORT:-8787}"

case "$name" in
  deno)
    source scripts/install-runtimes.sh >&2
    # deno.json maps "edge-sse" to src/. --unstable-no-legacy-abort: request.signal aborts only when the
    # client leaves, not after every finished response (Deno's legacy behaviour).
    exec "$RT_DENO" run --config deno.json --unstable-no-legacy-abort \
      --allow-net=127.0.0.1 --allow-env=PORT "$@" examples/deno/server.ts
    ;;
  bun)
    source scripts/install-runtimes.sh >&2
    # Bun maps "edge-sse" to src/ through tsconfig.json `paths`.
    exec "$RT_BUN" "$@" examples/bun/server.ts
    ;;
  workers)
    source scripts/install-runtimes.sh >&2
    # wrangler.toml (repo root) points at examples/workers/worker.ts. wrangler 4.164 needs Node >= 22.12.
    interactive=()
    [ -t 0 ] || interactive=(--show-interactive-dev-session=false)
    exec "$RT_NODE22" "$RT_WRANGLER" dev --config wrangler.toml --ip 127.0.0.1 --port "$PORT" "${interactive[@]}" "$@"
    ;;
  hono | express | fastify)
    # One process (node --import tsx, not the tsx CLI, which would start a second one).
    exec node --import tsx "$@" "examples/$name/server.ts"
    ;;
  elysia)
    source scripts/install-runtimes.sh >&2
    bash scripts/install-examples.sh elysia >&2
    # Bun maps "edge-sse" to src/ through tsconfig.json `paths`; Elysia comes from examples/elysia/node_modules.
    exec "$RT_BUN" "$@" examples/elysia/server.ts
    ;;
  next)
    bash scripts/install-examples.sh next >&2
    cd examples/next
    # A production build, then `next start`. Next needs no network for either; no telemetry is sent.
    export NEXT_TELEMETRY_DISABLED=1
    node_modules/.bin/next build >&2
    exec node_modules/.bin/next start --hostname 127.0.0.1 --port "$PORT" "$@"
    ;;
  *)
    echo "usage: bash scripts/run-example.sh deno|bun|workers|hono|express|fastify|elysia|next [runtime arguments]" >&2
    exit 2
    ;;
esac
