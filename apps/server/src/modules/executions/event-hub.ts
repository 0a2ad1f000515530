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

export function createEventHub(bus: EventBus) {
  const byExecution = new Map<string, Set<Listener>>();
  const byOwner = new Map<string, Set<Listener>>();
  const dispatch = (map: Map<string, Set<Listener>>, key: string, e: OwnedEvent) => {
    for (const l of map.get(key) ?? []) {
      try {
        l(e);
      } catch {
        // A broken stream must not stop the others.
      }
    }
  };
  const unsubscribe = bus.subscribe(EVENTS_CHANNEL, (m) => {
    const e = m as OwnedEvent;
    dispatch(byExecution, e.executionId, e);
    dispatch(byOwner, e.ownerId, e);
  });
  const add = (map: Map<string, Set<Listener>>, key: string, l: Listener) => {
    const set = map.get(key) ?? new Set<Listener>();
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
    subscribe: (executionId: string, l: Listener) => add(byExecution, executionId, l),
    subscribeOwner: (ownerId: string, l: Listener) => add(byOwner, ownerId, l),
    close: unsubscribe,
  };
}
