import type { Problem } from '@gatehouse/engine';
import { AppError } from '../../http/errors.ts';

export const workflowsErrors = {
  notFound: () => new AppError('not_found', 'WORKFLOW_NOT_FOUND', 'Workflow not found'),
  versionNotFound: (v: number) => new AppError('not_found', 'VERSION_NOT_FOUND', `The workflow has no version ${v}`),
  baseVersionRequired: () =>
    new AppError('invalid', 'BASE_VERSION_REQUIRED', 'Say which version your change is based on: an If-Match: "<version>" header or a baseVersion field', [
      { path: 'body.baseVersion', message: 'is required (or send If-Match)' },
    ]),
  baseVersionInvalid: (message: string) => new AppError('invalid', 'BASE_VERSION_INVALID', message, [{ path: 'headers.if-match', message }]),
  /** 409 rather than a silent overwrite: the caller reloads, merges and saves again. */
  stale: (baseVersion: number, currentVersion: number) =>
    new AppError(
      'conflict',
      'VERSION_CONFLICT',
      `The workflow changed since version ${baseVersion}; it is at version ${currentVersion}. Reload it and apply your change again.`,
      { baseVersion, currentVersion },
    ),
  /** 409 like a stale base, but saying what is wrong: the client names a version the workflow never had. */
  baseVersionNotFound: (baseVersion: number, currentVersion: number) =>
    new AppError(
      'conflict',
      'BASE_VERSION_NOT_FOUND',
      `Your change is based on version ${baseVersion}, which does not exist: the workflow is at version ${currentVersion}. Send the version you loaded (its ETag).`,
      { baseVersion, currentVersion },
    ),
  tooLarge: (problems: readonly Problem[]) =>
    new AppError('unprocessable', 'DEFINITION_TOO_LARGE', problems.map((p) => p.message).join('; '), problems),
  badText: (path: string) =>
    new AppError('invalid', 'VALIDATION_FAILED', 'Request validation failed', [{ path, message: 'must not contain NUL (\\u0000) characters' }]),
  blankName: (path: string) => new AppError('invalid', 'VALIDATION_FAILED', 'Request validation failed', [{ path, message: 'must not be blank' }]),
  /** Past the retention the purge may run at any moment: the workflow is refused rather than half-restored. */
  trashExpired: () =>
    new AppError('not_found', 'WORKFLOW_TRASH_EXPIRED', 'The workflow was deleted more than 30 days ago; it can no longer be restored and will be purged'),
  notInTrash: () => new AppError('conflict', 'WORKFLOW_NOT_DELETED', 'The workflow is not in the trash'),
};
