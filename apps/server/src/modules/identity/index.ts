export { createIdentityModule, type IdentityModule } from './identity.module.ts';
export { resolveJwtSecret } from './jwt-secret.ts';
export { sha256 } from './tokens.ts';
export { normaliseEmail } from './sessions.service.ts';
export { passwordProblem } from './passwords.ts';
export type { PublicUser } from './view.ts';
export { insertUser, findUserByEmail, updateUser } from './users.repo.ts';
export { users } from './identity.tables.ts';
export { Email, isEmail } from './email.ts';
