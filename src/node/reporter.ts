/**
 * Wraps `onError` so that calling it can never throw or reject: an `onError` that throws, or an async
 * one that rejects, is logged with the error it was given, and nothing else happens. A bridge that
 * lets its error callback crash the process would turn one bad request into an outage.
 */
export function reporter(onError: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      const result: unknown = onError(error);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
        (result as PromiseLike<unknown>).then(undefined, (failure: unknown) => logFailure(failure, error));
      }
    } catch (failure) {
      logFailure(failure, error);
    }
  };
}

/** The last resort: console.error, itself guarded. */
function logFailure(failure: unknown, error: unknown): void {
  try {
    console.error("edge-sse/node: onError failed while reporting", error, "with", failure);
  } catch {
    // Nothing is left to report to.
  }
}
