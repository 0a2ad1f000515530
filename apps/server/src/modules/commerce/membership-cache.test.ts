import { describe, expect, it } from 'vitest';
import type { Membership } from '@gatehouse/policy';
import { createMemoryBus } from '../../events/bus.ts';
import { MEMBERSHIPS_CHANGED, createMembershipCache } from './membership-cache.ts';

const m = (organizationId: string): Membership => ({ kind: 'organization', organizationId, role: 'MEMBER' });

describe('the membership cache', () => {
  it('loads once and serves later requests from memory', async () => {
    const cache = createMembershipCache(createMemoryBus());
    let loads = 0;
    const load = async () => {
      loads++;
      return [m('o1')];
    };
    expect(await cache.memberships('u1', load)).toEqual([m('o1')]);
    expect(await cache.memberships('u1', load)).toEqual([m('o1')]);
    expect(loads).toBe(1);
  });

  it('forgets a user when told, here or through the bus from another instance', async () => {
    const bus = createMemoryBus();
    const cache = createMembershipCache(bus);
    let value = [m('o1')];
    const load = async () => value;
    await cache.memberships('u1', load);
    value = [m('o2')];
    await cache.changed({ userIds: ['u1'] });
    expect(await cache.memberships('u1', load)).toEqual([m('o2')]);
    value = [m('o3')];
    await bus.publish(MEMBERSHIPS_CHANGED, { userIds: ['u1'] });
    expect(await cache.memberships('u1', load)).toEqual([m('o3')]);
  });

  it('forgets every user and store at once when a store or organization changes', async () => {
    const cache = createMembershipCache(createMemoryBus());
    let n = 0;
    await cache.memberships('u1', async () => [m(`o${++n}`)]);
    await cache.store('s1', async () => ({ id: 's1', organizationId: 'o1' }));
    await cache.changed({ all: true });
    expect(await cache.memberships('u1', async () => [m(`o${++n}`)])).toEqual([m('o2')]);
    expect(await cache.store('s1', async () => null)).toBeNull();
  });

  it('does not cache a load that raced with a change (read before it committed, finished after)', async () => {
    const cache = createMembershipCache(createMemoryBus());
    let release!: () => void;
    const slow = cache.memberships('u1', () => new Promise<Membership[]>((r) => (release = () => r([m('stale')]))));
    await cache.changed({ userIds: ['u1'] });
    release();
    expect(await slow).toEqual([m('stale')]);
    expect(await cache.memberships('u1', async () => [m('fresh')])).toEqual([m('fresh')]);
  });

  it('never caches a store that was not found', async () => {
    const cache = createMembershipCache(createMemoryBus());
    expect(await cache.store('s9', async () => null)).toBeNull();
    expect(await cache.store('s9', async () => ({ id: 's9', organizationId: 'o9' }))).toEqual({ id: 's9', organizationId: 'o9' });
  });
});
