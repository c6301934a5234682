import type { StandardSchemaV1Issue } from "./standard-schema.ts";

/** How many issues an error lists before it says how many more there are. */
const MAX_LISTED = 10;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Lists a validator's issues, one per line, each after the path of the value it is about, written
 * from `data`: `  - data.items[0].name: Required`.
 */
export function describeIssues(issues: ReadonlyArray<StandardSchemaV1Issue>): string {
  // A loop, not slice(): some vendors' issue lists are Array subclasses whose constructors want other arguments.
  const lines: string[] = [];
  for (let index = 0; index < issues.length && index < MAX_LISTED; index++) {
    const issue = issues[index];
    if (issue !== undefined) lines.push(`  - ${describePath(issue.path)}: ${issue.message}`);
  }
  if (issues.length > MAX_LISTED) lines.push(`  - … and ${issues.length - MAX_LISTED} more`);
  return lines.join("\n");
}

/** `data`, `data.user.name`, `data.items[0]`, `data["a key"]`. */
function describePath(path: StandardSchemaV1Issue["path"]): string {
  let text = "data";
  for (const segment of path ?? []) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string") text += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    else text += `[${String(key)}]`;
  }
  return text;
}
