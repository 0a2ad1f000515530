import { Type } from 'typebox';
import { admin, authenticated } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../http/pagination.ts';
import { Name, Password, strict } from './identity.schemas.ts';
import { PublicUser } from './view.ts';
import type { AccountService } from './account.service.ts';

const docs = (notes: string) => ({ section: '👤 Core APIs (`/api/`)', group: 'User Profile', notes });
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

export function usersRoutes(account: AccountService): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/users/me',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('Own profile only'),
      schema: { response: { 200: dataOf(PublicUser) } },
      handler: async (req) => ({ data: await account.me(requirePrincipal(req.ctx)) }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/users/me',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('Own profile only (name; tier, isStaff, credits and email are not writable)'),
      schema: { body: Type.Object({ name: Type.Optional(Name) }, strict), response: { 200: dataOf(PublicUser) } },
      handler: async (req) => ({ data: await account.updateMe(requirePrincipal(req.ctx), req.body) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/users/password',
      access: authenticated,
      rateCategory: 'auth',
      mode: 'sync',
      docs: docs('Change password; other sessions are revoked'),
      schema: { body: Type.Object({ currentPassword: Password, newPassword: Password }, strict) },
      handler: async (req, reply) => {
        await account.changePassword(requirePrincipal(req.ctx), req.body);
        return reply.code(204).send();
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/users/:id',
      access: admin,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('View any user (staff; audited)'),
      schema: { params: Id, response: { 200: dataOf(PublicUser) } },
      handler: async (req) => ({ data: await account.getUser(requirePrincipal(req.ctx), req.params.id) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/users/',
      access: admin,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('List all users (staff; paginated, ?email= search)'),
      schema: {
        querystring: Type.Object({ ...PageQuery, email: Type.Optional(Type.String({ maxLength: 254 })) }, strict),
        response: { 200: listOf(PublicUser) },
      },
      handler: async (req) => account.listUsers(requirePrincipal(req.ctx), { ...pageOf(req.query), email: req.query.email }),
    }),
  ];
}
