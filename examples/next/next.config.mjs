// The example imports edge-sse's source and the demo's shared modules from outside this folder
// (tsconfig.json `paths`): Turbopack and the output tracing must see the whole repository.
import { fileURLToPath } from "node:url";

const repository = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("next").NextConfig} */
const config = {
  turbopack: { root: repository },
  outputFileTracingRoot: repository,
};

export default config;
