/**
 * Saving a workflow does not slow down as its history grows: run with `npx tsx bench/workflow-save.ts`.
 *
 * The real app (createContainer + buildApp, in-memory PGlite, or PostgreSQL when BENCH_DATABASE_URL is set) and
 * `PUT /api/orchestrator/workflows/{id}/` through `app.inject`, so each save is the full production path: access
 * pipeline, validation, caps, content hash, row lock, version insert, audit, response. Every PUT changes the
 * definition (a 20-node workflow), so every PUT appends a version.
 *
 *   long   10 workflows brought to 200 versions first; the measured PUTs go round-robin over them (200 → 230)
 *   fresh  300 workflows at version 1; each measured PUT is its workflow's first change
 *
 * After a sanity check (the PUT appends exactly one version and answers the new number; a stale If-Match gets 409)
 * and a warm-up, PUTs alternate long, fresh, long, fresh … so drift hits both alike. Reports p50/p99 per series;
 * the last line is the ratio of p99 long/fresh. Exit code 1 if it is above TARGET_RATIO: a save that read the
 * history would grow with it.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../apps/server/src/config.ts';
import { createContainer } from '../apps/server/src/container.ts';
import { buildApp } from '../apps/server/src/app.ts';
import { openDatabase } from '../apps/server/src/db/database.ts';
import type { RateLimitStore } from '../apps/server/src/rate-limit/store.ts';

const LONG_WORKFLOWS = 10;
const HISTORY = 200;
const MEASURED = 300;
const WARMUP = 50;
const TARGET_RATIO = 1.5;

/** The bench measures saving, not the tier limits: every window has room. */
const unlimited: RateLimitStore = {
  consume: async (_k, limit) => ({ limit, used: 0, remaining: limit, resetAt: Date.now() + 60_000, allowed: true }),
  peek: async (_k, limit) => ({ limit, used: 0, remaining: limit, resetAt: Date.now() + 60_000, allowed: true }),
  acquireSlot: async () => async () => undefined,
  slotsInUse: async () => 0,
  close: async () => undefined,
};

function definition(rev: number) {
  const nodes = [{ id: 'start', type: 'trigger.manual', config: {} }];
  const edges: { id: string; source: string; target: string }[] = [];
  for (let i = 1; i < 20; i++) {
    nodes.push({ id: `n${i}`, type: 'data.set', config: { values: { rev, step: i, from: `{{ $node.${i === 1 ? 'start' : `n${i - 1}`}.id }}` } } } as never);
    edges.push({ id: `e${i}`, source: i === 1 ? 'start' : `n${i - 1}`, target: `n${i}` });
  }
  return { nodes, edges };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main(): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long!!', LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' }, { dotenv: false });
  const url = process.env.BENCH_DATABASE_URL;
  const database = await openDatabase(url ? { url } : {});
  await database.migrate();
  const container = await createContainer(config, { database, rateStore: unlimited });
  const app: FastifyInstance = await buildApp(container);
  try {
    const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: `bench${Date.now()}@example.com`, password: 'a sturdy passphrase' } });
    const headers = { authorization: `Bearer ${reg.json().data.tokens.accessToken}` };
    const create = async () => (await app.inject({ method: 'POST', url: '/api/orchestrator/workflows/', headers, payload: { name: 'bench', definition: definition(0) } })).json().data.id as string;
    const versionOf = new Map<string, number>();
    const put = async (id: string) => {
      const v = versionOf.get(id) ?? 1;
      const t0 = performance.now();
      const res = await app.inject({ method: 'PUT', url: `/api/orchestrator/workflows/${id}/`, headers: { ...headers, 'if-match': `"${v}"` }, payload: { definition: definition(v + 1) } });
      const ms = performance.now() - t0;
      if (res.statusCode !== 200 || res.json().data.version !== v + 1) throw new Error(`PUT ${id} at ${v}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      versionOf.set(id, v + 1);
      return ms;
    };

    // Sanity: one PUT, one version; a stale base is refused.
    const probe = await create();
    await put(probe);
    const stale = await app.inject({ method: 'PUT', url: `/api/orchestrator/workflows/${probe}/`, headers: { ...headers, 'if-match': '"1"' }, payload: { definition: definition(99) } });
    const listed = await app.inject({ method: 'GET', url: `/api/orchestrator/workflows/${probe}/versions/`, headers });
    if (stale.statusCode !== 409 || listed.json().meta.total !== 2) throw new Error('sanity: versioning does not behave');
    console.log('sanity: a PUT appends exactly one version; a stale If-Match gets 409');

    const long: string[] = [];
    for (let w = 0; w < LONG_WORKFLOWS; w++) {
      const id = await create();
      while ((versionOf.get(id) ?? 1) < HISTORY) await put(id);
      long.push(id);
    }
    const fresh: string[] = [];
    for (let i = 0; i < MEASURED + WARMUP; i++) fresh.push(await create());
    console.log(`setup: ${LONG_WORKFLOWS} workflows at ${HISTORY} versions, ${fresh.length} at 1 version (${database.driver})`);

    const times = { long: [] as number[], fresh: [] as number[] };
    for (let i = 0; i < MEASURED + WARMUP; i++) {
      const a = await put(long[i % LONG_WORKFLOWS]!);
      const b = await put(fresh[i]!);
      if (i >= WARMUP) {
        times.long.push(a);
        times.fresh.push(b);
      }
    }
    const row = (name: string, xs: number[]) =>
      console.log(`${name.padEnd(6)} p50 ${quantile(xs, 0.5).toFixed(2)} ms, p99 ${quantile(xs, 0.99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms (${xs.length} PUTs)`);
    row('long', times.long);
    row('fresh', times.fresh);
    const ratio = quantile(times.long, 0.99) / quantile(times.fresh, 0.99);
    console.log(
      `workflow-save p99: ${HISTORY}+ versions ${quantile(times.long, 0.99).toFixed(2)} ms, 1 version ${quantile(times.fresh, 0.99).toFixed(2)} ms, ratio ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`,
    );
    process.exitCode = ratio <= TARGET_RATIO ? 0 : 1;
  } finally {
    await app.close();
    await container.close();
  }
}

await main();
