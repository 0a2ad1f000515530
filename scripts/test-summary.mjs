// Adds up Vitest JSON reports and prints the closing line CI reads: `N passed, N failed`.
import { readFileSync, existsSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const args = process.argv.slice(2);
// `--static-failed`: typecheck, lint or the generated-file check failed; it counts as one failure.
if (args[0] === '--static-failed') {
  args.shift();
  failed++;
}
for (const file of args) {
  if (!existsSync(file)) {
    console.error(`missing test report ${file}: counting the run as failed`);
    failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A file that failed without a failing test (it did not load, or a beforeAll hook failed and skipped its tests)
  // is still a failure: count it once.
  failed += (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
}
// Skipped tests (e.g. the Redis store's when no Redis is configured) are reported above the closing line, which
// stays exactly `N passed, N failed` for the CI reader.
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
