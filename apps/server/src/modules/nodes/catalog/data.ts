import { Type } from 'typebox';
import { CredentialId, node, orTemplate, strict } from './schema-helpers.ts';

const Method = Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => Type.Literal(m)), { default: 'GET' });
const StringMap = Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 8192 }));

export const DATA = [
  node({
    category: 'data',
    type: 'data.set',
    displayName: 'Set fields',
    description: 'Outputs an object of fields (values may be templates), optionally on top of its input.',
    config: Type.Object({ values: Type.Optional(Type.Record(Type.String(), Type.Unknown())), keepInput: Type.Optional(Type.Boolean({ default: false })) }, strict),
  }),
  node({
    category: 'data',
    type: 'data.transform',
    displayName: 'Transform',
    description: 'Outputs `output`: usually one template that reshapes the input with JSONata.',
    config: Type.Object({ output: Type.Unknown() }, strict),
  }),
  node({
    category: 'data',
    type: 'data.filter',
    displayName: 'Filter',
    description: 'Keeps the items (its input, or `items`) for which `condition` holds; the condition reads each as $item and $index.',
    config: Type.Object({ items: Type.Optional(orTemplate(Type.Array(Type.Unknown()))), condition: orTemplate(Type.Boolean()) }, strict),
  }),
  node({
    category: 'code',
    type: 'code.js',
    displayName: 'JavaScript',
    description: 'Runs JavaScript in a sandbox (no network, no file system, bounded time and memory); `source` is taken literally.',
    rawConfigKeys: ['source'],
    config: Type.Object(
      { source: Type.String({ minLength: 1, maxLength: 100_000 }), timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 30_000, default: 1000 })) },
      strict,
    ),
  }),
  node({
    category: 'http',
    type: 'http.request',
    displayName: 'HTTP request',
    description: 'Calls an HTTP API (public addresses only, unless the operator allows more) and outputs the response.',
    credentialTypes: ['http.bearer', 'http.basic', 'http.header', 'oauth2'],
    config: Type.Object(
      {
        method: Type.Optional(Method),
        url: Type.String({ minLength: 1, maxLength: 8192 }),
        headers: Type.Optional(StringMap),
        query: Type.Optional(StringMap),
        body: Type.Optional(Type.Unknown()),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 120_000, default: 30_000 })),
        responseType: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('text')], { default: 'auto' })),
        credentialId: Type.Optional(CredentialId),
      },
      strict,
    ),
  }),
];

