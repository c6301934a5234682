import type { StreamContext } from "../core/types.ts";
import type { ServerSentEvent } from "../client/types.ts";
import type { SeveralChannelsOptions } from "./several-channels.ts";
import { DataStream } from "../core/data-stream.ts";
import { Message } from "../core/message.ts";
import { END_EVENT } from "../core/end-event.ts";
import { EXPIRED_EVENT } from "../core/expired-event.ts";
import { EventStreamParserStream } from "../client/parser-stream.ts";
import { GAP_EVENT } from "./gap-event.ts";
import { readResumeId } from "./resume-id.ts";
import { encodePosition, MAX_CURSOR_ID_LENGTH, readCursor, writeCursor } from "./cursor.ts";
import { describeValue } from "../core/describe-value.ts";

/** Where one channel of the stream resumes: after an id, from the oldest event held (`"start"`), or from now (`"head"`). */
export type Resume = { readonly after: string } | "start" | "head";

/** A channel's stream, opened. */
export interface Opened {
  /** Its response: a 200 event stream, 204 (ended for good), or a refusal (503, ...) that the whole stream answers. */
  readonly response: Response;
  /** With `"head"`: the id it joined after, or `""` when it held nothing (the start). */
  readonly head?: string | undefined;
}

/** One channel of a stream of several: its key in the cursor, and how its own stream is opened. */
export interface FanInSource {
  readonly key: string;
  open(resume: Resume): Promise<Opened>;
}

/** One channel's stream being merged, and whether its first gap marker is dropped: always, only when it replays nothing, never. */
interface Running {
  readonly key: string;
  readonly body: ReadableStream<Uint8Array>;
  readonly quietGap: "always" | "when empty" | "never";
}

/** Whether a gap marker is dropped (see `Running`): with `"when empty"`, when it says that nothing is replayed (`firstId: null`). */
function isQuiet(quietGap: Running["quietGap"], data: string): boolean {
  if (quietGap !== "when empty") return quietGap === "always";
  try {
    return (JSON.parse(data) as { firstId?: unknown }).firstId === null;
  } catch {
    return false;
  }
}

/** How the errors about an event the merged stream cannot carry start. */
const CARRY = "Cannot carry event";

/**
 * One response with the events of several channels' streams, interleaved as they come, each event's
 * id the composite cursor after it (see cursor.ts). The client's cursor is read once: each channel
 * resumes at its position there; one the cursor does not name, from where it is now (its head);
 * every channel, when the cursor cannot be read (too long, another version, malformed): from an
 * unknown id, as a single channel does, so each sends its gap marker and every event it holds.
 *
 * A channel's refusal (503 of a cap, say) is the answer for all; channels that answer 204 (ended
 * for good) are left out, and all of them ending so gives 204. Once running, a channel whose stream
 * ends for good (the end event) leaves the stream; one whose stream ends otherwise (a drain, an
 * overflow, `maxLifetime`) ends the whole stream, so that the client reconnects and resumes all.
 */
export async function fanIn(sources: readonly FanInSource[], options: SeveralChannelsOptions): Promise<Response> {
  const report =
    options.onError ??
    ((error: unknown) => console.error("edge-sse: channels stream error (pass onError to handle this)", error));
  // An empty cursor is none, as an empty id is for a single channel.
  const cursor = (options.lastEventId ?? readResumeId(options.request)) || undefined;
  const given = cursor === undefined ? new Map<string, string>() : readCursor(cursor);
  const plans = sources.map((source) => {
    const position = given?.get(source.key);
    const resume: Resume =
      given === undefined || position === "" ? "start" : position === undefined ? "head" : { after: position };
    return { source, resume, fromStart: given !== undefined && position === "" };
  });
  const settled = await Promise.allSettled(plans.map((plan) => plan.source.open(plan.resume)));
  const opened = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = settled.find((result) => result.status === "rejected");
  const refused = opened.find(({ response }) => response.status !== 200 && response.status !== 204);
  if (failed !== undefined || refused !== undefined) {
    for (const { response } of opened) if (response !== refused?.response) void response.body?.cancel().catch(() => {});
    if (failed !== undefined) throw failed.reason;
    return refused!.response;
  }
  const positions = new Map<string, string | undefined>();
  const running: Running[] = [];
  plans.forEach((plan, index) => {
    const { response, head } = opened[index]!;
    const { resume } = plan;
    const position = resume === "head" ? (head ?? "") : resume === "start" ? "" : resume.after;
    positions.set(plan.source.key, encodePosition(position));
    if (response.status === 200 && response.body !== null) {
      // Joining a channel that holds nothing, it replays from the start: no gap (the same broker said
      // a moment ago that it held nothing). Resuming from the start later, a replay of nothing is no
      // gap either; a replay of some events is, since the broker cannot tell whether it dropped some
      // before them (a history bound, a restart) while the client had none of them.
      const quietGap = resume === "head" && position === "" ? "always" : plan.fromStart ? "when empty" : "never";
      running.push({ key: plan.source.key, body: response.body, quietGap });
    } else void response.body?.cancel().catch(() => {});
  });
  if (running.length === 0) return new Response(null, { status: 204 });
  const stream = new DataStream((ctx) => merge(ctx, running, positions, report), {
    request: options.request,
    lastEventId: cursor,
    keepAlive: options.keepAlive,
    retry: options.retry,
    headers: options.headers,
    expiresAt: options.expiresAt,
  });
  return stream.toResponse();
}

/** Reads every channel's stream into `ctx`, until one ends (or all end for good) or the client leaves. */
async function merge(
  ctx: StreamContext,
  running: ReadonlyArray<Running>,
  positions: Map<string, string | undefined>,
  report: (error: unknown) => void,
): Promise<void> {
  let left = running.length;
  const readers = running.map(({ body }) =>
    body.pipeThrough(new EventStreamParserStream({ onRetry: (retry) => ctx.send(new Message({ retry })) })).getReader(),
  );
  const cancel = (): void => {
    for (const reader of readers) reader.cancel(ctx.signal.reason).catch(() => {});
  };
  if (ctx.signal.aborted) return cancel();
  ctx.signal.addEventListener("abort", cancel, { once: true });
  // [spec] An id without data sets the client's last event id, dispatching nothing: a client that
  // reconnects before its first event resumes every channel from where it joined it.
  ctx.send(new Message({ id: writeCursor(positions) }));
  const pump = async (index: number): Promise<void> => {
    const { key } = running[index]!;
    let quietGap = running[index]!.quietGap;
    let endedForGood = false;
    const reader = readers[index]!;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || ctx.signal.aborted) break;
      if (value.event === GAP_EVENT && isQuiet(quietGap, value.data)) continue;
      quietGap = "never";
      if (value.event === END_EVENT) endedForGood = true;
      else if (value.event !== EXPIRED_EVENT) send(ctx, key, value, positions, report);
      if (ctx.desiredSize <= 0) await ctx.ready;
    }
    if (!endedForGood) return ctx.close();
    if (--left === 0) ctx.end();
  };
  await Promise.all(
    running.map((_, index) =>
      pump(index).catch((error: unknown) => {
        if (ctx.signal.aborted) return;
        report(error);
        ctx.close();
      }),
    ),
  );
}

/** Sends one event of the channel `key`, with the cursor after it; a gap marker names the channel. */
function send(
  ctx: StreamContext,
  key: string,
  event: ServerSentEvent,
  positions: Map<string, string | undefined>,
  report: (error: unknown) => void,
): void {
  const type = event.event === "message" ? undefined : event.event;
  if (event.event === GAP_EVENT) {
    let marker: object = {};
    try {
      marker = JSON.parse(event.data) as object;
    } catch {
      // Not a marker of this library's: its fields are lost, the channel is still named.
    }
    ctx.send(new Message({ event: type, data: JSON.stringify({ channel: key, ...marker }) }));
    return;
  }
  const position = encodePosition(event.id);
  if (event.id === "" || position === undefined) {
    report(
      new TypeError(
        `${CARRY} of channel ${describeValue(key)}: its id ${describeValue(event.id)} must be 1 to ` +
          `${MAX_CURSOR_ID_LENGTH} characters once percent-encoded, to fit in the cursor; it was not sent`,
      ),
    );
    return;
  }
  positions.set(key, position);
  ctx.send(new Message({ id: writeCursor(positions), event: type, data: event.data }));
}
