import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS_DOC_PATH, generatePermissionsDoc } from './generate.ts';

describe('the generated permission doc', () => {
  it('matches the committed docs/API_PERMISSIONS.md (run `npm run docs:gen` after changing a route)', async () => {
    const committed = await readFile(PERMISSIONS_DOC_PATH, 'utf8').catch(() => '');
    expect(committed).toBe(await generatePermissionsDoc());
  });
});
