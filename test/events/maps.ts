// The same event map written with zod, valibot and arktype: a trade quote (JSON), a market status
// (plain text) and the default event, so each test runs over every validator.
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import * as z from "zod";
import { defineEvents, type EventBuilderFields, type Message } from "edge-sse";

export const zodEvents = defineEvents({
  quote: {
    schema: z.object({
      symbol: z.string().min(1),
      price: z.number().nonnegative(),
      size: z.number().int().positive(),
      side: z.enum(["buy", "sell"]),
      at: z.string(),
    }),
    description: "A new price for one symbol",
  },
  status: { schema: z.enum(["open", "closed"]), encoding: "text", description: "The market opened or closed" },
  message: z.object({ text: z.string() }),
});

export const valibotEvents = defineEvents({
  quote: {
    schema: toStandardJsonSchema(
      v.object({
        symbol: v.pipe(v.string(), v.minLength(1)),
        price: v.pipe(v.number(), v.minValue(0)),
        size: v.pipe(v.number(), v.integer(), v.minValue(1)),
        side: v.picklist(["buy", "sell"]),
        at: v.string(),
      }),
    ),
    description: "A new price for one symbol",
  },
  status: {
    schema: toStandardJsonSchema(v.picklist(["open", "closed"])),
    encoding: "text",
    description: "The market opened or closed",
  },
  message: toStandardJsonSchema(v.object({ text: v.string() })),
});

export const arktypeEvents = defineEvents({
  quote: {
    schema: type({
      symbol: "string > 0",
      price: "number >= 0",
      size: "number.integer > 0",
      side: "'buy' | 'sell'",
      at: "string",
    }),
    description: "A new price for one symbol",
  },
  status: { schema: type("'open' | 'closed'"), encoding: "text", description: "The market opened or closed" },
  message: type({ text: "string" }),
});

export const MAPS = [
  { vendor: "zod", events: zodEvents },
  { vendor: "valibot", events: valibotEvents },
  { vendor: "arktype", events: arktypeEvents },
] as const;

/** The builders every map above has. */
export interface MarketBuilders {
  quote(
    data: { symbol: string; price: number; size: number; side: "buy" | "sell"; at: string },
    fields?: EventBuilderFields,
  ): Message;
  status(data: "open" | "closed", fields?: EventBuilderFields): Message;
  message(data: { text: string }, fields?: EventBuilderFields): Message;
}

/** One of each event, as the map's builders make them. */
export function sampleMessages(events: MarketBuilders): Message[] {
  return [
    events.status("open", { retry: 3000 }),
    events.quote({ symbol: "ACME", price: 12.5, size: 100, side: "buy", at: "2026-01-01T00:00:00Z" }, { id: "1" }),
    events.message({ text: "two\nlines" }, { comment: "hello" }),
    events.quote({ symbol: "BOLT", price: 0, size: 1, side: "sell", at: "2026-01-01T00:00:01Z" }, { id: "2" }),
    events.status("closed"),
  ];
}
