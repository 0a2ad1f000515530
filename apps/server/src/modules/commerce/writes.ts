/**
 * What every commerce write shares: field-level permission checks, the check that a new row lies inside what the
 * caller may create, before/after diffs, and the audit entries for changes and refusals.
 */
import { forbiddenFields, rowCondition, toPredicate, type CommerceResource, type CommerceRole, type ConditionRow } from '@gatehouse/policy';
import type { Tx } from '../../db/database.ts';
import type { AuthedContext, RequestContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import type { CommerceAccess } from './access.ts';
import { commerceErrors } from './commerce.errors.ts';

export interface FieldChange {
  readonly before: unknown;
  readonly after: unknown;
}
export type Changes = Record<string, FieldChange>;

const plain = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);
const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/**
 * Audit entries name what they are about in the singular (`product`, `organization`), whether the code at hand calls
 * it by its permission resource (`products`, `org`) or its table (`categories`).
 */
const SINGULAR: Readonly<Record<string, string>> = {
  org: 'organization',
  organizations: 'organization',
  stores: 'store',
  products: 'product',
  categories: 'category',
  brands: 'brand',
  customers: 'customer',
  orders: 'order',
};
export const targetTypeOf = (resourceOrTable: string): string => SINGULAR[resourceOrTable] ?? resourceOrTable;

/** The fields of `patch` (undefined = not sent) whose value differs from `before`, with both values. */
export function changesOf(before: object, patch: object): Changes {
  const b = before as Readonly<Record<string, unknown>>;
  const out: Changes = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || same(b[k], v)) continue;
    out[k] = { before: plain(b[k]), after: plain(v) };
  }
  return out;
}

/** The fields a body actually sets (TypeBox leaves absent optionals out; `undefined` never reaches the database). */
export const sentFields = (body: object, except: readonly string[] = []) =>
  Object.entries(body)
    .filter(([k, v]) => v !== undefined && !except.includes(k))
    .map(([k]) => k);

/** Records a refusal decided inside a service (field-level, escalation, transitions), with its reason. */
export function recordDenial(
  audit: AuditService,
  ctx: RequestContext,
  e: { action: string; code: string; targetType: string; targetId?: string; organizationId?: string; storeId?: string; details?: Record<string, unknown> },
) {
  // The request's tenant, unless the refusal names its own (routes without a commerce scope, e.g. accepting).
  const organizationId = e.organizationId ?? ctx.tenant?.organizationId;
  const storeId = e.organizationId ? e.storeId : ctx.tenant?.storeId;
  audit.recordLater(ctx, {
    action: e.action,
    outcome: 'denied',
    targetType: e.targetType,
    ...(e.targetId ? { targetId: e.targetId } : {}),
    ...(organizationId ? { organizationId } : {}),
    ...(storeId ? { storeId } : {}),
    details: { reason: e.code, ...e.details },
  });
}

/** Refuses (and audits) a write that sets a field the caller's roles in this scope may not write. Nothing is written. */
export function guardFields(
  audit: AuditService,
  ctx: RequestContext,
  e: { resource: CommerceResource; roles: readonly CommerceRole[]; fields: readonly string[]; action: string; targetId?: string },
): void {
  const refused = forbiddenFields(e.roles, e.resource, e.fields);
  if (refused.length === 0) return;
  recordDenial(audit, ctx, { action: e.action, code: 'FIELD_FORBIDDEN', targetType: targetTypeOf(e.resource), ...(e.targetId ? { targetId: e.targetId } : {}), details: { fields: refused, roles: e.roles } });
  throw commerceErrors.fieldForbidden(e.resource, refused);
}

/**
 * A new row must lie inside what the caller may create, by the same condition lists use (a CUSTOMER places orders only
 * for its own customer record). The permission check already passed for the store; this catches the row filters.
 */
export async function guardCreate(access: CommerceAccess, audit: AuditService, ctx: AuthedContext, permission: string, row: ConditionRow): Promise<void> {
  const ok = toPredicate(rowCondition(await access.actor(ctx), permission))({ ...row, deletedAt: null });
  if (ok) return;
  const [resource, action] = permission.split(':') as [string, string];
  recordDenial(audit, ctx, { action: `commerce.${targetTypeOf(resource)}.${action}`, code: 'ROW_FORBIDDEN', targetType: targetTypeOf(resource), details: { required: permission } });
  throw commerceErrors.permission(action, resource);
}

/** Audits a change with the tenant and the before/after of each changed field. */
export function recordChange(
  audit: AuditService,
  tx: Tx,
  ctx: RequestContext,
  e: { action: string; targetType: string; targetId: string; organizationId: string; storeId?: string | null; changes: Changes; details?: Record<string, unknown> },
): Promise<void> {
  return audit.record(tx, ctx, {
    action: e.action,
    outcome: 'success',
    targetType: e.targetType,
    targetId: e.targetId,
    organizationId: e.organizationId,
    ...(e.storeId ? { storeId: e.storeId } : {}),
    details: { changes: e.changes, ...e.details },
  });
}
