import { Type, type Static } from 'typebox';
import type { UserRow } from './users.repo.ts';

/** The user as clients see it. Built field by field so a new secret column can never leak by default. */
export const PublicUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  tier: Type.Union([Type.Literal('free'), Type.Literal('pro'), Type.Literal('enterprise')]),
  isStaff: Type.Boolean(),
  credits: Type.Integer(),
  hasPassword: Type.Boolean(),
  googleLinked: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type PublicUser = Static<typeof PublicUser>;

export function toPublicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    tier: u.tier,
    isStaff: u.isStaff,
    credits: u.credits,
    hasPassword: u.passwordHash !== null,
    googleLinked: u.googleSub !== null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

export const Tokens = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
});
export type Tokens = Static<typeof Tokens>;
