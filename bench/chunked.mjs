/**
 * An incremental decoder of an HTTP/1.1 body in chunked transfer coding (RFC 9112, section 7.1),
 * for workload G's raw-socket clients: `feed(bytes)` as they arrive, in pieces split anywhere;
 * `onData(bytes)` gets each piece of chunk data, `onEnd()` the last chunk. Chunk extensions and
 * trailers are not used by the servers measured and are not supported.
 */
export function chunkedDecoder(onData, onEnd = () => {}) {
  // `left`: bytes of the current chunk still to read, or -1 while reading a size line.
  let left = -1;
  let sizeLine = "";
  let skipCrlf = 0;
  let ended = false;
  return function feed(data) {
    let at = 0;
    while (at < data.length && !ended) {
      if (skipCrlf > 0) {
        const n = Math.min(skipCrlf, data.length - at);
        skipCrlf -= n;
        at += n;
        continue;
      }
      if (left === -1) {
        const lf = data.indexOf(10, at);
        const end = lf === -1 ? data.length : lf;
        for (let i = at; i < end; i++) sizeLine += String.fromCharCode(data[i]);
        if (lf === -1) return;
        at = lf + 1;
        left = Number.parseInt(sizeLine.trim(), 16);
        sizeLine = "";
        if (!Number.isFinite(left)) throw new Error("chunked body: a bad chunk size line");
        if (left === 0) {
          ended = true;
          onEnd();
        }
        continue;
      }
      const n = Math.min(left, data.length - at);
      onData(data.subarray(at, at + n));
      left -= n;
      at += n;
      if (left === 0) {
        left = -1;
        skipCrlf = 2;
      }
    }
  };
}
