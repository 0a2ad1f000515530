import { describe, expect, it } from 'vitest';
import { BUILT_IN_BY_TYPE, BUILT_IN_NODES, CATEGORIES } from './catalog/index.ts';
import { createConfigValidator } from './config-validator.ts';

const validator = createConfigValidator();
const check = (type: string, config: unknown) => validator.validate(BUILT_IN_BY_TYPE.get(type)!, config);

// The issue's catalog, each with a config it must accept and one it must refuse (and where).
const TABLE: [type: string, valid: Record<string, unknown>, invalid: Record<string, unknown>, pointer: string][] = [
  ['trigger.manual', {}, { inputSchema: 'x' }, '/inputSchema'],
  ['trigger.webhook', { method: 'POST', path: 'orders' }, { method: 'FETCH' }, '/method'],
  ['trigger.schedule', { cron: '*/5 * * * *', timezone: 'Europe/Paris' }, { intervalSeconds: 5 }, '/intervalSeconds'],
  ['logic.if', { condition: '{{ $input.n > 5 }}' }, { condition: 'n > 5' }, '/condition'],
  ['logic.switch', { value: '{{ $input.kind }}', cases: ['a', 'b'] }, { value: 1 }, '/cases'],
  ['logic.merge', { mode: 'array' }, { mode: 'zip' }, '/mode'],
  ['logic.loop', { items: '{{ $input.items }}' }, { items: 5 }, '/items'],
  ['flow.wait', { seconds: 30 }, { seconds: -1 }, '/seconds'],
  ['flow.approval', { prompt: 'Ship it?', timeoutSeconds: 3600, timeoutDecision: 'rejected' }, { prompt: '' }, '/prompt'],
  ['flow.subworkflow', { workflowId: '6f1c2f4e-3b1d-4c55-9a57-0f0d1a2b3c4d', input: { a: 1 } }, { workflowId: 'other' }, '/workflowId'],
  ['data.set', { values: { a: 1, b: '{{ $input.b }}' }, keepInput: true }, { values: [] }, '/values'],
  ['data.transform', { output: '{{ $input.items.name }}' }, {}, '/output'],
  ['data.filter', { condition: '{{ $item.price > 10 }}' }, { condition: 'yes' }, '/condition'],
  ['code.js', { source: 'return input.a + 1' }, { source: 'x', timeoutMs: 60_000 }, '/timeoutMs'],
  ['http.request', { method: 'POST', url: 'https://api.example.com/{{ $input.id }}', headers: { accept: 'application/json' }, body: { a: 1 } }, { url: 'x', headers: { a: 1 } }, '/headers/a'],
  ['ai.llm', { prompt: 'Summarise {{ $input.text }}', temperature: 0.2 }, { prompt: 'x', temperature: 3 }, '/temperature'],
  ['ai.agent', { prompt: 'Plan the trip', tools: ['http.request'], maxSteps: 5 }, { prompt: 'x', maxSteps: 500 }, '/maxSteps'],
  ['ai.classify', { prompt: '{{ $input.text }}', labels: ['spam', 'ham'] }, { prompt: 'x', labels: ['only'] }, '/labels'],
  ['ai.extract', { prompt: '{{ $input.text }}', schema: { type: 'object' } }, { prompt: 'x', fields: [] }, '/fields'],
  ['rag.query', { question: 'What is our refund policy?', topK: 3 }, { question: 'x', topK: 0 }, '/topK'],
];

describe('the built-in catalog', () => {
  it('covers every node type the issue names, and nothing twice', () => {
    expect([...BUILT_IN_BY_TYPE.keys()].sort()).toEqual(TABLE.map(([t]) => t).sort());
    expect(BUILT_IN_BY_TYPE.size).toBe(BUILT_IN_NODES.length);
  });

  it.each(TABLE)('%s accepts a typical config and refuses a wrong one where it is wrong', (type, valid, invalid, pointer) => {
    expect(check(type, valid)).toEqual([]);
    const issues = check(type, invalid);
    expect(issues.map((i) => i.pointer)).toContain(pointer);
    for (const i of issues) expect(i.message).not.toBe('');
  });

  it('refuses a sub-workflow version past what a version number can be (a 500 at run time otherwise)', () => {
    const config = { workflowId: '6f1c2f4e-3b1d-4c55-9a57-0f0d1a2b3c4d', version: 99_999_999_999 };
    expect(check('flow.subworkflow', config).map((i) => i.pointer)).toEqual(['/version']);
    expect(check('flow.subworkflow', { ...config, version: 1_000_000_000 })).toEqual([]);
  });

  it('refuses settings a node type does not have', () => {
    expect(check('data.set', { value: 1 })).toEqual([{ pointer: '/value', message: 'is not a setting of this node type' }]);
  });

  it.each(BUILT_IN_NODES.map((s) => [s.type, s] as const))('%s is well formed', (_t, s) => {
    expect(CATEGORIES.map((c) => c.id)).toContain(s.category);
    expect(s.version).toBeGreaterThanOrEqual(1);
    expect(s.description.length).toBeGreaterThan(10);
    expect(s.configSchema.type).toBe('object');
    expect(new Set(s.outputs.map((p) => p.id)).size).toBe(s.outputs.length);
    if (s.trigger) expect(s.inputs).toEqual([]);
    else {
      expect(s.inputs.map((p) => p.id)).toEqual(['main']);
      // Every node that can fail can route its failure: the engine fires `error` instead of failing the run.
      expect(s.outputs.map((p) => p.id)).toContain('error');
      expect(s.outputs[0]!.id).not.toBe('error');
    }
  });

  it('marks what can pause, loop and use credentials', () => {
    expect(BUILT_IN_NODES.filter((s) => s.canPause).map((s) => s.type).sort()).toEqual(['flow.approval', 'flow.subworkflow', 'flow.wait']);
    expect(BUILT_IN_NODES.filter((s) => s.allowsCycles).map((s) => s.type)).toEqual(['logic.loop']);
    expect(BUILT_IN_BY_TYPE.get('http.request')!.credentialTypes).toContain('http.bearer');
    expect(BUILT_IN_BY_TYPE.get('ai.llm')!.credentialTypes.length).toBeGreaterThan(0);
  });
});

describe('custom node schemas', () => {
  it.each([
    ['a schema that is not an object schema', { type: 'string' }, '/type'],
    ['a keyword with a wrong value', { type: 'object', properties: { a: { type: 'strin' } } }, '/properties/a/type'],
    ['a regular expression', { type: 'object', properties: { a: { type: 'string', maxLength: 9, pattern: '^(a+)+$' } } }, 'regular expressions'],
    ['patternProperties', { type: 'object', patternProperties: { '^x': {} } }, 'regular expressions'],
    ['a remote reference', { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } }, 'only local references'],
    ['an $id', { type: 'object', $id: 'https://example.com/mine' }, '$id is not allowed'],
    ['a format without maxLength', { type: 'object', properties: { e: { type: 'string', format: 'email' } } }, 'maxLength'],
    ['a local reference that leads nowhere', { type: 'object', properties: { a: { $ref: '#/definitions/none' } } }, 'does not compile'],
    ['a schema nested too deeply', JSON.parse(`${'{"type":"object","properties":{"a":'.repeat(20)}{}${'}}'.repeat(20)}`), 'nested deeper'],
  ])('refuses %s', (_n, schema, why) => {
    const problems = validator.schemaProblems(schema as Record<string, unknown>);
    expect(problems.join('\n')).toContain(why);
  });

  it('accepts an ordinary schema, a property named like a keyword, and local references', () => {
    expect(
      validator.schemaProblems({
        type: 'object',
        required: ['channel'],
        properties: { channel: { type: 'string', maxLength: 80 }, pattern: { $ref: '#/definitions/text' }, email: { type: 'string', format: 'email', maxLength: 254 } },
        definitions: { text: { type: 'string', maxLength: 100 } },
        additionalProperties: false,
      }),
    ).toEqual([]);
  });
});
