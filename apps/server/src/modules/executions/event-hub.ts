/**
 * Live execution events: published on the bus once durable (so every instance's streams see them), and dispatched
 * locally from one bus subscription to the listeners of each execution and each owner — no listener sees, or even
 * filters, another run's events.
 */
import type { StoredEvent } from '@gatehouse/engine';
import type { EventBus } from '../../events/bus.ts';

export const EVENTS_CHANNEL = 'executions.events';

export type OwnedEvent = StoredEvent & { readonly ownerId: string };
type Listener = (e: OwnedEvent) => void;
type EventListener = (e: StoredEvent) => void;

export function createEventHub(bus: EventBus) {
  const byExecution = new Map<string, Set<EventListener>>();
  const byOwner = new Map<string, Set<Listener>>();
  const dispatch = <E>(map: Map<string, Set<(e: E) => void>>, key: string, e: E) => {
    for (const l of map.get(key) ?? []) {
      try {
        l(e);
      } catch {
        // A broken stream must not stop the others.
      }
    }
  };
  const unsubscribe = bus.subscribe(EVENTS_CHANNEL, (m) => {
    const owned = m as OwnedEvent;
    // The owner rides along on the bus only to route the event: an execution's streams get the event exactly as the
    // table replays it (one object for all of them, so each transport serializes it once).
    const { ownerId, ...event } = owned;
    dispatch(byExecution, event.executionId, event);
    dispatch(byOwner, ownerId, owned);
  });
  const add = <L>(map: Map<string, Set<L>>, key: string, l: L) => {
    const set = map.get(key) ?? new Set<L>();
    map.set(key, set);
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0) map.delete(key);
    };
  };
  return {
    publish(events: readonly StoredEvent[], ownerId: string) {
      for (const e of events) void bus.publish(EVENTS_CHANNEL, { ...e, ownerId }).catch(() => undefined);
    },
    subscribe: (executionId: string, l: EventListener) => add(byExecution, executionId, l),
    subscribeOwner: (ownerId: string, l: Listener) => add(byOwner, ownerId, l),
    close: unsubscribe,
  };
}
