/** A chat message as a client posts it: who wrote it and what they wrote. */
export interface ChatPost {
  readonly name: string;
  readonly text: string;
}

/** The longest name and message text the chat takes, in UTF-16 code units after trimming. */
export const CHAT_LIMITS = { name: 40, text: 500 } as const;

const KEYS: ReadonlySet<string> = new Set(["name", "text"]);
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks a posted JSON body and returns it as a `ChatPost`, both strings trimmed.
 *
 * @throws {TypeError} naming the field and what was wrong with it: not an object, an unknown key, a
 *   value that is not a string, an empty or too long string, or a name with line breaks or control characters
 * @example
 * ```ts
 * readChatPost({ name: " ada ", text: "hello" }); // { name: "ada", text: "hello" }
 * readChatPost({ name: "ada", text: 42 });        // TypeError: `text` must be a string (got number)
 * ```
 */
export function readChatPost(body: unknown): ChatPost {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TypeError(`The body must be a JSON object { name, text } (got ${describe(body)})`);
  }
  for (const key of Object.keys(body)) {
    if (!KEYS.has(key)) throw new TypeError(`Unknown field \`${key.slice(0, 40)}\` (expected name and text)`);
  }
  const { name, text } = body as Record<string, unknown>;
  const post = { name: readText("name", name, CHAT_LIMITS.name), text: readText("text", text, CHAT_LIMITS.text) };
  if (CONTROL.test(post.name)) throw new TypeError("`name` must be one line without control characters");
  return post;
}

function readText(field: string, value: unknown, max: number): string {
  if (typeof value !== "string") throw new TypeError(`\`${field}\` must be a string (got ${describe(value)})`);
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) {
    throw new TypeError(`\`${field}\` must be 1 to ${max} characters (got ${trimmed.length})`);
  }
  return trimmed;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}
