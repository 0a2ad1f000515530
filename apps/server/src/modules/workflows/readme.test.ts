/**
 * Runs the README's "Workflows in five curl calls" as written: each curl command of the section is parsed
 * (method, URL, headers, body, `VAR=$(curl … | jq -r '.path')` captures) and sent to a real app with inject. If the
 * README and the API drift apart, this fails.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../../testing/app.ts';

const README = new URL('../../../../../README.md', import.meta.url);
const SECTION = '## Workflows in five curl calls';

/** The section's sh block, split into statements (newlines inside quotes or `$( … )` do not end one). */
function statements(markdown: string): string[] {
  const from = markdown.indexOf(SECTION);
  const start = markdown.indexOf('```sh\n', from) + 6;
  const block = markdown.slice(start, markdown.indexOf('\n```', start)).replace(/\\\n/g, ' ');
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let depth = 0;
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (!quote && cur.trim() === '' && c === '#') {
      i = block.indexOf('\n', i);
      if (i < 0) break;
      continue;
    }
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' && block[i - 1] === '$') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === '\n' && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Shell words: single quotes literal, double quotes and bare words with $VAR expanded. */
function words(cmd: string, vars: Record<string, string>): string[] {
  const expand = (s: string) => s.replace(/\$([A-Z_]+)/g, (_m, v: string) => vars[v] ?? '');
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of cmd.matchAll(re)) out.push(m[1] !== undefined ? m[1] : expand(m[2] ?? m[3]!));
  return out;
}

/** The comment lines after the last command: what the README says the final answer is. */
function claimedCodes(markdown: string): string[] {
  const from = markdown.indexOf(SECTION);
  const block = markdown.slice(from, markdown.indexOf('\n```\n', markdown.indexOf('```sh', from)));
  const tail = block.slice(block.lastIndexOf('# → 422'));
  return [...tail.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]!).filter((c) => c !== 'WORKFLOW_INVALID');
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

async function curl(args: string[]): Promise<LightMyRequestResponse> {
  let method: string | undefined;
  let url = '';
  let payload: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-s') continue;
    if (a === '-X') method = args[++i];
    else if (a === '-H') {
      const h = args[++i]!;
      headers[h.slice(0, h.indexOf(':')).toLowerCase()] = h.slice(h.indexOf(':') + 1).trim();
    } else if (a === '-d') payload = args[++i];
    else url = a.replace(/^localhost:8080/, '');
  }
  return t.app.inject({ method: (method ?? (payload !== undefined ? 'POST' : 'GET')) as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
}

const jq = (body: unknown, path: string) => path.replace(/^\./, '').split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], body);

describe('the README’s workflow walkthrough', () => {
  it('works exactly as written', async () => {
    const markdown = await readFile(README, 'utf8');
    const vars: Record<string, string> = {};
    const answers: { cmd: string; res: LightMyRequestResponse }[] = [];
    for (const st of statements(markdown)) {
      const capture = /^([A-Z_]+)=\$\((curl[\s\S]*)\|\s*jq -r '([^']+)'\)$/.exec(st);
      const res = await curl(words(capture ? capture[2]! : st, vars));
      answers.push({ cmd: st.slice(0, 80), res });
      if (capture) vars[capture[1]!] = String(jq(res.json(), capture[3]!));
    }

    const statuses = answers.map((x) => x.res.statusCode);
    expect(statuses).toEqual([201, 201, 200, 200, 200, 200, 200, 201, 200, 422]);
    const [, created, v2, v3, v4, versions, restored, clone, , validated] = answers.map((x) => x.res.json());
    expect(created.data.version).toBe(1);
    expect([v2.data.version, v3.data.version, v4.data.version]).toEqual([2, 3, 4]);
    expect(versions.data.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
    expect(restored.data).toMatchObject({ version: 5, settings: {}, definition: created.data.definition });
    expect(clone.data).toMatchObject({ clonedFrom: vars.WF, version: 1, settings: {} });

    expect(validated).toMatchObject({ code: 'WORKFLOW_INVALID', error: 'The workflow has 3 errors; see details' });
    const problems = validated.details.map((p: { code: string; nodeId?: string; edgeId?: string; path?: string }) => [p.code, p.nodeId ?? p.edgeId, p.path]);
    expect(problems).toEqual([
      ['UNKNOWN_NODE_TYPE', 'mail', '$.type'],
      ['DANGLING_EDGE', 'e4', '$.target'],
      ['EXPRESSION_NOT_UPSTREAM', 'fetch', '$.config.url'],
    ]);
    // What the README shows as the answer is what came back.
    expect(claimedCodes(markdown)).toEqual(problems.map((p: string[]) => p[0]));
  });
});
