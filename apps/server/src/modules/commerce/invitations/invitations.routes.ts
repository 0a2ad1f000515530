import { Type, type TSchema } from 'typebox';
import { INVITE_PERMISSION, authenticated, scopedPermission } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import { requirePrincipal } from '../../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../../http/pagination.ts';
import { fromParam, type CommerceAccess, type GrantsHook } from '../access.ts';
import { OrganizationRoleSchema } from '../organizations/index.ts';
import { Email, IdParams, Uuid, docs, scoped, strict } from '../routing.ts';
import { StoreRoleSchema } from '../stores/index.ts';
import type { InvitationKind } from './invitations.repo.ts';
import type { InvitesService } from './invite.service.ts';
import type { RespondService } from './respond.service.ts';
import { InvitationView } from './invitations.view.ts';

const OneParams = Type.Object({ id: Uuid, invitationId: Uuid }, strict);
const Paging = Type.Object(PageQuery, strict);
const ANSWER = 'always 201 with the invitation, whether or not the email has an account; nothing is granted until the invitee accepts';

interface ScopeRoutes {
  readonly kind: InvitationKind;
  readonly base: string;
  readonly group: string;
  readonly grants: GrantsHook;
  readonly body: TSchema;
  readonly who: string;
  /** Said of every route of the scope (who may, beyond the permission). */
  readonly also?: string;
}

function inviterRoutes(access: CommerceAccess, invites: InvitesService, o: ScopeRoutes): RouteSpec[] {
  const s = scoped(access, o.grants);
  const rule = scopedPermission(INVITE_PERMISSION[o.kind]);
  const d = (notes: string) => docs(o.group, `${notes}${o.also ?? ''}`);
  return [
    defineRoute({
      method: 'GET',
      url: `${o.base}/invitations`,
      access: rule,
      ...s,
      docs: d(`List the pending invitations ${o.who}; expired ones show as EXPIRED`),
      schema: { params: IdParams, querystring: Paging, response: { 200: listOf(InvitationView) } },
      handler: async (req) => invites.list(requirePrincipal(req.ctx), o.kind, req.params.id, pageOf(req.query)),
    }),
    defineRoute({
      method: 'POST',
      url: `${o.base}/invitations`,
      access: rule,
      ...s,
      docs: d(`Invite an email ${o.who}: ${ANSWER}; escalation guard when inviting and again when accepting`),
      schema: { params: IdParams, body: o.body, response: { 201: dataOf(InvitationView) } },
      handler: async (req, reply) =>
        reply.code(201).send({ data: await invites.invite(requirePrincipal(req.ctx), o.kind, req.params.id, req.body as { email: string; role?: string }) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${o.base}/invitations/:invitationId`,
      access: rule,
      ...s,
      docs: d('Revoke a pending invitation (escalation guard: only for roles the caller could grant)'),
      schema: { params: OneParams },
      handler: async (req, reply) => {
        await invites.revoke(requirePrincipal(req.ctx), o.kind, req.params.id, req.params.invitationId);
        return reply.code(204).send();
      },
    }),
  ];
}

/** The invitation routes, by where they belong in the docs: organization, store, customer, and the invitee's own. */
export function invitationsRoutes(access: CommerceAccess, invites: InvitesService, respond: RespondService) {
  const invitee = (notes: string) => ({ access: authenticated, rateCategory: 'default', mode: 'sync', docs: docs('Invitations', notes, 'Authenticated') }) as const;
  const answer = (action: 'accept' | 'decline', notes: string) =>
    defineRoute({
      method: 'POST',
      url: `/api/invitations/:id/${action}`,
      ...invitee(notes),
      schema: { params: IdParams, response: { 200: dataOf(InvitationView) } },
      handler: async (req) => ({ data: await respond[action](requirePrincipal(req.ctx), req.params.id) }),
    });
  return {
    organization: inviterRoutes(access, invites, {
      kind: 'organization',
      base: '/api/organizations/:id',
      group: 'Organization Members',
      grants: access.hooks.organization(fromParam('id')),
      body: Type.Object({ email: Email, role: OrganizationRoleSchema }, strict),
      who: 'to an organization role',
    }),
    store: inviterRoutes(access, invites, {
      kind: 'store',
      base: '/api/stores/:id',
      group: 'Store Staff',
      grants: access.hooks.store(fromParam('id')),
      body: Type.Object({ email: Email, role: StoreRoleSchema }, strict),
      who: 'to a store role',
    }),
    customer: inviterRoutes(access, invites, {
      kind: 'customer',
      base: '/api/customers/:id',
      group: 'Customers',
      grants: access.hooks.object('customers'),
      body: Type.Object({ email: Email, role: Type.Optional(Type.Literal('CUSTOMER')) }, strict),
      who: 'to link this customer record to their account (CUSTOMER in its store)',
      also: '; only roles that may grant CUSTOMER, others 403 ROLE_ESCALATION',
    }),
    invitee: [
      defineRoute({
        method: 'GET',
        url: '/api/invitations',
        ...invitee('List the pending invitations addressed to the caller’s account email'),
        schema: { querystring: Paging, response: { 200: listOf(InvitationView) } },
        handler: async (req) => respond.mine(requirePrincipal(req.ctx), pageOf(req.query)),
      }),
      answer('accept', 'Accept an invitation addressed to you: the role is granted now (escalation guard with the inviter’s rights of now); anyone else’s: 404'),
      answer('decline', 'Decline an invitation addressed to you; anyone else’s: 404'),
    ],
  };
}
