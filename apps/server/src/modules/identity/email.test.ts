import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { nextIp } from '../../testing/users.ts';
import { isEmail } from './email.ts';

const SAMPLES: Array<[string, boolean]> = [
  ['person@example.com', true],
  ['first.last+tag@sub.example.co.uk', true],
  ['UPPER@EXAMPLE.COM', true],
  ['a@b', false],
  ['a@localhost', false],
  ['a@b.c', false],
  ['no-at-sign.example.com', false],
  ['two@@example.com', false],
  ['spaces in@example.com', false],
  ['nul\u0000@example.com', false],
  [`${'l'.repeat(65)}@example.com`, false],
  [`a@${'d'.repeat(250)}.com`, false],
];

describe('the email rule', () => {
  it.each(SAMPLES)('judges %j as an email: %s', (email, ok) => {
    expect(isEmail(email)).toBe(ok);
  });
});

describe('the email rule at the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('refuses at registration exactly what the CLI refuses (one shared rule)', async () => {
    for (const [email, ok] of SAMPLES) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress: nextIp(), payload: { email, password: 'a sturdy passphrase' } });
      expect([email, res.statusCode === 201 || res.statusCode === 409]).toEqual([email, ok]);
      if (!ok) expect(res.json().details.map((d: { path: string }) => d.path)).toContain('body.email');
    }
  });
});
