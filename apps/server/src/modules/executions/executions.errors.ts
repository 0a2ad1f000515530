import type { Problem } from '@gatehouse/engine';
import { AppError } from '../../http/errors.ts';

export const executionErrors = {
  notFound: () => new AppError('not_found', 'EXECUTION_NOT_FOUND', 'Execution not found'),
  workflowNotFound: () => new AppError('not_found', 'WORKFLOW_NOT_FOUND', 'Workflow not found'),
  hitlNotFound: () => new AppError('not_found', 'HITL_NOT_FOUND', 'Request not found'),
  conflict: (message: string, status: string) =>
    new AppError('conflict', 'INVALID_EXECUTION_STATE', message, { status }),
  alreadyAnswered: (status: string) =>
    new AppError('conflict', 'HITL_ALREADY_ANSWERED', 'This request has already been answered', { status }),
  doesNotCompile: (problems: readonly Problem[]) =>
    new AppError('unprocessable', 'WORKFLOW_INVALID', 'The workflow does not compile', { problems }),
  invalidInput: (problems: ReadonlyArray<{ path: string; message: string }>) =>
    new AppError('invalid', 'VALIDATION_FAILED', "Input does not match the trigger's schema", problems),
  invalidResponse: (problems: ReadonlyArray<{ path: string; message: string }>) =>
    new AppError('invalid', 'VALIDATION_FAILED', "Response data does not match the request's form", problems),
  nodeNotFound: (nodeId: string) =>
    new AppError('unprocessable', 'NODE_NOT_FOUND', `The workflow has no node ${nodeId}`),
};
