/** Runs `fn` and returns what it threw (undefined when it did not throw). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
