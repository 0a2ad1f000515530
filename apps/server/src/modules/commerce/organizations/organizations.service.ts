/**
 * Organizations, the tenant: list those the caller may read, create one (the creator becomes its OWNER), read,
 * update and soft-delete it (its stores and their rows go with it).
 */
import { randomUUID } from 'node:crypto';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors, uniqueViolation } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { cascadeOrganizationDelete } from '../soft-delete.repo.ts';
import { COLUMNS, toWhere } from '../sql-condition.ts';
import { changesOf, guardFields, recordChange, sentFields } from '../writes.ts';
import { insertMember } from './members.repo.ts';
import { findOrganization, insertOrganization, listOrganizations, updateOrganization } from './organizations.repo.ts';
import { toOrganizationView } from './organizations.view.ts';

export interface OrganizationInput {
  name: string;
  slug: string;
}

const slugTaken = (e: unknown) => {
  if (uniqueViolation(e) !== null) throw commerceErrors.taken('slug', 'organization');
  throw e;
};

export function createOrganizationsService(d: CommerceDeps) {
  const where = async (ctx: AuthedContext, permission: string) => toWhere(await d.access.rows(ctx, permission), COLUMNS.organizations);

  return {
    async list(ctx: AuthedContext, p: Page) {
      const { rows, total } = await listOrganizations(d.db, await where(ctx, 'org:read'), p);
      return { data: rows.map(toOrganizationView), meta: listMeta(p, total) };
    },

    async create(ctx: AuthedContext, input: OrganizationInput) {
      const org = await d.db
        .transaction(async (tx) => {
          const o = await insertOrganization(tx, { id: randomUUID(), name: input.name, slug: input.slug });
          await insertMember(tx, { organizationId: o.id, userId: ctx.principal.userId, role: 'OWNER' });
          await recordChange(d.audit, tx, ctx, {
            action: 'commerce.organization.create',
            targetType: 'organization',
            targetId: o.id,
            organizationId: o.id,
            changes: changesOf({}, { name: o.name, slug: o.slug }),
          });
          await recordChange(d.audit, tx, ctx, {
            action: 'commerce.member.role_change',
            targetType: 'user',
            targetId: ctx.principal.userId,
            organizationId: o.id,
            changes: { role: { before: null, after: 'OWNER' } },
          });
          return o;
        })
        .catch(slugTaken);
      d.access.forget(ctx);
      await d.access.changed({ userIds: [ctx.principal.userId] });
      return toOrganizationView(org);
    },

    async get(ctx: AuthedContext, id: string) {
      const o = await findOrganization(d.db, id, await where(ctx, 'org:read'));
      if (!o) throw commerceErrors.notFound('organization');
      return toOrganizationView(o);
    },

    async update(ctx: AuthedContext, id: string, patch: Partial<OrganizationInput>) {
      const roles = d.access.grants(ctx).roles;
      guardFields(d.audit, ctx, { resource: 'org', roles, fields: sentFields(patch), action: 'commerce.organization.update', targetId: id });
      const w = await where(ctx, 'org:update');
      const o = await d.db
        .transaction(async (tx) => {
          const before = await findOrganization(tx, id, w, true);
          if (!before) throw commerceErrors.notFound('organization');
          const changes = changesOf(before, patch);
          if (Object.keys(changes).length === 0) return before;
          const after = (await updateOrganization(tx, id, w, patch))!;
          await recordChange(d.audit, tx, ctx, { action: 'commerce.organization.update', targetType: 'organization', targetId: id, organizationId: id, changes });
          return after;
        })
        .catch(slugTaken);
      return toOrganizationView(o);
    },

    async remove(ctx: AuthedContext, id: string): Promise<void> {
      const w = await where(ctx, 'org:delete');
      await d.db.transaction(async (tx) => {
        const before = await findOrganization(tx, id, w, true);
        if (!before) throw commerceErrors.notFound('organization');
        const at = new Date();
        await updateOrganization(tx, id, w, { deletedAt: at });
        await cascadeOrganizationDelete(tx, id, at);
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.organization.delete',
          targetType: 'organization',
          targetId: id,
          organizationId: id,
          changes: { deletedAt: { before: null, after: at.toISOString() } },
        });
      });
      // Every member of the organization and of its stores loses it.
      await d.access.changed({ all: true });
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
