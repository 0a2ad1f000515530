import { describe, expect, it } from 'vitest';
import { ALL_STATUSES, canTransition, controlAllowed, isFinal } from './status.ts';

// The whole table, cell by cell: [from, to, allowed].
const allowed: Record<string, string[]> = {
  queued: ['running', 'paused', 'stopped'],
  running: ['paused', 'waiting', 'succeeded', 'failed', 'stopped', 'crashed', 'queued'],
  paused: ['queued', 'stopped'],
  waiting: ['queued', 'stopped', 'failed', 'paused'],
  succeeded: [],
  failed: [],
  stopped: [],
  crashed: [],
};

describe('execution status transitions', () => {
  for (const from of ALL_STATUSES) {
    for (const to of ALL_STATUSES) {
      const ok = allowed[from]!.includes(to);
      it(`${ok ? 'allows' : 'refuses'} ${from} → ${to}`, () => expect(canTransition(from, to)).toBe(ok));
    }
  }

  it('treats succeeded, failed, stopped and crashed as final', () => {
    expect(ALL_STATUSES.filter(isFinal).sort()).toEqual(['crashed', 'failed', 'stopped', 'succeeded']);
  });

  it.each([
    ['pause', 'queued', true], ['pause', 'running', true], ['pause', 'paused', false], ['pause', 'waiting', true], ['pause', 'succeeded', false],
    ['resume', 'paused', true], ['resume', 'running', false], ['resume', 'waiting', false], ['resume', 'failed', false],
    ['stop', 'queued', true], ['stop', 'running', true], ['stop', 'paused', true], ['stop', 'waiting', true], ['stop', 'stopped', false], ['stop', 'succeeded', false],
  ] as const)('%s on a %s execution is %s', (control, status, ok) => {
    expect(controlAllowed(control, status)).toBe(ok);
  });
});
