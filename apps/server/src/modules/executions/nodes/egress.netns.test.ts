/**
 * Black-box SSRF check with the real resolver and the real connector, run in a child process inside a network
 * namespace that has only a (down) loopback interface (`unshare -n`), so nothing it tries can leave this machine.
 * Skipped where unprivileged network namespaces are not available.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const canUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
const egressModule = fileURLToPath(new URL('./egress.ts', import.meta.url));

const TARGETS = [
  'http://localhost:1/',
  'http://127.0.0.1:1/',
  'http://127.1:1/',
  'http://2130706433:1/',
  'http://[::1]:1/',
  'http://[::ffff:127.0.0.1]:1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fd00:ec2::254]/',
  'http://10.0.0.1/',
  'http://192.168.1.1/',
  'http://100.100.100.200/',
  'http://0.0.0.0:1/',
  'https://localhost:1/',
];

const script = `
import { createEgress } from ${JSON.stringify(egressModule)};
const egress = createEgress({ connectTimeoutMs: 500, timeoutMs: 2000 });
const out = {};
for (const url of ${JSON.stringify(TARGETS)}) {
  out[url] = await egress.request({ url }).then(() => 'CONNECTED', (e) => e.code ?? String(e));
}
await egress.close();
console.log(JSON.stringify(out));
`;

describe.skipIf(!canUnshare)('egress guard, black box in an isolated network namespace', () => {
  it('refuses loopback, private, link-local and metadata targets with the real resolver and connector', () => {
    const run = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, string>;
    for (const url of TARGETS) expect([url, results[url]]).toEqual([url, 'EGRESS_BLOCKED']);
  });
});
