/**
 * The inviter's side of invitations: invite an email with a role into an organization, a store or a customer record,
 * list the scope's pending invitations, revoke one.
 *
 * Inviting answers the same whether or not the email has an account (201 with the invitation, never a user id), and
 * grants nothing: the invitee accepts (respond.service.ts). The escalation guard applies here and again at accept.
 * Inviting the same email again into the same scope renews the pending invitation (new role, new expiry).
 */
import { randomUUID } from 'node:crypto';
import { managesCustomerLinks, missingToInvite, type CommerceRole } from '@gatehouse/policy';
import type { Tx } from '../../../db/database.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { normaliseEmail } from '../../identity/index.ts';
import { commerceErrors } from '../commerce.errors.ts';
import type { CommerceDeps } from '../deps.ts';
import { listMeta, type Page } from '../page.ts';
import { changesOf, recordChange, recordDenial } from '../writes.ts';
import {
  findInvitation,
  findNamed,
  findPendingFor,
  insertInvitation,
  listScope,
  lockScope,
  memberWithEmail,
  updateInvitation,
  type InvitationKind,
  type InvitationScope,
} from './invitations.repo.ts';
import { toInvitationView, type InvitationView } from './invitations.view.ts';

/** How long an invitation waits for its answer. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const storeOf = (s: InvitationScope) => ('storeId' in s ? s.storeId : null);

export function createInvitesService(d: CommerceDeps) {
  /** Refuses (and audits) an invitation for a role the caller could not grant here. */
  function guard(ctx: AuthedContext, s: InvitationScope, role: string, action: string, targetId?: string): void {
    const missing = missingToInvite(d.access.grants(ctx), s.kind, role as CommerceRole);
    if (missing.length === 0) return;
    recordDenial(d.audit, ctx, { action, code: 'ROLE_ESCALATION', targetType: 'invitation', ...(targetId ? { targetId } : {}), details: { kind: s.kind, role, missing } });
    throw commerceErrors.escalation(role, missing);
  }

  /** The scope the route resolved: the organization or store of the request, or a customer record of its store. */
  function scopeOf(ctx: AuthedContext, kind: InvitationKind, id: string): InvitationScope {
    const g = d.access.grants(ctx).scope;
    if (kind === 'organization') {
      if (g.addressed !== 'organization') throw new Error('organization invitations need an organization scope');
      return { kind, organizationId: g.organizationId };
    }
    const st = d.access.store(ctx);
    return kind === 'store' ? { kind, ...st } : { kind, ...st, customerId: id };
  }

  async function live(tx: Tx, s: InvitationScope): Promise<{ linkedUserId?: string | null }> {
    const state = await lockScope(tx, s);
    if (!state.live) throw commerceErrors.notFound(s.kind === 'organization' ? 'organization' : s.kind === 'store' ? 'store' : 'customer');
    return state;
  }

  return {
    async invite(ctx: AuthedContext, kind: InvitationKind, scopeId: string, input: { email: string; role?: string | undefined }): Promise<InvitationView> {
      const s = scopeOf(ctx, kind, scopeId);
      const email = normaliseEmail(input.email);
      // A customer record offers one role; the body may name it or not.
      const role = kind === 'customer' ? 'CUSTOMER' : input.role!;
      guard(ctx, s, role, 'commerce.invitation.create');
      const named = await d.db.transaction(async (tx) => {
        const state = await live(tx, s);
        if (s.kind === 'customer' && state.linkedUserId) throw commerceErrors.customerLinked();
        // Members of this organization or store are listed, with their emails, to whoever may invite here: saying
        // so reveals nothing the inviter cannot already read. Whether an account exists is never told.
        if (await memberWithEmail(tx, s, email)) throw commerceErrors.alreadyMember();
        const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
        const existing = await findPendingFor(tx, s, email);
        const id = existing?.id ?? randomUUID();
        if (existing) await updateInvitation(tx, id, { role, expiresAt, invitedBy: ctx.principal.userId });
        else {
          await insertInvitation(tx, {
            id,
            kind: s.kind,
            organizationId: s.organizationId,
            storeId: storeOf(s),
            customerId: s.kind === 'customer' ? s.customerId : null,
            email,
            role,
            invitedBy: ctx.principal.userId,
            expiresAt,
          });
        }
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.invitation.create',
          targetType: 'invitation',
          targetId: id,
          organizationId: s.organizationId,
          storeId: storeOf(s),
          changes: changesOf(existing ?? {}, { email, role, status: 'PENDING', expiresAt }),
          details: { kind: s.kind },
        });
        return (await findNamed(tx, id))!;
      });
      return toInvitationView(named);
    },

    async list(ctx: AuthedContext, kind: InvitationKind, scopeId: string, p: Page) {
      const s = scopeOf(ctx, kind, scopeId);
      // A customer record's pending link is the business of those who manage links (the same who see `userId`).
      if (s.kind === 'customer' && !managesCustomerLinks(d.access.grants(ctx))) guard(ctx, s, 'CUSTOMER', 'commerce.invitation.list');
      const { rows, total } = await listScope(d.db, s, p);
      const now = new Date();
      return { data: rows.map((r) => toInvitationView(r, now)), meta: listMeta(p, total) };
    },

    async revoke(ctx: AuthedContext, kind: InvitationKind, scopeId: string, id: string): Promise<void> {
      const s = scopeOf(ctx, kind, scopeId);
      await d.db.transaction(async (tx) => {
        await live(tx, s);
        const inv = await findInvitation(tx, id, s);
        if (!inv) throw commerceErrors.notFound('invitation');
        // Taking back an offer of a role is a change to that role: the same guard as granting it.
        guard(ctx, s, inv.role, 'commerce.invitation.revoke', id);
        if (inv.status !== 'PENDING') throw commerceErrors.invitationClosed(inv.status);
        const at = new Date();
        await updateInvitation(tx, id, { status: 'REVOKED', respondedAt: at });
        await recordChange(d.audit, tx, ctx, {
          action: 'commerce.invitation.revoke',
          targetType: 'invitation',
          targetId: id,
          organizationId: s.organizationId,
          storeId: storeOf(s),
          changes: { status: { before: 'PENDING', after: 'REVOKED' } },
          details: { kind: s.kind, email: inv.email, role: inv.role },
        });
      });
    },
  };
}

export type InvitesService = ReturnType<typeof createInvitesService>;
