/**
 * Channels: broadcast events to many clients, replay what a reconnecting client missed, and share
 * events between processes through a broker (`edge-sse/redis`, `edge-sse/durable-object`).
 *
 * This module is browser compatible.
 *
 * @module
 */
export { Channel } from "./channel/channel.ts";
export { Channels } from "./channel/channels.ts";
export { ChannelMetrics } from "./channel/channel-metrics.ts";
export { GAP_EVENT } from "./channel/gap-event.ts";
export {
  severalChannelsResponse,
  type ChannelPick,
  type SeveralChannelsOptions,
} from "./channel/several-channels.ts";
export {
  CURSOR_VERSION,
  MAX_CURSOR_CHANNELS,
  MAX_CURSOR_ID_LENGTH,
  MAX_CURSOR_KEY_LENGTH,
  MAX_CURSOR_LENGTH,
} from "./channel/cursor.ts";
export { MemoryBroker, type MemoryBrokerOptions } from "./channel/memory-broker.ts";
export type {
  ChannelBroker,
  ChannelEvent,
  ChannelEventInit,
  ChannelFilter,
  ChannelOptions,
  ChannelStreamOptions,
  ChannelsOptions,
  ChannelSubscriber,
  DrainOptions,
  HistoryLimits,
  ReplayResult,
  SubscriberInfo,
  Unsubscribe,
} from "./channel/types.ts";
