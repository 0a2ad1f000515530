import type { Problem } from '@gatehouse/engine';
import { AppError } from '../../http/errors.ts';

export const compilerErrors = {
  /** 422 with every problem (errors and warnings) in `details`, so a client fixes them all in one go. */
  invalid: (problems: readonly Problem[]) => {
    const errors = problems.filter((p) => p.severity === 'error').length;
    return new AppError('unprocessable', 'WORKFLOW_INVALID', `The workflow has ${errors} error${errors === 1 ? '' : 's'}; see details`, problems);
  },
  workflowNotFound: () => new AppError('not_found', 'WORKFLOW_NOT_FOUND', 'Workflow not found'),
  versionNotFound: (v: number) => new AppError('not_found', 'VERSION_NOT_FOUND', `The workflow has no version ${v}`),
};
