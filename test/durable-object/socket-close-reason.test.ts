// How the object reads why a subscriber's stream ended from the close of its socket (the Worker writes the
// reason with closeReasonOf): the reasons of onLeave and metrics.closed for socket subscribers.
import { expect, test } from "vitest";
import { closeReasonOf, closeTypeOf } from "../../src/durable-object/socket-close-reason.ts";

test("closeTypeOf reads back each reason closeReasonOf writes", () => {
  for (const type of ["done", "client-gone", "error", "overflow", "expired"] as const) {
    expect(closeTypeOf(1000, closeReasonOf(type))).toBe(type);
  }
});

test("closeTypeOf takes a malformed frame or a failed socket as an error, and a close without a word as a client gone", () => {
  expect(closeTypeOf(1007, "malformed frame")).toBe("error");
  expect(closeTypeOf(1011, "the socket failed")).toBe("error");
  expect(closeTypeOf(1006, "")).toBe("client-gone");
  expect(closeTypeOf(1000, "the event stream has ended (bored)")).toBe("client-gone");
});
