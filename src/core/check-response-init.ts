import { describeValue } from "./describe-value.ts";

/** How the errors of `toResponse()` start. */
export const MAKE_RESPONSE = "Cannot make a Response";
const CONTEXT = MAKE_RESPONSE;

/**
 * Checks the `status` and `statusText` of a `ResponseInit` for a response with a body, as
 * `new Response()` would, but before anything is made, and with an error that names the field.
 * Stricter than `Response` in one way: it takes no value that `Response` would convert (`"201"`,
 * `200.5`, or `65736`, which becomes 200).
 *
 * @returns the checked `status` and `statusText`, read once, for the `Response` to use
 * @throws {TypeError} naming `init`, `init.status` or `init.statusText` and showing the bad value
 */
export function checkResponseInit(init: ResponseInit | undefined): { status: number; statusText: string } {
  if (init !== undefined && (typeof init !== "object" || init === null)) {
    throw new TypeError(
      `${CONTEXT}: \`init\` must be an object (a ResponseInit) or undefined (got ${describeValue(init)})`,
    );
  }
  // Each field read once: a getter must not pass the check with one value and reach Response with another.
  const { status = 200, statusText = "" }: { status?: unknown; statusText?: unknown } = init ?? {};
  // 204, 205 and 304 are statuses without a body.
  if (
    !(
      Number.isInteger(status) &&
      (status as number) > 199 &&
      (status as number) < 600 &&
      ![204, 205, 304].includes(status as number)
    )
  ) {
    throw new TypeError(
      `${CONTEXT}: \`init.status\` must be an integer from 200 to 599, not 204, 205 or 304 (got ${describeValue(status)})`,
    );
  }
  // [RFC 9110] reason-phrase: tabs, spaces, visible ASCII and obs-text.
  if (typeof statusText !== "string" || /[^\t\x20-\x7e\x80-\xff]/.test(statusText)) {
    throw new TypeError(
      `${CONTEXT}: \`init.statusText\` must be Latin-1 without control characters (got ${describeValue(statusText)})`,
    );
  }
  return { status: status as number, statusText };
}
