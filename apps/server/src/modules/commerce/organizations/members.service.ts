/**
 * Organization members: change a role, remove a member. Joining is by invitation only (invitations/): nobody is
 * added without accepting, and inviting never tells whether an email has an account.
 *
 * The escalation guard: the caller must hold, at organization level, every permission of the role they grant and
 * of the role they change or take away. So an ADMIN (no `org:delete`) can neither make an OWNER nor touch one, and
 * the last OWNER can never be demoted or removed (an organization without an owner could not be deleted).
 */
import { COMMERCE_RBAC, missingToGrant, type CommerceGrants, type OrganizationRole } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { recordChange, recordDenial } from '../writes.ts';
import { countOwners, deleteMember, findMember, findMemberWithUser, listMembers, lockOrganization, setMemberRole } from './members.repo.ts';
import type { MemberView } from './organizations.view.ts';

export function createMembersService(d: CommerceDeps) {
  /**
   * The caller's organization-level grants, read again under the organization lock: a role change that committed
   * since this request's grants were resolved (two owners demoting each other at once) must count.
   */
  async function currentGrants(tx: Tx, ctx: AuthedContext, organizationId: string): Promise<CommerceGrants> {
    const g = d.access.grants(ctx);
    if (ctx.principal.isStaff) return g;
    const me = await findMember(tx, organizationId, ctx.principal.userId);
    const now = COMMERCE_RBAC.grantsOf(me ? [me.role] : []);
    if (!now.has('org:update')) throw commerceErrors.permission('update', 'org');
    return { ...g, roles: me ? [me.role] : [], has: (p) => now.has(p) };
  }

  /** Refuses (and audits) a grant, change or removal the caller's own permissions do not cover. */
  function guard(ctx: AuthedContext, g: CommerceGrants, role: OrganizationRole, targetId: string, changing: boolean): void {
    const missing = missingToGrant(g, role);
    if (missing.length === 0) return;
    const err = changing && role === 'OWNER' ? commerceErrors.ownerProtected() : commerceErrors.escalation(role, missing);
    recordDenial(d.audit, ctx, { action: 'commerce.member.role_change', code: err.code, targetType: 'user', targetId, details: { role, missing } });
    throw err;
  }

  /** The last OWNER stays (a refusal, so audited with its reason like any other). */
  async function keepAnOwner(tx: Tx, ctx: AuthedContext, organizationId: string, userId: string, current: OrganizationRole, to: OrganizationRole | null): Promise<void> {
    if (current !== 'OWNER' || (await countOwners(tx, organizationId)) > 1) return;
    recordDenial(d.audit, ctx, { action: 'commerce.member.role_change', code: 'LAST_OWNER', targetType: 'user', targetId: userId, details: { role: current, to } });
    throw commerceErrors.lastOwner();
  }

  const audit = (tx: Tx, ctx: AuthedContext, organizationId: string, userId: string, before: string | null, after: string | null) =>
    recordChange(d.audit, tx, ctx, {
      action: 'commerce.member.role_change',
      targetType: 'user',
      targetId: userId,
      organizationId,
      changes: { role: { before, after } },
    });

  return {
    async list(ctx: AuthedContext, organizationId: string, p: Page) {
      const { rows, total } = await listMembers(d.db, organizationId, p);
      const data: MemberView[] = rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
      return { data, meta: listMeta(p, total) };
    },

    async changeRole(ctx: AuthedContext, organizationId: string, userId: string, role: OrganizationRole): Promise<MemberView> {
      const view = await d.db.transaction(async (tx) => {
        await lockOrganization(tx, organizationId);
        const g = await currentGrants(tx, ctx, organizationId);
        const m = await findMember(tx, organizationId, userId);
        if (!m) throw commerceErrors.notFound('member');
        if (m.role !== role) {
          guard(ctx, g, m.role, userId, true);
          guard(ctx, g, role, userId, false);
          await keepAnOwner(tx, ctx, organizationId, userId, m.role, role);
          await setMemberRole(tx, organizationId, userId, role);
          await audit(tx, ctx, organizationId, userId, m.role, role);
        }
        return (await findMemberWithUser(tx, organizationId, userId))!;
      });
      d.access.forget(ctx);
      await d.access.changed({ userIds: [userId] });
      return { ...view, createdAt: view.createdAt.toISOString() };
    },

    async remove(ctx: AuthedContext, organizationId: string, userId: string): Promise<void> {
      await d.db.transaction(async (tx) => {
        await lockOrganization(tx, organizationId);
        const g = await currentGrants(tx, ctx, organizationId);
        const m = await findMember(tx, organizationId, userId);
        if (!m) throw commerceErrors.notFound('member');
        guard(ctx, g, m.role, userId, true);
        await keepAnOwner(tx, ctx, organizationId, userId, m.role, null);
        await deleteMember(tx, organizationId, userId);
        await audit(tx, ctx, organizationId, userId, m.role, null);
      });
      d.access.forget(ctx);
      await d.access.changed({ userIds: [userId] });
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
