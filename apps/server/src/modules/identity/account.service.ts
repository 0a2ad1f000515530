/**
 * The signed-in user's own account (profile, password) and the staff views of other users.
 */
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { identityErrors } from './identity.errors.ts';
import { passwordProblem, type PasswordHasher } from './passwords.ts';
import type { Revocations } from './revocations.ts';
import { revokeUserSessions } from './sessions.repo.ts';
import type { UserCache } from './user-cache.ts';
import { findUserById, listUsers, updateUser } from './users.repo.ts';
import { toPublicUser, type PublicUser } from './view.ts';

export interface AccountDeps {
  readonly db: Db;
  readonly hasher: PasswordHasher;
  readonly revocations: Revocations;
  readonly userCache: UserCache;
  readonly audit: AuditService;
}

export interface Page<T> {
  readonly data: T[];
  readonly meta: { page: number; perPage: number; total: number };
}

export function createAccountService(d: AccountDeps) {
  return {
    /** From the user cache: every write to a user row invalidates it (see user-cache.ts). */
    async me(ctx: AuthedContext): Promise<PublicUser> {
      const cached = d.userCache.peek(ctx.principal.userId);
      const u = cached === undefined ? await d.userCache.get(ctx.principal.userId) : cached;
      if (!u) throw identityErrors.userNotFound();
      return u;
    },

    /** Only profile fields: the route's schema already refused tier, isStaff, credits and email. */
    async updateMe(ctx: AuthedContext, patch: { name?: string | undefined }): Promise<PublicUser> {
      const u = await updateUser(d.db, ctx.principal.userId, patch.name === undefined ? {} : { name: patch.name.trim() });
      if (!u) throw identityErrors.userNotFound();
      await d.userCache.invalidate(u.id);
      return toPublicUser(u);
    },

    async changePassword(ctx: AuthedContext, input: { currentPassword: string; newPassword: string }): Promise<void> {
      const u = await findUserById(d.db, ctx.principal.userId);
      if (!u) throw identityErrors.userNotFound();
      if (u.passwordHash === null) throw identityErrors.noPassword();
      if (!(await d.hasher.verify(u.passwordHash, input.currentPassword))) {
        d.audit.recordLater(ctx, { action: 'user.password_change', outcome: 'failure', details: { reason: 'wrong_current_password' } });
        throw identityErrors.wrongCurrentPassword();
      }
      const problem = passwordProblem(input.newPassword, u.email);
      if (problem) throw identityErrors.weakPassword(problem, 'newPassword');
      const passwordHash = await d.hasher.hash(input.newPassword);
      const revoked = await d.db.transaction(async (tx) => {
        await updateUser(tx, u.id, { passwordHash });
        // Every other sign-in ends; the session that changed the password goes on.
        const ids = await revokeUserSessions(tx, u.id, 'password_change', ctx.principal.sessionId);
        await d.audit.record(tx, ctx, { action: 'user.password_change', outcome: 'success', details: { revokedSessions: ids.length } });
        return ids;
      });
      // The profile shows the change (updatedAt).
      await d.userCache.invalidate(u.id);
      await d.revocations.revoke(revoked);
    },

    async getUser(ctx: AuthedContext, id: string): Promise<PublicUser> {
      const u = await findUserById(d.db, id);
      if (!u) throw identityErrors.userNotFound();
      d.audit.recordLater(ctx, { action: 'admin.view_user', outcome: 'success', subjectId: u.id, targetType: 'user', targetId: u.id });
      return toPublicUser(u);
    },

    async listUsers(ctx: AuthedContext, q: { page: number; perPage: number; email?: string | undefined }): Promise<Page<PublicUser>> {
      const { rows, total } = await listUsers(d.db, q);
      d.audit.recordLater(ctx, { action: 'admin.list_users', outcome: 'success', details: { page: q.page, ...(q.email ? { email: q.email } : {}) } });
      return { data: rows.map(toPublicUser), meta: { page: q.page, perPage: q.perPage, total } };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
