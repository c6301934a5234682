// Independent checkers for the OpenAPI output: @seriousme/openapi-schema-validator (the OpenAPI 3.2
// schema), Redocly's linter (its recommended rules), and ajv's JSON Schema 2020-12 build for events.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { EventSourceMessage } from "eventsource-parser";

const REDOCLY = fileURLToPath(new URL("../../node_modules/@redocly/cli/bin/cli.js", import.meta.url));

/** A whole OpenAPI document with one SSE operation whose response content is `mediaType`. */
export function openAPIDocument(mediaType: object, openapi = "3.2.0"): Record<string, unknown> {
  return {
    openapi,
    info: { title: "Market data", version: "1.0.0", license: { name: "MIT", identifier: "MIT" } },
    servers: [{ url: "https://api.market.test" }],
    security: [],
    paths: {
      "/quotes": {
        get: {
          operationId: "streamQuotes",
          summary: "Stream quotes",
          responses: {
            "200": { description: "The quotes, as server-sent events", content: { "text/event-stream": mediaType } },
            "400": { description: "A bad request" },
          },
        },
      },
    },
  };
}

/** What @seriousme/openapi-schema-validator says of a document. */
export async function validateOpenAPI(
  document: object,
): Promise<{ valid: boolean; errors?: unknown; version: string }> {
  const validator = new Validator();
  const result = await validator.validate(document as Parameters<Validator["validate"]>[0]);
  return { ...result, version: validator.version };
}

export interface RedoclyProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
}

/** Runs `redocly lint` (recommended rules, JSON output) on a document and returns its problems. */
export async function lintWithRedocly(document: object): Promise<RedoclyProblem[]> {
  const directory = mkdtempSync(join(tmpdir(), "edge-sse-openapi-"));
  const file = join(directory, "openapi.json");
  writeFileSync(file, JSON.stringify(document, null, 2));
  try {
    const run = await promisify(execFile)(process.execPath, [REDOCLY, "lint", file, "--format=json"], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
      timeout: 60_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(run.stdout) as { problems: RedoclyProblem[] };
    return report.problems.map(({ ruleId, severity, message }) => ({ ruleId, severity, message }));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * A checker of parsed events against an `itemSchema`, with ajv (JSON Schema 2020-12; `format` is an
 * annotation there, as ajv is told). ajv treats
 * `contentSchema` as an annotation, as the specification does by default, so the checker also parses
 * JSON data and validates it against the `contentSchema` of the event's branch.
 */
export function eventChecker(itemSchema: Record<string, unknown>): (item: Record<string, unknown>) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const validateItem = ajv.compile(itemSchema);
  // A second instance for the data: a contentSchema with an $id is already known to the first.
  const contentAjv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const branches = itemSchema["oneOf"] as Array<{
    properties: { event: { const: string }; data: Record<string, unknown> };
  }>;
  const validators = new Map(
    branches.flatMap((branch) => {
      const data = branch.properties.data;
      if (data["contentMediaType"] !== "application/json") return [];
      return [[branch.properties.event.const, contentAjv.compile(data["contentSchema"] as object)] as const];
    }),
  );
  return (item) => {
    const problems: string[] = [];
    if (!validateItem(item)) problems.push(ajv.errorsText(validateItem.errors));
    const validateData = validators.get(typeof item["event"] === "string" ? item["event"] : "message");
    if (validateData !== undefined && typeof item["data"] === "string") {
      let data: unknown;
      try {
        data = JSON.parse(item["data"]);
      } catch (error) {
        problems.push(`data: ${String(error)}`);
        return problems;
      }
      if (!validateData(data)) problems.push(`data: ${contentAjv.errorsText(validateData.errors)}`);
    }
    return problems;
  };
}

/**
 * An event as OpenAPI models it: the object of the fields an independent parser saw, without the
 * absent ones; `retry` is the value the parser reported for the event's frame, if any.
 */
export function eventItem(event: EventSourceMessage, retry?: number): Record<string, unknown> {
  const item: Record<string, unknown> = { data: event.data };
  if (event.event !== undefined) item["event"] = event.event;
  if (event.id !== undefined) item["id"] = event.id;
  if (retry !== undefined) item["retry"] = retry;
  return item;
}
