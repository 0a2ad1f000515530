import { AppError } from '../../http/errors.ts';

/** One message for unknown email and wrong password: the response must not reveal which accounts exist. */
export const INVALID_LOGIN = 'Invalid email or password';

export const identityErrors = {
  invalidLogin: () => new AppError('unauthenticated', 'INVALID_CREDENTIALS', INVALID_LOGIN),
  invalidRefresh: () => new AppError('unauthenticated', 'UNAUTHORIZED', 'Unauthorized'),
  emailTaken: () => new AppError('conflict', 'EMAIL_TAKEN', 'An account with this email already exists'),
  weakPassword: (message: string, field: string) =>
    new AppError('invalid', 'WEAK_PASSWORD', message, [{ path: `body.${field}`, message }]),
  wrongCurrentPassword: () => new AppError('forbidden', 'WRONG_PASSWORD', 'The current password is not correct'),
  noPassword: () =>
    new AppError('conflict', 'NO_PASSWORD', 'This account signs in with Google and has no password to change'),
  userNotFound: () => new AppError('not_found', 'USER_NOT_FOUND', 'User not found'),
  googleNotConfigured: () =>
    new AppError('unavailable', 'GOOGLE_NOT_CONFIGURED', 'Google sign-in is not configured on this server'),
  googleTokenInvalid: () => new AppError('unauthenticated', 'INVALID_GOOGLE_TOKEN', 'Unauthorized'),
  googleEmailUnverified: () =>
    new AppError('forbidden', 'GOOGLE_EMAIL_UNVERIFIED', 'Google has not verified this email address'),
  googleAccountMismatch: () =>
    new AppError(
      'conflict',
      'GOOGLE_ACCOUNT_MISMATCH',
      'The account with this email is already linked to a different Google account',
    ),
};
