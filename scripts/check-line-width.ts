/**
 * Fails when a line of the project's code is longer than MAX_LINE_WIDTH characters. Biome lays code
 * out at 120 columns but leaves alone what it cannot break (a string, a test name, a URL); this holds
 * those to a hard limit. Checks every tracked .ts, .tsx, .js and .mjs file (JSON cannot break a string).
 *
 * Run: `tsx scripts/check-line-width.ts` (part of `npm run lint`).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The longest line allowed, in UTF-16 code units. */
export const MAX_LINE_WIDTH = 160;

const CODE = /\.(ts|tsx|js|mjs)$/;
const files = execFileSync("git", ["ls-files", "-z"], { encoding: "utf8" })
  .split("\0")
  .filter((file) => CODE.test(file));

const long: string[] = [];
for (const file of files) {
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (line.length > MAX_LINE_WIDTH) long.push(`${file}:${index + 1}: ${line.length} characters`);
    });
}
if (long.length > 0) {
  console.error(`${long.length} line(s) longer than ${MAX_LINE_WIDTH} characters:\n${long.join("\n")}`);
  process.exit(1);
}
console.log(`${files.length} files, no line longer than ${MAX_LINE_WIDTH} characters`);
