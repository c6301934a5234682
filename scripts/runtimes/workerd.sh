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
# Bounded: the slowest case takes ~25 s; the whole run ~1 min.
exec timeout --kill-after=10 300 "$RT_NODE22" "$RT_VITEST" run --config test/runtimes/workerd/vitest.config.ts "$@"
