/** Shared pieces of the commerce route declarations: the docs section, id params, common schemas. */
import { Type } from 'typebox';
import type { RouteDocs } from '../../http/route.ts';
import type { CommerceAccess, GrantsHook } from './access.ts';

export const COMMERCE_SECTION = '🛒 Commerce APIs (`/api/`)';
export const docs = (group: string, notes: string, permission?: string): RouteDocs => ({
  section: COMMERCE_SECTION,
  group,
  notes,
  ...(permission ? { permission } : {}),
});

export const strict = { additionalProperties: false } as const;
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, strict);
export const Slug = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const Text = Type.String({ maxLength: 10_000 });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
/** Integer minor units (cents); the ceiling keeps totals of 1000 lines far from integer overflow. */
export const Money = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** Everything a scoped commerce route declares alike: its grants hook, the per-role window, rate category, mode. */
export const scoped = (access: CommerceAccess, grants: GrantsHook) =>
  ({ grants, scopedLimit: access.scopedLimit, rateCategory: 'default', mode: 'sync' }) as const;
