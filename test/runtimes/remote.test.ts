// The runtime suite against a server that is already running, over real HTTP: BASE_URL=http://127.0.0.1:PORT.
// scripts/runtimes/wrangler-dev.sh starts `wrangler dev` on test/runtimes/workerd/wrangler.toml and runs this with
// Node 22's node:test: `BASE_URL=… node22 --import tsx --test test/runtimes/remote.test.ts`.
// RUNTIME_LABEL names the server in the test names (default: "remote").
import { test } from "node:test";
import { cases, type SuiteTarget } from "./suite.ts";

const base = process.env["BASE_URL"]?.replace(/\/+$/, "");
if (!base) throw new Error("Set BASE_URL to the server under test, e.g. BASE_URL=http://127.0.0.1:8805");
const label = process.env["RUNTIME_LABEL"] ?? "remote";
const target: SuiteTarget = { fetch: (path, init) => fetch(base + path, init) };

for (const suiteCase of cases) {
  test(`${label}: ${suiteCase.name}`, { timeout: suiteCase.timeoutMs }, () => suiteCase.run(target));
}
