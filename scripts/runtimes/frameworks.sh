#!/usr/bin/env bash
# The framework tests that need an install of their own (scripts/install-examples.sh installs it, once per
# lockfile): Elysia on Bun (bun test, in process) and Next.js (node:test around `npm run example:next`: next
# build, then next start on a free port), each counted as tests, plus the Elysia example's type-check (with
# Bun's types, counted as one more). Express and Fastify are tested by `npm test` (test/examples/).
# Prints each runner's output, one line per framework, and ends with `N passed, N failed` (tests).
#   bash scripts/runtimes/frameworks.sh [elysia] [next]
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
source scripts/install-runtimes.sh || { echo "frameworks: installing the runtimes failed" >&2; exit 1; }
set +e
export NO_COLOR=1 NEXT_TELEMETRY_DISABLED=1

names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(elysia next)
logs="$(mktemp -d -t edge-sse-frameworks.XXXXXX)"
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0
summary=()

for name in "${names[@]}"; do
  started=$SECONDS
  log="$logs/$name.log"
  if ! bash scripts/install-examples.sh "$name" >"$log" 2>&1; then
    cat "$log"
    summary+=("$(printf 'frameworks: %-7s FAIL  the install failed' "$name")")
    failed=$((failed + 1))
    continue
  fi
  case "$name" in
    elysia)
      checked=0
      echo "frameworks: tsc -p examples/elysia/tsconfig.check.json" >>"$log"
      node_modules/.bin/tsc -p examples/elysia/tsconfig.check.json >>"$log" 2>&1 || checked=1
      "$RT_BUN" test ./test/frameworks/elysia.test.ts >>"$log" 2>&1
      status=$?
      pass=$(awk '/^ *[0-9]+ pass$/ { print $1 }' "$log" | tail -n 1)
      fail=$(awk '/^ *[0-9]+ fail$/ { print $1 }' "$log" | tail -n 1)
      if [ "$checked" -eq 0 ]; then pass=$((${pass:-0} + 1)); else fail=$((${fail:-0} + 1)); fi
      version="elysia $(node -p 'require("./examples/elysia/node_modules/elysia/package.json").version') on bun $("$RT_BUN" --version)"
      ;;
    next)
      node --import tsx --test --test-reporter=tap test/frameworks/next.test.ts >>"$log" 2>&1
      status=$?
      pass=$(awk '/^# pass / { print $3 }' "$log" | tail -n 1)
      fail=$(awk '/^# fail / { print $3 }' "$log" | tail -n 1)
      version="next $(node -p 'require("./examples/next/node_modules/next/package.json").version') on node $(node -v)"
      ;;
    *)
      echo "frameworks: unknown framework $name (elysia, next)" >&2
      failed=$((failed + 1))
      continue
      ;;
  esac
  cat "$log"
  pass=${pass:-0}
  fail=${fail:-0}
  # A runner that failed without a failing test (it did not start, or a hook failed) counts as one failure.
  [ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
  [ "$pass" -gt 0 ] || [ "$fail" -gt 0 ] || fail=1
  passed=$((passed + pass))
  failed=$((failed + fail))
  word=ok
  [ "$fail" -eq 0 ] || word=FAIL
  summary+=("$(printf 'frameworks: %-7s %-4s  %s passed, %s failed (%s; %s s)' "$name" "$word" "$pass" "$fail" "$version" "$((SECONDS - started))")")
done

printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
