import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../events/bus.ts';
import { createUserCache, type UserSnapshot } from './user-cache.ts';

const ID = '00000000-0000-4000-8000-000000000001';
const snapshot = (name: string): UserSnapshot => ({
  id: ID,
  email: 'u@example.com',
  name,
  tier: 'free',
  isStaff: false,
  credits: 0,
  hasPassword: true,
  googleLinked: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** A loader whose loads finish when the test says so, counting them. */
function slowLoader() {
  const pending: Array<(v: UserSnapshot) => void> = [];
  let loads = 0;
  return {
    load: () => {
      loads++;
      return new Promise<UserSnapshot | null>((resolve) => pending.push(resolve));
    },
    finish: (v: UserSnapshot) => pending.shift()!(v),
    get loads() {
      return loads;
    },
  };
}

describe('the user cache', () => {
  it('loads a user once for concurrent misses, then answers from memory', async () => {
    const l = slowLoader();
    const cache = createUserCache(createMemoryBus(), l.load);
    const a = cache.get(ID);
    const b = cache.get(ID);
    expect(cache.peek(ID)).toBeUndefined();
    l.finish(snapshot('A'));
    expect(await a).toMatchObject({ name: 'A' });
    expect(await b).toMatchObject({ name: 'A' });
    expect(l.loads).toBe(1);
    expect(cache.peek(ID)).toMatchObject({ name: 'A' });
    expect(Object.isFrozen(cache.peek(ID))).toBe(true);
    cache.close();
  });

  it('does not keep a load that raced an invalidation, and a later read loads again', async () => {
    const l = slowLoader();
    const bus = createMemoryBus();
    const cache = createUserCache(bus, l.load);
    const stale = cache.get(ID); // reads the row before the write…
    await cache.invalidate(ID); // …which commits and invalidates meanwhile
    const fresh = cache.get(ID); // a read after the write does not join the old load
    l.finish(snapshot('old'));
    l.finish(snapshot('new'));
    expect(await stale).toMatchObject({ name: 'old' });
    expect(await fresh).toMatchObject({ name: 'new' });
    expect(cache.peek(ID)).toMatchObject({ name: 'new' });
    expect(l.loads).toBe(2);
    cache.close();
  });

  it('drops an entry when another instance publishes a change of the user', async () => {
    const bus = createMemoryBus();
    let name = 'before';
    const cache = createUserCache(bus, async () => snapshot(name));
    const other = createUserCache(bus, async () => snapshot(name));
    expect(await cache.get(ID)).toMatchObject({ name: 'before' });
    name = 'after';
    await other.invalidate(ID);
    expect(cache.peek(ID)).toBeUndefined();
    expect(await cache.get(ID)).toMatchObject({ name: 'after' });
    cache.close();
    other.close();
  });
});
