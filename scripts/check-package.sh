#!/usr/bin/env bash
# The package checks CI runs after a build (`npm run check:package` builds first, then runs this):
# what npm and JSR users get must resolve, type-check, stay in step, and stay small.
# Each step prints one line; a failing step prints its output under that line. Every step runs, even
# after a failure; the exit status is non-zero when any step failed.
# Needs no network: publint and attw pack locally (`npm pack`, tarball removed), and
# `deno publish --dry-run` and `deno check` read only local files (all four verified in a network
# namespace with no interface up). Deno comes from
# scripts/install-runtimes.sh (installed once, outside the repo, from the npm registry).
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1 # (not FORCE_COLOR=0: Deno takes any FORCE_COLOR as "force")
bin=node_modules/.bin
logs="$(mktemp -d "${TMPDIR:-/tmp}/edge-sse-check-package.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0

# step LABEL COMMAND...: runs COMMAND with its output in a log. The one-line result is the log's last
# line that starts with "=> " (the step's own summary), else (on failure) its first error line, else
# its last non-empty line.
step() {
  local label="$1" log="$logs/$((passed + failed)).log" summary
  shift
  "$@" >"$log" 2>&1
  local status=$?
  summary="$(grep -E '^=> ' "$log" | tail -n 1 | cut -c4-)"
  [ -n "$summary" ] || [ "$status" -eq 0 ] || summary="$(grep -m 1 -E '\[ERROR\]|(^|[[:space:]])error:|Error:' "$log")"
  [ -n "$summary" ] || summary="$(grep -vE '^\s*$' "$log" | tail -n 1)"
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'PASS  %s: %s\n' "$label" "$summary"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s: %s\n' "$label" "$summary"
    grep -vE '^=> |^npm warn Unknown (user|env) config "nodedir"' "$log" | sed 's/^/      /'
  fi
}

# (a) publint, warnings as errors. It packs the directory with `npm pack` and removes the tarball.
publint_strict() {
  local out="$logs/publint.out"
  "$bin/publint" run --strict . >"$out" 2>&1
  local status=$?
  cat "$out"
  [ "$status" -eq 0 ] || return "$status"
  echo "=> $(grep -vE '^\s*$' "$out" | tail -n 1) (strict: warnings count as errors)"
}

# (b) attw on the packed tarball. Profile esm-only: the package is ESM-only on purpose ("type": "module",
# "types" + "default" conditions, no CJS build), so the node10 resolution (ignores `exports`) and
# require() from CJS are out of scope; node16-from-ESM and bundler resolution must be clean.
attw_pack() {
  "$bin/attw" --pack . --profile esm-only --format table-flipped --no-color || return
  echo "=> types resolve for every export (node16 from ESM, bundler); node10 and CJS require ignored: ESM-only by design"
}

# (d) the size budgets. Its "core: …" and "client: …" lines are the summary; on failure the per-module tables show where.
size_budget() {
  local out="$logs/size.out"
  "$bin/tsx" scripts/size.ts >"$out" 2>&1
  local status=$?
  cat "$out"
  echo "=> $(grep -E '^(core|client): ' "$out" | paste -sd ';' - | sed 's/;/; /' | grep . || echo 'no size reported')"
  return "$status"
}

# Deno for (e) and (f): installed (once) by a child shell, so a failed install fails here and never
# leaves its "installed" stamp behind; then sourced for $RT_DENO and DENO_DIR (a no-op when installed).
deno_setup() {
  bash scripts/install-runtimes.sh || return
  # shellcheck source=install-runtimes.sh
  source scripts/install-runtimes.sh || return
  set +e # install-runtimes.sh sets -euo pipefail; this script runs every step, so it keeps -uo pipefail
  [ -x "$RT_DENO" ] || { echo "deno not found at $RT_DENO"; return 1; }
}
deno_missing() {
  cat "$logs/deno-setup.log"
  echo "=> Deno is not available, so this step could not run (scripts/install-runtimes.sh failed, output above)"
  return 1
}

# (e) JSR: the full dry run (type check, slow-types check, the file list JSR would get). It needs no
# network while nothing in src/ or deno.json imports jsr:, npm: or https: modules.
jsr_dry_run() {
  [ -n "${RT_DENO:-}" ] || { deno_missing; return; }
  "$RT_DENO" publish --dry-run --allow-dirty || return
  echo "=> dry run of $(node -p 'const d = require("./deno.json"); `${d.name}@${d.version}`') complete ($("$RT_DENO" --version | head -n 1))"
}

# (f) the code in JSDoc @example blocks and in README.md, type-checked by Deno. "edge-sse" resolves
# through deno.json `imports` to ./src/index.ts. Deno skips fences marked `ignore` (```ts ignore:
# snippets that start servers). src/node.ts is checked too: Deno types node:* from node_modules/@types/node.
doc_check() {
  [ -n "${RT_DENO:-}" ] || { deno_missing; return; }
  local out="$logs/doc.out" readme jsdoc ignored
  "$RT_DENO" check --doc --no-remote --config deno.json src/ README.md 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$out"
  local status=${PIPESTATUS[0]}
  cat "$out"
  [ "$status" -eq 0 ] || return "$status"
  readme="$(grep -cE '^Check README\.md#' "$out")"
  jsdoc="$(grep -cE '^Check src/.*#' "$out")"
  ignored="$(find src -name '*.ts' -exec cat README.md {} + | grep -cE '^[[:space:]*]*```(ts|typescript|js|javascript)[[:space:]]+ignore')"
  if [ "$readme" -eq 0 ] || [ "$jsdoc" -eq 0 ]; then
    echo "=> found no examples to check (README.md: $readme, JSDoc: $jsdoc); did Deno's doc extraction change?"
    return 1
  fi
  echo "=> $((readme + jsdoc)) examples type-check ($jsdoc in JSDoc, $readme in README.md); $ignored \`ignore\` fences skipped"
}

step "(a) publint --strict" publint_strict
step "(b) attw --pack --profile esm-only" attw_pack
step "(c) exports: package.json <-> deno.json" "$bin/tsx" scripts/check-exports.ts
step "(d) size budget" size_budget
deno_setup >"$logs/deno-setup.log" 2>&1 || unset RT_DENO
set +e
step "(e) JSR: deno publish --dry-run" jsr_dry_run
step "(f) doc examples: deno check --doc src/ README.md" doc_check

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
