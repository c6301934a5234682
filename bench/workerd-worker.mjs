/**
 * The Worker of workloads A and B on workerd (run by `wrangler dev`, see workerd.mjs). workerd's
 * clocks do not advance while JavaScript runs, so nothing is timed in here: the driver times each
 * request from outside (wall time, and the CPU time of the worker's workerd process).
 *
 *   GET /ready                                   "ok"
 *   GET /drain?c=<contender>&shape=<s>&n=<n>     A: drains the contender's stream in the isolate;
 *                                                answers `{ chunks, bytes }`
 *   GET /drain?...&body=1                        A's check: answers the stream's bytes themselves
 *   GET /events?c=<contender>&shape=b&n=<n>      B: the contender's own response, streamed to the client
 *
 * `makeWorker(edge)` takes edge-sse's main module as the generated entry imported it (the copy of
 * `../dist` the run took).
 */
import { drain, makeContenders } from "./contenders.mjs";

export function makeWorker(edge) {
  const { CEILINGS, HANDLERS } = makeContenders(edge);
  /** Workload A's pre-encoded ceiling prepares its chunks before the clock starts: kept per (shape, n). */
  const prepared = new Map();

  async function produce(contender, shape, n, onChunk) {
    const ceiling = CEILINGS[contender];
    if (ceiling !== undefined) {
      const key = `${contender} ${shape} ${n}`;
      if (ceiling.prepare !== undefined && !prepared.has(key)) prepared.set(key, ceiling.prepare(shape, n));
      return ceiling.run(shape, n, onChunk, prepared.get(key));
    }
    const response = await HANDLERS[contender](new Request(`http://127.0.0.1/events?shape=${shape}&n=${n}`));
    await drain(response.body, onChunk);
  }

  return {
    async fetch(request) {
      const url = new URL(request.url);
      const query = url.searchParams;
      const contender = query.get("c") ?? "";
      if (url.pathname === "/ready") return new Response("ok");
      if (HANDLERS[contender] === undefined && CEILINGS[contender] === undefined) {
        return new Response(`unknown contender ${JSON.stringify(contender)}`, { status: 404 });
      }
      if (url.pathname === "/events") return HANDLERS[contender](request);
      if (url.pathname !== "/drain") return new Response("not found", { status: 404 });
      const shape = query.get("shape") ?? "a";
      const n = Number(query.get("n") ?? 1);
      if (query.get("prepare") === "1") {
        // Untimed: the pre-encoded ceiling's chunks for the timed requests that follow.
        await produce(contender, shape, 0, () => {});
        const ceiling = CEILINGS[contender];
        if (ceiling?.prepare !== undefined) prepared.set(`${contender} ${shape} ${n}`, ceiling.prepare(shape, n));
        return Response.json({ prepared: true });
      }
      if (query.get("body") === "1") {
        const chunks = [];
        await produce(contender, shape, n, (chunk) => chunks.push(chunk));
        return new Response(new Blob(chunks), { headers: { "x-chunks": String(chunks.length) } });
      }
      let chunks = 0;
      let bytes = 0;
      await produce(contender, shape, n, (chunk) => {
        chunks++;
        bytes += chunk.byteLength;
      });
      return Response.json({ chunks, bytes });
    },
  };
}
