/**
 * The key under which a `defineEvents` result carries its map: at run time the map as given (the
 * client reads its validators from it), and for the type checker its type. `Symbol.for`, so that
 * two copies of the library agree on it.
 */
export const EVENT_MAP: unique symbol = Symbol.for("edge-sse.event-map");
