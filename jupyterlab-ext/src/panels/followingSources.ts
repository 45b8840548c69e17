// The bridge a runs table tab reads through (tableWidget.ts): the page's SourcesBridge, whose feed
// also carries a source added or removed as a reset.
import type { StoreEvent } from '@runlane/protocol';
import type { HostBridge } from '@runlane/ui';
import type { SourcesBridge } from '../sources';

/**
 * The bridge as the table sees it: a source added or removed (the sidebar's + TensorBoard, + MLflow,
 * a notebook's store) reaches it as a feed reset, so it lists every source's runs again. The feed
 * alone only tells of changes: a folder's runs that were there before it was added never came.
 */
export function followingSources(bridge: SourcesBridge): HostBridge {
  const reset: StoreEvent = { type: 'reset', reason: 'The sources shown changed; list the runs again.' };
  return new Proxy(bridge, {
    get(target, name) {
      if (name === 'subscribe') {
        return (onEvent: (event: StoreEvent) => void) => {
          const stopFeed = target.subscribe(onEvent);
          const stopSources = target.onSourcesChanged(() => onEvent(reset));
          return () => (stopFeed(), stopSources());
        };
      }
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
