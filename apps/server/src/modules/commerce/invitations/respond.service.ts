/**
 * The invitee's side of invitations: list the pending invitations addressed to the caller's account email, accept one
 * (only then is the role granted) or decline it.
 *
 * Accepting checks the escalation guard again with the inviter's rights of this moment: an inviter who was demoted or
 * removed since cannot hand out, through an old invitation, a role they could no longer grant. An invitation
 * addressed to someone else is not found (404), and that attempt is audited as a denial.
 */
import { grantsIn, missingToInvite, type CommerceRole, type CommerceScope } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { normaliseEmail } from '../../identity/index.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { loadMemberships } from '../memberships.repo.ts';
import { listMeta, type Page } from '../page.ts';
import { recordChange, recordDenial } from '../writes.ts';
import {
  findInvitation,
  findNamed,
  grantInvitation,
  listAddressedTo,
  lockScope,
  scopeOf,
  updateInvitation,
  userById,
  type InvitationRow,
} from './invitations.repo.ts';
import { toInvitationView, type InvitationView } from './invitations.view.ts';

const ROLE_CHANGE_ACTION: Record<InvitationRow['kind'], string> = {
  organization: 'commerce.member.role_change',
  store: 'commerce.staff.role_change',
  customer: 'commerce.customer.role_change',
};

const tenantOf = (inv: InvitationRow) => ({ organizationId: inv.organizationId, ...(inv.storeId ? { storeId: inv.storeId } : {}) });

export function createRespondService(d: CommerceDeps) {
  async function myEmail(tx: Tx, ctx: AuthedContext): Promise<string | null> {
    const me = await userById(tx, ctx.principal.userId);
    return me ? normaliseEmail(me.email) : null;
  }

  /** The caller's own pending, unexpired invitation, locked; anything else is refused. */
  async function addressed(tx: Tx, ctx: AuthedContext, id: string): Promise<InvitationRow> {
    const email = await myEmail(tx, ctx);
    const inv = await findInvitation(tx, id);
    if (!inv || inv.email !== email) {
      if (inv) {
        d.audit.recordLater(ctx, {
          action: 'access.denied',
          outcome: 'denied',
          targetType: 'invitation',
          targetId: id,
          ...tenantOf(inv),
          details: { status: 404, reason: 'NOT_INVITEE', required: 'the invitation addressed to your account email' },
        });
      }
      throw commerceErrors.notFound('invitation');
    }
    if (inv.status !== 'PENDING') throw commerceErrors.invitationClosed(inv.status);
    if (inv.expiresAt <= new Date()) throw commerceErrors.invitationExpired();
    return inv;
  }

  /** What the inviter lacks, now, to invite with this role into this scope (deleted inviters lack everything). */
  async function inviterMissing(tx: Tx, inv: InvitationRow): Promise<string[]> {
    const inviter = inv.invitedBy ? await userById(tx, inv.invitedBy) : null;
    const actor = { userId: inv.invitedBy ?? '', isStaff: inviter?.isStaff ?? false, memberships: inviter ? await loadMemberships(tx, inv.invitedBy!) : [] };
    const scope: CommerceScope =
      inv.kind === 'organization'
        ? { addressed: 'organization', organizationId: inv.organizationId }
        : { addressed: 'store', organizationId: inv.organizationId, storeId: inv.storeId! };
    return missingToInvite(grantsIn(actor, scope), inv.kind, inv.role as CommerceRole);
  }

  return {
    async mine(ctx: AuthedContext, p: Page) {
      const email = await myEmail(d.db, ctx);
      if (!email) return { data: [], meta: listMeta(p, 0) };
      const now = new Date();
      const { rows, total } = await listAddressedTo(d.db, email, now, p);
      return { data: rows.map((r) => toInvitationView(r, now)), meta: listMeta(p, total) };
    },

    async accept(ctx: AuthedContext, id: string): Promise<InvitationView> {
      const me = ctx.principal.userId;
      const named = await d.db.transaction(async (tx) => {
        const inv = await addressed(tx, ctx, id);
        const state = await lockScope(tx, scopeOf(inv));
        if (!state.live) throw commerceErrors.invitationStale();
        const missing = await inviterMissing(tx, inv);
        if (missing.length > 0) {
          recordDenial(d.audit, ctx, { action: 'commerce.invitation.accept', code: 'ROLE_ESCALATION', targetType: 'invitation', targetId: id, ...tenantOf(inv), details: { role: inv.role, invitedBy: inv.invitedBy, missing } });
          throw commerceErrors.inviterCannotGrant(inv.role, missing);
        }
        const granted = await grantInvitation(tx, inv, me, state.linkedUserId ?? null);
        if (granted === 'member') throw commerceErrors.alreadyMember();
        if (granted === 'linked') throw commerceErrors.customerLinked();
        const at = new Date();
        await updateInvitation(tx, id, { status: 'ACCEPTED', respondedAt: at, respondedBy: me });
        const tenant = { organizationId: inv.organizationId, storeId: inv.storeId };
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.invitation.accept',
          targetType: 'invitation',
          targetId: id,
          ...tenant,
          changes: { status: { before: 'PENDING', after: 'ACCEPTED' } },
          details: { kind: inv.kind, role: inv.role, invitedBy: inv.invitedBy },
        });
        await recordChange(d.audit, tx, ctx, {
          action: ROLE_CHANGE_ACTION[inv.kind],
          targetType: 'user',
          targetId: me,
          ...tenant,
          changes: { role: { before: null, after: inv.role } },
          details: { invitationId: id, invitedBy: inv.invitedBy, ...(inv.customerId ? { customerId: inv.customerId } : {}) },
        });
        return (await findNamed(tx, id))!;
      });
      d.access.forget(ctx);
      await d.access.changed({ userIds: [me] });
      return toInvitationView(named);
    },

    async decline(ctx: AuthedContext, id: string): Promise<InvitationView> {
      const named = await d.db.transaction(async (tx) => {
        const inv = await addressed(tx, ctx, id);
        await updateInvitation(tx, id, { status: 'DECLINED', respondedAt: new Date(), respondedBy: ctx.principal.userId });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.invitation.decline',
          targetType: 'invitation',
          targetId: id,
          organizationId: inv.organizationId,
          storeId: inv.storeId,
          changes: { status: { before: 'PENDING', after: 'DECLINED' } },
          details: { kind: inv.kind, role: inv.role },
        });
        return (await findNamed(tx, id))!;
      });
      return toInvitationView(named);
    },
  };
}

export type RespondService = ReturnType<typeof createRespondService>;
