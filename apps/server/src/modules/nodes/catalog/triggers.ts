import { Type } from 'typebox';
import { node, strict, MAIN } from './schema-helpers.ts';

const trigger = { category: 'trigger', trigger: true, inputs: [], outputs: [MAIN] } as const;

export const TRIGGERS = [
  node({
    ...trigger,
    type: 'trigger.manual',
    displayName: 'Manual trigger',
    description: 'Starts a run when someone executes the workflow, with the input they send.',
    config: Type.Object(
      { inputSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema the run input must satisfy' })) },
      strict,
    ),
  }),
  node({
    ...trigger,
    type: 'trigger.webhook',
    displayName: 'Webhook',
    description: 'Starts a run when an HTTP request arrives at the workflow’s webhook URL; the request is the input.',
    config: Type.Object(
      {
        method: Type.Optional(Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)), { default: 'POST' })),
        path: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'URL segment after the workflow id' })),
        responseMode: Type.Optional(Type.Union([Type.Literal('immediately'), Type.Literal('lastNode')], { default: 'immediately' })),
      },
      strict,
    ),
  }),
  node({
    ...trigger,
    type: 'trigger.schedule',
    displayName: 'Schedule',
    description: 'Starts a run on a cron schedule or at a fixed interval.',
    config: Type.Object(
      {
        cron: Type.Optional(Type.String({ pattern: '^\\S+(\\s+\\S+){4}$', maxLength: 120, description: 'five cron fields: minute hour day month weekday' })),
        intervalSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31 * 86400 })),
        timezone: Type.Optional(Type.String({ maxLength: 64, default: 'UTC' })),
      },
      { ...strict, anyOf: [{ required: ['cron'] }, { required: ['intervalSeconds'] }] },
    ),
  }),
];
