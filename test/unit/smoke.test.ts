import { expect, test } from "vitest";
import { DataStream } from "../../src/index.ts";
import { collectText } from "../helpers/collect.ts";
import { parseWire } from "../helpers/parse.ts";

test("DataStream sends the first bytes then each yielded string as one event", async () => {
  const text = await collectText(new DataStream(["a", "b"], { keepAlive: false }).toReadableStream());
  expect(text).toBe(":\n\ndata: a\n\ndata: b\n\n");
  expect(parseWire(text).events.map((e) => e.data)).toEqual(["a", "b"]);
});
