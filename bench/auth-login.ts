/**
 * Password sign-in throughput: run with `npx tsx bench/auth-login.ts [--connections N]`.
 *
 * Compares two rates measured in the same run, in the same process, on the same argon2id hash, at the same
 * concurrency N (default 8: twice the size of libuv's threadpool, on which @node-rs/argon2 runs):
 *
 *   raw    N concurrent `verify(hash, password)` calls of @node-rs/argon2 in a loop, inside the server child while it
 *          serves nothing: the ceiling that the hash cost sets.
 *   login  `POST /api/auth/login` with the correct password over N keep-alive connections (autocannon, in this
 *          parent process). Each login: body validation, rate-limit checks, the user lookup by email, one argon2id
 *          verify, then a transaction inserting a session, a refresh token and an audit row, and signing the JWT.
 *
 * argon2id runs at the configured cost: the defaults of loadConfig (m=19456 KiB, t=2, p=1, OWASP), never lowered.
 * The database is in-memory PGlite (`openDatabase({})` + `migrate()`), in the server child.
 *
 * Why twice the threadpool: this measures throughput at saturation, and a closed loop of exactly as many clients as
 * threads does not saturate the threads in login mode. Each login spends part of its round trip off the threadpool
 * (parsing, the user lookup, the session insert, the response, the client's next request), and for that time its
 * thread has nothing queued. With 4 connections the server used 187–189% of the two cores against the raw loop's
 * 198%, and the ratio read 0.74–0.81; with 8 there is always a verify queued, both modes reach 194–199%, and the ratio
 * compares what each operation costs (0.85–0.91 on the same host in the same half hour; docs/benchmarks.md).
 * `--connections 4` still runs the old setting.
 *
 * Rate limits: login is limited per IP (10/min endpoint limit and the anonymous 'auth' category). To measure the
 * login path rather than the limiter, the server runs with TRUST_PROXY=true and every request carries a distinct
 * `X-Forwarded-For` (set per request by autocannon's `setupRequest`), so every request comes from a fresh client IP;
 * the limiter still runs (and its per-IP counters still grow) on every request. A sanity check first shows that the
 * limiter does refuse the 11th login from one IP, so the header is what keeps it out of the way.
 *
 * Rounds alternate raw, login, raw, login … after a warm-up of each; reported per mode: the median over rounds of the
 * rate, p50/p99 latency and the server process's CPU use (200% = both cores). Any error, timeout or non-2xx login
 * fails the run. The last line is the ratio login/raw of the median rates; exit code 1 if it is below TARGET_RATIO.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { answerParent, closedLoops, forkChild, measured, median, nextMessage, pct, percentile, printTable, stopChild } from './lib/harness.ts';
import { runAutocannon } from './lib/http.ts';

const ROUNDS = 3;
const DURATION_S = 5;
const WARMUP_S = 2;
const TARGET_RATIO = 0.8;
/** Cores used by other processes during a run above which the figures are flagged as disturbed. */
const OTHER_CPU_WARNING = 0.15;
const HOST = '127.0.0.1';
const EMAIL = 'bench-login@example.com';
const PASSWORD = 'a sturdy bench passphrase';

const connectionsArg = process.argv.indexOf('--connections');
const CONNECTIONS = connectionsArg > 0 ? Number(process.argv[connectionsArg + 1]) : 2 * Number(process.env.UV_THREADPOOL_SIZE ?? 4);
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1) throw new Error('--connections must be a positive integer');

interface RawResult {
  readonly verifies: number;
  readonly wrong: number;
  readonly elapsedMs: number;
  readonly p50: number;
  readonly p99: number;
}

/** Messages from the server child, besides its answers to 'cpu' (lib/harness.ts). */
type FromChild = { type: 'ready'; port: number; argon2: string; threadpool: string } | { type: 'raw'; result: RawResult };

/** Messages to the server child, besides 'cpu' and 'close' (lib/harness.ts). */
type ToChild = { type: 'raw'; durationS: number; concurrency: number };

// ---------------------------------------------------------------------------------------------------------------------
// Child: the real app on PGlite, plus the raw verify loop on demand.

async function child(): Promise<void> {
  const [{ verify }, { loadConfig }, { createContainer }, { buildApp }, { openDatabase }, { findUserByEmail }] = await Promise.all([
    import('@node-rs/argon2'),
    import('../apps/server/src/config.ts'),
    import('../apps/server/src/container.ts'),
    import('../apps/server/src/app.ts'),
    import('../apps/server/src/db/database.ts'),
    import('../apps/server/src/modules/identity/index.ts'),
  ]);
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'silent',
      RATE_ANONYMOUS_PER_MINUTE: '100000000',
      TRUST_PROXY: 'true',
    },
    { dotenv: false },
  );
  const database = await openDatabase({});
  await database.migrate();
  const container = await createContainer(config, { database });
  const app = await buildApp(container);
  await app.listen({ host: HOST, port: 0 });

  async function raw(durationS: number, concurrency: number): Promise<RawResult> {
    const user = await findUserByEmail(database.db, EMAIL);
    if (!user?.passwordHash) throw new Error('raw: the bench user is not registered');
    const hash = user.passwordHash;
    let wrong = 0;
    const { latencies, elapsedMs } = await closedLoops(
      concurrency,
      durationS,
      () => verify(hash, PASSWORD),
      (ok) => {
        if (!ok) wrong++;
      },
    );
    return { verifies: latencies.length, wrong, elapsedMs, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }

  answerParent(async () => {
    await app.close();
    await container.close();
  });
  process.on('message', (m: unknown) => {
    const msg = m as ToChild | 'cpu' | 'close';
    if (typeof msg === 'object' && msg.type === 'raw') {
      void raw(msg.durationS, msg.concurrency).then((result) => process.send!({ type: 'raw', result } satisfies FromChild));
    }
  });
  const { memoryCost, timeCost, parallelism } = config.argon2;
  process.send!({
    type: 'ready',
    port: (app.server.address() as AddressInfo).port,
    argon2: `argon2id m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}`,
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
  } satisfies FromChild);
}

// ---------------------------------------------------------------------------------------------------------------------
// Parent: setup, sanity checks, the load generator.

let ipCounter = 0;
/** A fresh client address per request (10.0.0.0/8, 16M of them before wrapping). */
const nextIp = () => {
  const n = ipCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

interface Run {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
  /** CPU used meanwhile, in cores: the server child (main thread and threadpool), this process, everything else. */
  readonly serverCpu: number;
  readonly loadCpu: number;
  readonly otherCpu: number;
}

async function loadLogin(proc: ChildProcess, url: string, durationS: number): Promise<Run> {
  const m = await measured(proc, () =>
    runAutocannon('login', {
      url,
      connections: CONNECTIONS,
      pipelining: 1,
      duration: durationS,
      timeout: 30,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-forwarded-for': nextIp() } }) }],
    }),
  );
  const r = m.value;
  return {
    rate: r.requests.total / (m.wallUs / 1e6),
    p50: r.latency.p50,
    p99: r.latency.p99,
    count: r.requests.total,
    serverCpu: m.serverCpu,
    loadCpu: m.loadCpu,
    otherCpu: m.otherCpu,
  };
}

async function loadRaw(proc: ChildProcess, durationS: number): Promise<Run> {
  const m = await measured(proc, async () => {
    proc.send({ type: 'raw', durationS, concurrency: CONNECTIONS } satisfies ToChild);
    return (await nextMessage<FromChild, 'raw'>(proc, 'raw')).result;
  });
  const result = m.value;
  if (result.wrong > 0) throw new Error(`raw: ${result.wrong} verifies returned false`);
  return {
    rate: result.verifies / (result.elapsedMs / 1e3),
    p50: result.p50,
    p99: result.p99,
    count: result.verifies,
    serverCpu: m.serverCpu,
    loadCpu: m.loadCpu,
    otherCpu: m.otherCpu,
  };
}

async function post(url: string, body: unknown, ip: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function main(): Promise<void> {
  const proc = forkChild(import.meta.url, ['serve']);
  try {
    const ready = await nextMessage<FromChild, 'ready'>(proc, 'ready');
    const base = `http://${HOST}:${ready.port}`;
    const loginUrl = `${base}/api/auth/login`;

    // Setup and sanity: the account exists, the right password signs in, a wrong one does not, and the per-IP limit
    // is live (so the distinct X-Forwarded-For per request is what keeps the load below it).
    const reg = await post(`${base}/api/auth/register`, { email: EMAIL, password: PASSWORD }, nextIp());
    if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.json)}`);
    const ok = await post(loginUrl, { email: EMAIL, password: PASSWORD }, nextIp());
    const tokens = (ok.json as { data?: { tokens?: { accessToken?: string } } }).data?.tokens;
    if (ok.status !== 200 || !tokens?.accessToken) throw new Error(`sanity check failed: login: ${ok.status} ${JSON.stringify(ok.json)}`);
    const bad = await post(loginUrl, { email: EMAIL, password: 'not the passphrase' }, nextIp());
    if (bad.status !== 401) throw new Error(`sanity check failed: wrong password: expected 401, got ${bad.status}`);
    const oneIp = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post(loginUrl, { email: EMAIL, password: PASSWORD }, oneIp)).status);
    if (statuses.slice(0, 10).some((s) => s !== 200) || statuses[10] !== 429) {
      throw new Error(`sanity check failed: 11 logins from one IP should give 10 x 200 then 429, got ${statuses.join(',')}`);
    }

    console.log(
      `auth-login: node ${process.version}, ${os.cpus().length} cores, ${ready.argon2}, libuv threadpool ${ready.threadpool}, ` +
        `${CONNECTIONS} concurrent (connections / verifies), ${ROUNDS} rounds x ${DURATION_S} s per mode, ${WARMUP_S} s warm-up each; ` +
        'server (PGlite in memory) in a child process, distinct X-Forwarded-For per login',
    );
    await loadRaw(proc, WARMUP_S);
    await loadLogin(proc, loginUrl, WARMUP_S);

    const runs: Record<'raw' | 'login', Run[]> = { raw: [], login: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['raw', 'login'] as const) {
        const run = mode === 'raw' ? await loadRaw(proc, DURATION_S) : await loadLogin(proc, loginUrl, DURATION_S);
        runs[mode].push(run);
        console.log(
          `  round ${round} ${mode.padEnd(5)} ${run.rate.toFixed(1).padStart(6)}/s  p50 ${run.p50.toFixed(0).padStart(4)} ms  ` +
            `p99 ${run.p99.toFixed(0).padStart(4)} ms  cpu: server ${pct(run.serverCpu)}, load generator ${pct(run.loadCpu)}, other processes ${pct(run.otherCpu)}`,
        );
      }
    }

    const busiest = Math.max(...Object.values(runs).flat().map((r) => r.otherCpu));
    if (busiest > OTHER_CPU_WARNING) {
      console.log(`warning: other processes used up to ${pct(busiest).trim()} of a core during the runs; rerun on a quiet machine`);
    }
    const header = ['mode', 'median /s', 'p50 ms', 'p99 ms', 'server cpu', 'server ms cpu/op', 'count'];
    const rows = (['raw', 'login'] as const).map((mode) => [
      mode === 'raw' ? 'raw argon2id verify' : 'POST /api/auth/login',
      median(runs[mode].map((r) => r.rate)).toFixed(1),
      median(runs[mode].map((r) => r.p50)).toFixed(0),
      median(runs[mode].map((r) => r.p99)).toFixed(0),
      pct(median(runs[mode].map((r) => r.serverCpu))).trim(),
      (median(runs[mode].map((r) => r.serverCpu / r.rate)) * 1e3).toFixed(1),
      String(runs[mode].reduce((n, r) => n + r.count, 0)),
    ]);
    printTable(header, rows);

    // On a machine that is shared, or not saturated, the CPU each operation costs is steadier than the rate: with both
    // modes CPU-bound on the same cores, the rate ratio tends to the inverse ratio of CPU per operation.
    const cpuPerOp = (mode: 'raw' | 'login') => median(runs[mode].map((r) => (r.serverCpu + r.loadCpu) / r.rate)) * 1e3;
    console.log(
      `cpu per operation (server, all threads, + load generator): raw ${cpuPerOp('raw').toFixed(1)} ms, login ${cpuPerOp('login').toFixed(1)} ms ` +
        `-> cpu-bound estimate of the ratio ${(cpuPerOp('raw') / cpuPerOp('login')).toFixed(2)}`,
    );
    const ratio = median(runs.login.map((r) => r.rate)) / median(runs.raw.map((r) => r.rate));
    await stopChild(proc);
    const missed = ratio < TARGET_RATIO;
    console.log(`auth-login ratio: ${ratio.toFixed(2)} (target >= ${TARGET_RATIO})${missed ? ' — MISSED' : ''}`);
    if (missed) process.exitCode = 1;
  } finally {
    await stopChild(proc);
  }
}

if (process.argv[2] === 'serve') await child();
else await main();
