#!/usr/bin/env bash
# Runs the runtime suite (test/runtimes/suite.ts) on every runtime and prints a case × runtime matrix:
# Node 18, 20 and 22 (node:test, against the built dist/), Deno (deno test, against src/), Bun (bun test,
# against src/), then, when their scripts exist, workerd (scripts/runtimes/workerd.sh) and wrangler dev
# (scripts/runtimes/wrangler-dev.sh). Two runtimes run at a time; the two Workers runs never overlap.
# Node, Deno and Bun also run the Redis cases (test/runtimes/redis-suite.ts: edge-sse/redis with node-redis and
# with ioredis), each against a redis-server its runner starts on a free port; they show as a block of their own
# ("n/a" where a runtime has no Redis client: workerd, wrangler dev). Node, Deno, Bun and workerd also run the
# client's cases (test/runtimes/client-suite.ts: edge-sse/client against the runtime's own server), listed with the suite.
# Ends with `N passed, N failed` (runtime × case cells) and exits non-zero when a cell failed, a case has
# no result, or a runtime produced no results at all.
#
#   npm run test:runtimes                 # builds dist/, then runs this
#   bash scripts/test-runtimes.sh         # uses the dist/ that is there
#   RT_REQUIRE_WORKERS=1 bash scripts/test-runtimes.sh   # a missing Workers script is a failure
#   RT_ONLY="node18 deno" bash scripts/test-runtimes.sh  # a subset (the others count as not run)
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
started=$SECONDS

# Another shell may be installing the runtimes right now: wait for its stamp instead of starting a second
# npm install in the same folder (install-runtimes.sh installs whenever the stamp is missing).
rt_dir="${EDGE_SSE_RUNTIMES:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-sse/runtimes}"
stamp="$rt_dir/.installed-$(sha256sum "$repo/runtimes/package.json" | cut -c1-16)"
installing() {
  local p
  for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$rt_dir" ] && return 0; done
  return 1
}
if [ ! -f "$stamp" ] && installing; then
  echo "runtimes: an install into $rt_dir is under way; waiting for it (at most 15 min)"
  for _ in $(seq 1 900); do { [ -f "$stamp" ] || ! installing; } && break; sleep 1; done
fi
# shellcheck source=install-runtimes.sh
source "$repo/scripts/install-runtimes.sh" || { echo "runtimes: installing the runtimes failed" >&2; exit 1; }
set +e -uo pipefail # install-runtimes.sh sets -e: a failing runtime must not cut the matrix short
export NO_COLOR=1 # (not FORCE_COLOR=0: Deno reads any FORCE_COLOR as "colour on")

dir="$(mktemp -d -t edge-sse-runtimes.XXXXXX)"
echo "runtimes: logs in $dir"

# Node runs the suite against dist/ (TSX_TSCONFIG_PATH=tsconfig.dist.json drops the paths to src/).
if [ ! -f dist/index.js ] || [ ! -f dist/node.js ]; then
  echo "runtimes: dist/ is missing; building it (npm run build)"
  npm run build >"$dir/build.log" 2>&1 || { echo "runtimes: npm run build failed:"; tail -n 30 "$dir/build.log"; }
elif [ -n "$(find src -name '*.ts' -newer dist/index.js -print -quit)" ]; then
  echo "runtimes: warning: src/ changed after the last build; Node tests the older dist/ (npm run test:runtimes builds first)"
fi

node_entry() { # node_entry NODE [extra node flags…]
  local node="$1"; shift
  TSX_TSCONFIG_PATH=tsconfig.dist.json "$node" "$@" --import tsx --test --test-reporter=tap \
    test/runtimes/node.test.ts test/runtimes/redis-node.test.ts
}
run_job() { # run_job NAME: the command of one runtime
  case "$1" in
    node18) node_entry "$RT_NODE18" ;;
    node20) node_entry "$RT_NODE20" ;;
    node22) node_entry "$RT_NODE22" ;;
    # --allow-env and --allow-run=redis-server are for the Redis cases (deno.test.ts narrows each case's permissions).
    deno) "$RT_DENO" test --no-remote --allow-net=127.0.0.1 --allow-env --allow-run=redis-server test/runtimes/deno.test.ts ;;
    bun) "$RT_BUN" test ./test/runtimes/bun.test.ts ;;
    workerd) bash scripts/runtimes/workerd.sh --reporter=verbose ;; # vitest lists every test, not only slow ones
    wrangler-dev) bash scripts/runtimes/wrangler-dev.sh ;;
  esac
}

all=(node18 node20 node22 deno bun workerd wrangler-dev)
declare -A script=([workerd]=scripts/runtimes/workerd.sh [wrangler-dev]=scripts/runtimes/wrangler-dev.sh)
# The queue: the Workers runs first and last, so that they never wait on each other.
queue=(workerd node18 node20 deno bun node22 wrangler-dev)
: >"$dir/queue"
for job in "${queue[@]}"; do
  if [ -n "${RT_ONLY:-}" ] && [[ " $RT_ONLY " != *" $job "* ]]; then echo "not run" >"$dir/$job.status"; continue; fi
  if [ -n "${script[$job]:-}" ] && [ ! -f "${script[$job]}" ]; then
    if [ "${RT_REQUIRE_WORKERS:-0}" = 1 ]; then echo "missing" >"$dir/$job.status"; else echo "absent" >"$dir/$job.status"; fi
    continue
  fi
  echo "$job" >>"$dir/queue"
done

next_job() { # pops the next runtime off the queue (under a lock: two lanes share it)
  local job
  {
    flock 9
    job="$(head -n 1 "$dir/queue")"
    tail -n +2 "$dir/queue" >"$dir/queue.next" && mv "$dir/queue.next" "$dir/queue"
  } 9>"$dir/queue.lock"
  printf '%s' "$job"
}

run_one() {
  local job="$1" t0=$SECONDS rc workers=""
  [ -n "${script[$job]:-}" ] && workers=1
  if [ -n "$workers" ]; then # one Workers run at a time (ports, and CPU: each starts workerd)
    until mkdir "$dir/workers.lock" 2>/dev/null; do sleep 1; done
  fi
  # stdout and stderr apart, so a server's stderr never splits a runner's result line; the log is both.
  # timeout runs in its own process group: on a hang it kills the runner and everything it started.
  timeout --kill-after=10 420 bash -c "$(declare -f node_entry run_job); dir='$dir'; run_job $job" \
    >"$dir/$job.out" 2>"$dir/$job.err" </dev/null &
  local pid=$!
  echo "$pid" >"$dir/$job.pid"
  wait "$pid"
  rc=$?
  rm -f "$dir/$job.pid"
  [ -n "$workers" ] && rmdir "$dir/workers.lock"
  { cat "$dir/$job.out"; [ -s "$dir/$job.err" ] && { echo "----- stderr -----"; cat "$dir/$job.err"; }; } >"$dir/$job.log"
  echo "$rc" >"$dir/$job.rc"
  echo "ran" >"$dir/$job.status"
  if [ "$rc" = 0 ]; then
    echo "runtimes: ok   $job ($((SECONDS - t0)) s)"
  else
    {
      echo "runtimes: FAIL $job (exit $rc, $((SECONDS - t0)) s); log: $dir/$job.log"
      echo "---- $job: last lines of stdout ----"
      tail -n 40 "$dir/$job.out"
      if [ -s "$dir/$job.err" ]; then echo "---- $job: last lines of stderr ----"; tail -n 20 "$dir/$job.err"; fi
      echo "---- end of $job ----"
    } >"$dir/$job.report"
    cat "$dir/$job.report"
  fi
}
lane() { local job; while job="$(next_job)"; [ -n "$job" ]; do run_one "$job"; done; }

# On Ctrl-C or TERM, stop what this script started: the lanes, then the runners (timeout forwards the signal).
stop() {
  trap - INT TERM
  local f
  kill -TERM "$lane1" "$lane2" 2>/dev/null
  for f in "$dir"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
  wait
  echo "runtimes: interrupted; logs in $dir" >&2
  exit 130
}
lane & lane1=$!
lane & lane2=$!
trap stop INT TERM
wait "$lane1"; wait "$lane2"
trap - INT TERM

# The case names, from the suites themselves (Node 20 + tsx, against dist/ like the Node entry).
list_cases() { # list_cases MODULE EXPORT OUT
  TSX_TSCONFIG_PATH=tsconfig.dist.json "$RT_NODE20" --import tsx --input-type=module -e \
    "const { $2: cases } = await import(\"./$1\"); for (const c of cases) console.log(c.name);" \
    >"$dir/$3" 2>"$dir/$3.err" || { echo "runtimes: could not list the cases of $1:"; tail -n 20 "$dir/$3.err"; : >"$dir/$3"; }
}
list_cases test/runtimes/suite.ts cases cases.txt
list_cases test/runtimes/redis-suite.ts redisCases redis-cases.txt
list_cases test/runtimes/client-suite.ts clientCases client-cases.txt

# The matrix: parses each runner's output (node:test TAP and spec, deno test, bun test, vitest).
DIR="$dir" RUNTIMES="${all[*]}" REDIS_RUNTIMES="node18 node20 node22 deno bun" CLIENT_RUNTIMES="node18 node20 node22 deno bun workerd" WALL=$((SECONDS - started)) "$RT_NODE20" --input-type=module - <<'EOF'
import { existsSync, readFileSync } from "node:fs";
const dir = process.env.DIR;
const runtimes = process.env.RUNTIMES.split(" ");
const read = (file) => (existsSync(`${dir}/${file}`) ? readFileSync(`${dir}/${file}`, "utf8") : "");
// The client's cases (edge-sse/client against the runtime's server) count as suite cases, on the runtimes that run them.
const clientCases = read("client-cases.txt").split("\n").filter(Boolean);
const suiteCases = [...read("cases.txt").split("\n").filter(Boolean), ...clientCases];
const redisCases = read("redis-cases.txt").split("\n").filter(Boolean);
const cases = [...suiteCases, ...redisCases];
// The Redis cases run where a Redis client does (Node, Deno, Bun); elsewhere their cells are "not applicable".
const redisRuntimes = new Set(process.env.REDIS_RUNTIMES.split(" "));
const clientRuntimes = new Set(process.env.CLIENT_RUNTIMES.split(" "));
const applies = (row, runtime) =>
  (!redisCases.includes(row) || redisRuntimes.has(runtime)) && (!clientCases.includes(row) || clientRuntimes.has(runtime));
const REDIS_BLOCK = "edge-sse/redis, with a redis-server on 127.0.0.1:";

const PATTERNS = [
  // node:test TAP: `ok 3 - name`, `not ok 3 - name`, `ok 3 - name # SKIP`
  [/^\s*(not ok|ok) \d+ - (.*?)(?:\s+# (SKIP|TODO)\b.*)?$/, (m) => [m[3] ? "skip" : m[1] === "ok" ? "pass" : "fail", m[2].replace(/\\([#\\])/g, "$1")]],
  // deno test: `name ... ok (12ms)`, `name ... FAILED (12ms)`, `name ... ignored (0ms)`
  [/^(.*) \.\.\. (ok|FAILED|ignored)(?: \(.*\))?$/, (m) => [m[2] === "ok" ? "pass" : m[2] === "FAILED" ? "fail" : "skip", m[1]]],
  // bun test: `(pass) name [12.00ms]`
  [/^\((pass|fail|skip|todo)\) (.*?)(?: \[[^\]]*\])?$/, (m) => [m[1] === "pass" ? "pass" : m[1] === "fail" ? "fail" : "skip", m[2]]],
  // vitest (✓ × ↓) and node:test's spec reporter (✔ ✖ ﹣): `✓ file > name 12ms`
  [/^\s*([✓✔×✗✖↓﹣])\s+(.*?)(?:\s+\d+(?:\.\d+)?\s*m?s\)?|\s+\(\d+(?:\.\d+)?m?s\))?(?:\s+# SKIP.*)?$/u,
    (m) => [/[✓✔]/u.test(m[1]) ? "pass" : /[↓﹣]/u.test(m[1]) ? "skip" : "fail", m[2]]],
];
const NOT_A_TEST = [/^failing tests:?$/, /\(\d+ tests?(?: \| [^)]*)?\)$/, /^Test Files\b/, /^Tests\b/];

function results(text) {
  const found = [];
  for (const line of text.split("\n")) {
    for (const [pattern, toResult] of PATTERNS) {
      const m = pattern.exec(line.replace(/\x1b\[[0-9;]*m/g, "").replace(/\r$/, ""));
      if (!m) continue;
      const [status, name] = toResult(m);
      const trimmed = name.trim();
      if (trimmed && !NOT_A_TEST.some((p) => p.test(trimmed))) found.push({ status, name: trimmed });
      break;
    }
  }
  return found;
}
const caseOf = (name) => cases.find((c) => name === c || name.endsWith(c));

const columns = [];
const cells = new Map(); // row name → Map(runtime → status)
const notes = [];
const set = (row, runtime, status) => {
  if (!cells.has(row)) cells.set(row, new Map());
  const old = cells.get(row).get(runtime);
  // A case reported twice (a spec reporter's failure summary, a retry): one failure makes it fail.
  if (old === "fail" || (old === "pass" && status === "skip")) return;
  cells.get(row).set(runtime, status);
};
for (const c of cases) cells.set(c, new Map());
let otherPasses = 0;

for (const runtime of runtimes) {
  const status = read(`${runtime}.status`).trim();
  if (status === "absent") { notes.push(`${runtime}: not run, scripts/runtimes/${runtime}.sh does not exist`); continue; }
  if (status === "not run") { notes.push(`${runtime}: not run (RT_ONLY)`); continue; }
  columns.push(runtime);
  if (status === "missing") { notes.push(`${runtime}: FAILED, scripts/runtimes/${runtime}.sh does not exist (RT_REQUIRE_WORKERS=1)`); continue; }
  const rc = Number(read(`${runtime}.rc`).trim() || 1);
  const found = results(read(`${runtime}.log`));
  let failedCells = 0;
  for (const { status: s, name } of found) {
    const row = caseOf(name);
    if (row) { set(row, runtime, s); if (s === "fail") failedCells++; }
    else if (s === "fail") { set(name, runtime, s); failedCells++; } // a failing test outside the suite still shows
    else otherPasses++;
  }
  if (found.length === 0) notes.push(`${runtime}: FAILED, produced no test results (exit ${rc}); log: ${dir}/${runtime}.log`);
  else if (rc !== 0 && failedCells === 0 && cases.every((c) => cells.get(c).has(runtime) || !applies(c, runtime))) {
    set("(the runner's exit status)", runtime, "fail");
    notes.push(`${runtime}: every case passed, but the runner exited with ${rc}; log: ${dir}/${runtime}.log`);
  }
}
if (suiteCases.length === 0) notes.push("FAILED: the suite's case names could not be listed (see cases.txt.err)");
if (clientCases.length === 0) notes.push("FAILED: the client's cases could not be listed (see client-cases.txt.err)");
if (redisCases.length === 0) notes.push("FAILED: the Redis cases could not be listed (see redis-cases.txt.err)");

const mark = { pass: "✓", fail: "✗", skip: "–", missing: "?", "n/a": "n/a" };
let passed = 0, failed = 0;
const isCase = new Set(cases);
// The suite's cases, then the Redis block, then any failure outside both.
const order = [...suiteCases, ...redisCases, ...[...cells.keys()].filter((row) => !cases.includes(row))];
const rows = order.map((row) => [row, ...columns.map((runtime) => {
  // A suite case with no result counts as failed; an extra row (a failure outside the suite) only where it happened.
  const s = cells.get(row).get(runtime) ?? (!isCase.has(row) ? "none" : applies(row, runtime) ? "missing" : "n/a");
  if (s === "none") return "";
  if (s === "pass") passed++;
  if (s === "fail" || s === "missing") failed++;
  return mark[s];
})]);
const header = ["case", ...columns];
const width = header.map((h, i) => Math.max(h.length, i === 0 ? REDIS_BLOCK.length : 0, ...rows.map((r) => [...r[i]].length)));
const line = (r) => `| ${r.map((v, i) => v + " ".repeat(width[i] - [...v].length)).join(" | ")} |`;
console.log("");
const rule = `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`;
console.log(line(header));
console.log(rule);
for (const r of rows) {
  if (r[0] === redisCases[0] || (r[0] === order[cases.length] && !isCase.has(r[0]))) {
    console.log(rule);
    console.log(line([r[0] === redisCases[0] ? REDIS_BLOCK : "failures outside the cases:", ...columns.map(() => "")]));
  }
  console.log(line(r));
}
console.log("");
console.log("✓ passed · ✗ failed · ? no result (counts as failed) · – skipped · n/a not run there (no Redis client on Workers; the client's cases do not run through wrangler dev)");
for (const note of notes) console.log(note);
if (otherPasses > 0) console.log(`(${otherPasses} passing results outside the suite's cases, such as suite groups, are not in the table)`);
console.log(`wall time ${process.env.WALL} s, logs in ${dir}`);
console.log(`${passed} passed, ${failed} failed`);
const noResults = notes.some((n) => n.includes("FAILED"));
process.exit(failed > 0 || noResults || columns.length === 0 ? 1 : 0);
EOF
