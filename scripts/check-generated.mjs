// Fails when a generated artefact is stale: the SQL migrations must match the Drizzle schema.
// (docs/API_PERMISSIONS.md is checked by a test, permissions-doc.test.ts.)
import { execFileSync } from 'node:child_process';

const out = execFileSync('npx', ['drizzle-kit', 'generate', '--config', 'drizzle.config.ts'], {
  cwd: new URL('../apps/server/', import.meta.url),
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (!/No schema changes/.test(out)) {
  console.error(out);
  console.error('The Drizzle schema changed without a migration: run `npm run db:generate` and commit the result.');
  process.exit(1);
}
console.log('generated files are current');
