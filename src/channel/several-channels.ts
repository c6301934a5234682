import type { ChannelFilter, ChannelStreamOptions } from "./types.ts";
import type { RequestLike } from "../core/types.ts";
import { Channel, headOf } from "./channel.ts";
import { fanIn, type FanInSource, type Opened, type Resume } from "./fan-in.ts";
import { checkCursorKeys } from "./cursor.ts";
import { checkFunction, checkInstant, checkKeepAlive, checkKeys, checkRequest, checkString } from "../core/check.ts";
import { assertRetry } from "../core/fields.ts";
import { mergeHeaderSet } from "../core/default-headers.ts";
import { describeValue } from "../core/describe-value.ts";
import { DEFAULT_RETRY_HINT_MS, retryLater } from "./retry-later.ts";

/** One channel of a stream of several, with what its subscriber takes of it. */
export interface ChannelPick {
  /** The channel. */
  readonly channel: Channel;
  /** Which of its events this stream gets. @default every event */
  readonly filter?: ChannelFilter | undefined;
}

/** Options of a stream of several channels. Unknown keys are a `TypeError`. */
export interface SeveralChannelsOptions {
  /** The request: its `Last-Event-ID` header (or `lastEventId` query parameter), the composite cursor, and its `signal`. */
  readonly request?: RequestLike | undefined;
  /** The composite cursor to resume from; wins over the request's. */
  readonly lastEventId?: string | undefined;
  /** Keep-alive of the stream, in milliseconds, or `false`. @default 5000 */
  readonly keepAlive?: number | false | undefined;
  /** Sent first as `retry:`: the client's reconnection delay in milliseconds. */
  readonly retry?: number | undefined;
  /** Headers of the response, over the defaults. */
  readonly headers?: HeadersInit | undefined;
  /** When the stream ends with `EXPIRED_EVENT` (the `validUntil` of the token that allowed it). */
  readonly expiresAt?: number | Date | undefined;
  /** Called with errors that belong to no one caller (an event whose id cannot fit in the cursor). @default console.error */
  readonly onError?: ((error: unknown) => void) | undefined;
}

const CONTEXT = "Cannot subscribe to several channels";

function logError(error: unknown): void {
  console.error("edge-sse: channels stream error (pass onError to handle this)", error);
}
/** The options a stream of several channels takes (`SeveralChannelsOptions`). */
export const SEVERAL_OPTION_KEYS: ReadonlySet<string> = new Set([
  "request",
  "lastEventId",
  "keepAlive",
  "retry",
  "headers",
  "expiresAt",
  "onError",
]);

/**
 * One response with the events of several channels, interleaved as they are published, from which a
 * reconnecting client resumes every channel exactly (no gap, no duplicate). Each event's id is the
 * composite cursor after it: `1;<key>=<id>;<key>=<id>...`, one position per channel under the key
 * you gave it (1 to 16 letters, digits, `_` or `-`; at most 16 channels), each id percent-encoded.
 * The browser sends the last one back as `Last-Event-ID`; the stream sends the cursor at join
 * first, as an id alone, so that a client that has had no event yet has one too. A channel the
 * client has had no event from yet resumes from where it was when the client joined it, so what was
 * published to it meanwhile is replayed too; one that held nothing then replays every event it
 * holds, after its gap marker when there are some (no broker can tell whether it dropped any before).
 *
 * A channel whose history no longer holds the client's position sends its own gap marker
 * (`GAP_EVENT`), with a `channel` field naming its key; the others replay normally. A cursor that
 * cannot be read (longer than 4,386 characters, another version, malformed, a key twice) makes
 * every channel send its gap marker and every event it holds, as a single channel does for an
 * unknown id. Keys the cursor names that the stream has not are ignored; keys it lacks start now.
 *
 * Each channel counts the stream as one of its subscribers (its caps, metrics, drain, `onJoin`).
 * A channel that turns the client away answers for all (503 with `Retry-After`); a drain or an
 * overflow of one ends the whole stream, which the client resumes from its cursor.
 *
 * @param channels - each key (how the cursor names the channel) to a `Channel`, or to `{ channel, filter }`
 * @param options - see `SeveralChannelsOptions`
 * @throws {TypeError} (as a rejection) naming `channels` when there are none, more than 16, or a bad key; or an invalid option
 * @example A room and the user's own alerts, on one connection
 * ```ts
 * import { Channel, GAP_EVENT, severalChannelsResponse } from "edge-sse/channel";
 * import { Message } from "edge-sse";
 *
 * const room = new Channel();
 * const alerts = new Channel();
 * const picks = { room, me: { channel: alerts, filter: "alert" } };
 * const first = await severalChannelsResponse(picks, { keepAlive: false });
 * const reader = first.body!.getReader();
 * let text = "";
 * while (!text.includes("id: ")) text += new TextDecoder().decode((await reader.read()).value); // joined both
 * await room.publish("hello");
 * while (!text.includes("data: hello")) text += new TextDecoder().decode((await reader.read()).value);
 * const cursor = [...text.matchAll(/^id: (.*)$/gm)].at(-1)![1]!; // "1;room=<id>;me=": the browser's Last-Event-ID
 * await reader.cancel();
 *
 * await alerts.publish(new Message({ event: "alert", data: "while you were away" }));
 * const again = await severalChannelsResponse(picks, { lastEventId: cursor, keepAlive: false });
 * const next = again.body!.getReader();
 * let replayed = "";
 * while (!replayed.includes("while you were away")) replayed += new TextDecoder().decode((await next.read()).value);
 * // `me` held nothing when the client joined: what it holds now is replayed after its gap marker.
 * console.assert(replayed.includes(GAP_EVENT) && replayed.includes('"channel":"me"') && replayed.includes("id: 1;room="));
 * await next.cancel();
 * ```
 */
export function severalChannelsResponse(
  channels: Readonly<Record<string, Channel | ChannelPick>>,
  options: SeveralChannelsOptions = {},
): Promise<Response> {
  try {
    const picks = checkPicks(channels, (value) => value instanceof Channel);
    checkSeveralOptions(options);
    const sources = picks.map(([key, pick]) => {
      const { channel, filter } =
        pick instanceof Channel ? { channel: pick, filter: undefined } : (pick as ChannelPick);
      return channelSource(
        key,
        (stream) => channel.response(stream),
        () => headOf(channel),
        filter,
        options,
      );
    });
    return fanIn(sources, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Checks the options of a stream of several channels, as `channel.response()` checks its own.
 *
 * @param context - how the errors start (a Worker's `routeToChannels` has its own)
 * @param keys - the options taken (`routeToChannels` takes no `request` or `lastEventId` among them)
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkSeveralOptions(
  options: SeveralChannelsOptions,
  context: string = CONTEXT,
  keys: ReadonlySet<string> = SEVERAL_OPTION_KEYS,
): void {
  checkKeys(options, keys, context);
  checkRequest(options.request, context);
  checkString("lastEventId", options.lastEventId, context);
  checkKeepAlive(options.keepAlive, context);
  if (options.retry !== undefined) assertRetry(options.retry, context);
  checkInstant("expiresAt", options.expiresAt, context);
  mergeHeaderSet(context, "headers", options.headers);
  checkFunction("onError", options.onError, context);
}

/**
 * The entries of a record of channels, checked: its keys (see `checkCursorKeys`), each value a
 * channel (`isChannel`) or `{ channel, filter? }`.
 *
 * @throws {TypeError} naming `channels` and the bad value
 */
export function checkPicks<Pick>(
  channels: Readonly<Record<string, Pick>>,
  isChannel: (value: unknown) => boolean,
  name = "channel",
): Array<[string, Pick]> {
  if (typeof channels !== "object" || channels === null || Array.isArray(channels)) {
    throw new TypeError(
      `${CONTEXT}: \`channels\` must be an object of keys to channels (got ${describeValue(channels)})`,
    );
  }
  const entries = Object.entries(channels);
  checkCursorKeys(
    entries.map(([key]) => key),
    CONTEXT,
  );
  for (const [key, pick] of entries) {
    if (isChannel(pick)) continue;
    const inner = (pick as Record<string, unknown> | null)?.[name];
    if (typeof pick !== "object" || pick === null || !isChannel(inner)) {
      throw new TypeError(
        `${CONTEXT}: \`channels.${key}\` must be a ${name === "channel" ? "Channel" : "channel name"}, or ` +
          `{ ${name}, filter } (got ${describeValue(pick)})`,
      );
    }
    checkKeys(pick, new Set([name, "filter"]), CONTEXT, `channels.${key}`);
  }
  return entries;
}

/**
 * One channel as a source of the merged stream: `respond` answers its stream as `channel.response()`
 * does, `head` reads where it is now (for a channel the cursor does not name).
 */
export function channelSource(
  key: string,
  respond: (options: ChannelStreamOptions) => Promise<Response>,
  head: () => Promise<string | undefined>,
  filter: ChannelFilter | undefined,
  options: SeveralChannelsOptions,
): FanInSource {
  return {
    key,
    async open(resume: Resume): Promise<Opened> {
      let joined: string | undefined;
      if (resume === "head") {
        try {
          joined = (await head()) ?? "";
        } catch (error) {
          // The broker is down: the client is told to come back, with its cursor as it was.
          (options.onError ?? logError)(error);
          const retry = options.retry ?? DEFAULT_RETRY_HINT_MS;
          return { response: retryLater(retry, {}).toResponse() };
        }
      }
      // The empty id is never held: the channel replays every event it holds (and says there is a gap).
      const lastEventId = resume === "head" ? joined! : resume === "start" ? "" : resume.after;
      const response = await respond({ lastEventId, filter, keepAlive: false, request: options.request });
      return { response, head: joined };
    },
  };
}
