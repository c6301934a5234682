// What `wrangler dev` serves of worker.ts (scripts/runtimes/hibernating-browser.sh): workerd takes only
// handlers and Durable Object classes as a Worker's exports, not the constants that the tests import.
export {
  AgedChannels,
  CappedChannels,
  default,
  FlakyChannels,
  GuardedChannels,
  HibernatingChannels,
  OpaqueChannels,
  ShortLivedChannels,
  TestChannels,
} from "./worker.ts";
