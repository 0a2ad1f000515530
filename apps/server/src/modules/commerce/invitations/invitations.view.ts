import { Type, type Static } from 'typebox';
import { Nullable, Timestamp } from '../routing.ts';
import type { NamedInvitation } from './invitations.repo.ts';

export const InvitationStatus = Type.Enum(['PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED', 'EXPIRED']);

/**
 * An invitation as inviter and invitee see it. Never the invitee's user id: whether the email has an account is
 * exactly what inviting must not reveal.
 */
export const InvitationView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Type.String(),
  scope: Type.Object({
    type: Type.Enum(['organization', 'store', 'customer']),
    organizationId: Type.String(),
    organizationName: Type.String(),
    storeId: Nullable(Type.String()),
    storeName: Nullable(Type.String()),
    customerId: Nullable(Type.String()),
  }),
  status: InvitationStatus,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  respondedAt: Nullable(Timestamp),
});
export type InvitationView = Static<typeof InvitationView>;

export function toInvitationView(n: NamedInvitation, now = new Date()): InvitationView {
  const i = n.invitation;
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    scope: {
      type: i.kind,
      organizationId: i.organizationId,
      organizationName: n.organizationName,
      storeId: i.storeId,
      storeName: n.storeName,
      customerId: i.customerId,
    },
    status: i.status === 'PENDING' && i.expiresAt <= now ? 'EXPIRED' : i.status,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    respondedAt: i.respondedAt?.toISOString() ?? null,
  };
}
