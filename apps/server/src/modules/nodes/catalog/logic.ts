import { Type } from 'typebox';
import { ERROR, Template, node, orTemplate, port, strict } from './schema-helpers.ts';

export const LOGIC = [
  node({
    category: 'logic',
    type: 'logic.if',
    displayName: 'If',
    description: 'Sends its input to `true` or `false` depending on a condition.',
    outputs: [port('true'), port('false'), ERROR],
    config: Type.Object({ condition: orTemplate(Type.Boolean()) }, strict),
  }),
  node({
    category: 'logic',
    type: 'logic.switch',
    displayName: 'Switch',
    description: 'Sends its input to the output of the first case equal to `value` (`case0`, `case1` …), else to `default`.',
    outputs: [port('default'), ERROR],
    dynamicOutputs: { configKey: 'cases', portPrefix: 'case' },
    config: Type.Object({ value: Type.Unknown(), cases: Type.Array(Type.Unknown(), { maxItems: 64 }) }, strict),
  }),
  node({
    category: 'logic',
    type: 'logic.merge',
    displayName: 'Merge',
    description: 'Waits for every incoming branch that runs and combines their outputs (by node id, or as a list).',
    config: Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('object'), Type.Literal('array')], { default: 'object' })) }, strict),
  }),
  node({
    category: 'logic',
    type: 'logic.loop',
    displayName: 'Loop',
    description:
      'Runs the nodes after its `loop` output once per item ({ item, index }); connect the last of them back to the loop. After the last item, `done` carries every iteration’s result.',
    outputs: [port('loop', 'Each item'), port('done', 'After the last item'), ERROR],
    allowsCycles: true,
    config: Type.Object({ items: orTemplate(Type.Array(Type.Unknown(), { maxItems: 10_000 })) }, strict),
  }),
  node({
    category: 'flow',
    type: 'flow.wait',
    displayName: 'Wait',
    description: 'Pauses the run for a number of seconds or until a date, then goes on with its input.',
    canPause: true,
    config: Type.Object(
      {
        seconds: Type.Optional(orTemplate(Type.Number({ minimum: 0, maximum: 30 * 86400 }))),
        until: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Template])),
      },
      { ...strict, anyOf: [{ required: ['seconds'] }, { required: ['until'] }] },
    ),
  }),
  node({
    category: 'flow',
    type: 'flow.approval',
    displayName: 'Approval',
    description: 'Asks a person to approve or reject (human in the loop), optionally with a form; the run waits for the answer.',
    canPause: true,
    outputs: [port('approved'), port('rejected'), ERROR],
    config: Type.Object(
      {
        prompt: Type.String({ minLength: 1, maxLength: 10_000 }),
        formSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the answer’s data' })),
        timeoutSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400 })),
        timeoutDecision: Type.Optional(Type.Union([Type.Literal('approved'), Type.Literal('rejected')], { default: 'rejected' })),
      },
      strict,
    ),
  }),
  node({
    category: 'flow',
    type: 'flow.subworkflow',
    displayName: 'Sub-workflow',
    description: 'Runs another of your workflows with an input and, by default, waits for its result.',
    canPause: true,
    config: Type.Object(
      {
        workflowId: Type.String({ format: 'uuid' }),
        // Versions are 32-bit integers in the database: the same bound as every version a request names.
        version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
        input: Type.Optional(Type.Unknown()),
        waitForCompletion: Type.Optional(Type.Boolean({ default: true })),
      },
      strict,
    ),
  }),
];
