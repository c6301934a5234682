#!/usr/bin/env bash
# Installs the framework examples that have their own package.json and lockfile (so that their frameworks
# weigh on no one's `npm ci`): examples/next (Next.js, React) and examples/elysia (Elysia). `npm ci` in each,
# only when its lockfile changed since the last install here.   bash scripts/install-examples.sh [next|elysia…]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(next elysia)

for name in "${names[@]}"; do
  dir="$repo/examples/$name"
  if [ ! -f "$dir/package-lock.json" ]; then
    echo "install-examples: examples/$name has no package-lock.json (next, elysia)" >&2
    exit 2
  fi
  stamp="$dir/node_modules/.edge-sse-lock-$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
  if [ -f "$stamp" ]; then
    echo "install-examples: examples/$name is installed"
    continue
  fi
  echo "install-examples: npm ci in examples/$name"
  started=$SECONDS
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
  echo "install-examples: examples/$name installed in $((SECONDS - started)) s"
done
