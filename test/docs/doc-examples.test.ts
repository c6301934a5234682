import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

// Runs every ```ts example in README.md and in the JSDoc of src/ (those marked `ignore` start servers
// and are only type-checked by reading). `console.assert` is made to throw, so a wrong example fails.
const root = fileURLToPath(new URL("../../", import.meta.url));
const generated = fileURLToPath(new URL("./.generated/", import.meta.url));

interface Example {
  name: string;
  code: string;
}

function fencedBlocks(text: string, origin: string): Example[] {
  const examples: Example[] = [];
  const fence = /```ts( ignore)?\n([\s\S]*?)```/g;
  for (let match = fence.exec(text), index = 1; match !== null; match = fence.exec(text), index++) {
    if (match[1] === undefined) examples.push({ name: `${origin} #${index}`, code: match[2] ?? "" });
  }
  return examples;
}

function jsDocText(source: string): string {
  return (source.match(/\/\*\*[\s\S]*?\*\//g) ?? [])
    .map((comment) =>
      comment
        .split("\n")
        .map((line) => line.replace(/^\s*\/?\*+\/? ?/, ""))
        .join("\n"),
    )
    .join("\n");
}

const examples: Example[] = [
  ...fencedBlocks(readFileSync(`${root}README.md`, "utf8"), "README.md"),
  ...readdirSync(`${root}src`, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .flatMap((file) => fencedBlocks(jsDocText(readFileSync(`${root}src/${file}`, "utf8")), `src/${file}`)),
];

const PRELUDE = `const console = { ...globalThis.console, assert(condition: unknown, ...message: unknown[]): void {
  if (!condition) throw new Error("Example assertion failed" + (message.length ? ": " + message.join(" ") : ""));
} };\n`;

test("The docs hold runnable examples", () => {
  expect(examples.length).toBeGreaterThanOrEqual(15);
  expect(examples.every((example) => example.code.includes("console.assert"))).toBe(true);
});

test.each(examples)("The example in $name runs and its assertions hold", async ({ name, code }) => {
  mkdirSync(generated, { recursive: true });
  const file = `${generated}${name.replace(/[^a-z0-9]+/gi, "-")}.ts`;
  writeFileSync(file, PRELUDE + code);
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    rmSync(file, { force: true });
  }
});
