import { AppError } from '../../http/errors.ts';

export const nodesErrors = {
  typeNotFound: (type: string) => new AppError('not_found', 'NODE_TYPE_NOT_FOUND', `No node type ${JSON.stringify(type.slice(0, 80))}`),
  customNotFound: () => new AppError('not_found', 'CUSTOM_NODE_NOT_FOUND', 'Custom node not found'),
  slugTaken: (slug: string) => new AppError('conflict', 'CUSTOM_NODE_EXISTS', `You already have a custom node custom.${slug}`),
  invalidSchema: (problems: readonly string[]) =>
    new AppError('unprocessable', 'INVALID_CONFIG_SCHEMA', 'configSchema is not an acceptable JSON Schema', problems.map((message) => ({ path: 'body.configSchema', message }))),
  invalidPorts: (field: 'inputs' | 'outputs', message: string) =>
    new AppError('unprocessable', 'INVALID_PORTS', `${field}: ${message}`, [{ path: `body.${field}`, message }]),
  invalidUrl: (message: string) =>
    new AppError('unprocessable', 'INVALID_IMPLEMENTATION', `implementation.url ${message}`, [{ path: 'body.implementation.url', message }]),
  workflowNotFound: () =>
    new AppError('unprocessable', 'INVALID_IMPLEMENTATION', 'implementation.workflowId names none of your workflows', [
      { path: 'body.implementation.workflowId', message: 'names none of your workflows' },
    ]),
  badText: (path: string) => new AppError('invalid', 'VALIDATION_FAILED', 'Request validation failed', [{ path, message: 'must not contain NUL (\\u0000) characters' }]),
  blankName: () => new AppError('invalid', 'VALIDATION_FAILED', 'Request validation failed', [{ path: 'body.displayName', message: 'must not be blank' }]),
  tooMany: (max: number) => new AppError('unprocessable', 'CUSTOM_NODE_LIMIT', `You can have at most ${max} custom nodes; delete one first`),
};
