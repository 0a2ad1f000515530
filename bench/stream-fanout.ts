/**
 * Stream fan-out: run with `npx tsx bench/stream-fanout.ts`.
 *
 * How long an execution event takes from the moment it is published (its node has finished and the event is durable
 * in `execution_events`) to its arrival at 1, 100 and 1,000 SSE clients connected to the same execution, all in one
 * run.
 *
 * The server runs in a child process (this file, forked with `serve`): the real app with the executions module and
 * the stream routes (streams/harness.ts: in-memory PGlite, in-process bus), listening on 127.0.0.1. It runs a workflow
 * trigger → approval → NODES × `bench.sleep` (a node that sleeps SLEEP_MS, so events are spaced and each one's
 * fan-out is measured on its own, not a queue of them). The child subscribes to the execution's events before any
 * client connects and stamps each `node.finished` when the hub dispatches it: the hub calls listeners in the order
 * they subscribed, so the stamp is taken just before the SSE writes.
 *
 * The clients run in this (parent) process: N plain `http.get` streams (no keep-alive agent; node:http rather than
 * fetch, whose web streams cost more per chunk than the server spends per write), each stamping a `node.finished`
 * when its frame is parsed. The child also stamps when the hub's dispatch of the event returns (a listener added
 * after every client's): that is the server's own share, every SSE write issued. Stamps on both sides are `performance.timeOrigin + performance.now()` (the same wall clock, sub-ms).
 * Per level: start a run, connect N clients and wait until each has replayed the open approval request (so all are
 * subscribed), approve it, wait until every stream has ended with the terminal event, then pair the stamps: NODES × N
 * samples per level. The concurrent-stream limit (100 for enterprise) is lifted in the child for this measurement
 * only: its rate-limit store counts slots but never refuses one.
 *
 * Output: one line per level with p50/p99 (ms), then the LAST line: each level's p50 and p99 as a ratio of the
 * 1-client level (the baseline). The issue sets no target; the run fails (exit code 1) if any client misses an
 * event or gets one twice. The client side shares one event loop across all N streams, so at 1,000 clients the
 * figures include the parent's own parsing queue: they are an upper bound of what a client would see.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NodeHandler } from '@gatehouse/engine';
import { answerParent, forkChild, nextMessage, percentile, stopChild } from './lib/harness.ts';
import { expectResponse } from './lib/http.ts';

const LEVELS = [1, 100, 1000] as const;
const NODES = 100;
const SLEEP_MS = 50;
const now = () => performance.timeOrigin + performance.now();

/** Messages from the server child. */
type FromChild =
  | { type: 'ready'; base: string; token: string }
  | { type: 'prepared'; executionId: string }
  | { type: 'stamps'; stamps: Array<[number, number]>; written: Array<[number, number]> };
/** Messages to the server child, besides 'close' (lib/harness.ts). */
type ToChild = { type: 'prepare' | 'go' | 'stamps' };

async function child(): Promise<void> {
  const { createStreamsApp } = await import('../apps/server/src/modules/executions/streams/harness.ts');
  const { createMemoryRateLimitStore } = await import('../apps/server/src/rate-limit/memory-store.ts');
  const { registerUser, setUser } = await import('../apps/server/src/testing/users.ts');
  const memory = createMemoryRateLimitStore();
  const sleep: NodeHandler = { run: async () => (await new Promise((r) => setTimeout(r, SLEEP_MS)), { kind: 'output', data: { slept: SLEEP_MS } }) };
  const s = await createStreamsApp({
    overrides: { rateStore: { ...memory, acquireSlot: (key) => memory.acquireSlot(key, Number.MAX_SAFE_INTEGER) } },
    handlers: { 'bench.sleep': sleep },
  });
  const user = await registerUser(s.app);
  await setUser(s.container, user.id, { tier: 'enterprise' });
  const definition = {
    nodes: [
      { id: 't', type: 'trigger.manual', config: {} },
      { id: 'go', type: 'flow.approval', config: { prompt: 'go?' } },
      ...Array.from({ length: NODES }, (_, i) => ({ id: `n${i}`, type: 'bench.sleep', config: {} })),
    ],
    edges: [
      { id: 'e-go', source: 't', target: 'go' },
      ...Array.from({ length: NODES }, (_, i) => ({ id: `e${i}`, source: i === 0 ? 'go' : `n${i - 1}`, target: `n${i}`, ...(i === 0 ? { sourceHandle: 'approved' } : {}) })),
    ],
  };
  let published = new Map<number, number>();
  let written = new Map<number, number>();
  let current: { id: string; hitlId: string; stop(): void } | undefined;
  answerParent(() => s.close());
  process.on('message', (msg: unknown) => {
    if (typeof msg !== 'object') return;
    const m = msg as ToChild;
    void (async () => {
      if (m.type === 'prepare') {
        const id = await s.run(user.id, definition);
        published = new Map();
        written = new Map();
        let hitlId = '';
        const stop = s.module.subscribe(id, (e) => {
          if (e.type === 'node.finished' && e.data.status === 'succeeded' && String(e.data.nodeId).startsWith('n')) published.set(e.seq, now());
          if (e.type === 'hitl.requested') hitlId = String(e.data.hitlId);
        });
        while (!hitlId) await new Promise((r) => setTimeout(r, 5));
        current = { id, hitlId, stop };
        process.send!({ type: 'prepared', executionId: id } satisfies FromChild);
      } else if (m.type === 'go' && current) {
        // Subscribed after every client: called once all their writes are issued.
        const stopTail = s.module.subscribe(current.id, (e) => {
          if (published.has(e.seq)) written.set(e.seq, now());
        });
        const stopHead = current.stop;
        current.stop = () => (stopHead(), stopTail());
        await s.module.hitl.respond(s.ctxOf(user.id), current.hitlId, { decision: 'approved' });
      } else if (m.type === 'stamps' && current) {
        current.stop();
        process.send!({ type: 'stamps', stamps: [...published], written: [...written] } satisfies FromChild);
      }
    })().catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  });
  process.send!({ type: 'ready', base: s.base, token: user.accessToken } satisfies FromChild);
}

interface LeanClient {
  readonly opened: Promise<number>;
  readonly ended: Promise<void>;
  /** seq → arrival stamp of `node.finished`; and whether the open approval request was replayed. */
  readonly arrivals: Map<number, number>;
  replayed: boolean;
  duplicates: number;
}

/** An SSE reader with as little per-chunk work as possible: split frames, read `id:` and `event:`. */
function leanClient(url: string, token: string): LeanClient {
  let opened!: (status: number) => void;
  let ended!: () => void;
  const c: LeanClient = {
    opened: new Promise((r) => (opened = r)),
    ended: new Promise((r) => (ended = r)),
    arrivals: new Map(),
    replayed: false,
    duplicates: 0,
  };
  const req = http.get(url, { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
    opened(res.statusCode ?? 0);
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      const at = now();
      buf += chunk;
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (frame.startsWith('id: ')) {
          const nl = frame.indexOf('\n');
          const type = frame.slice(nl + 8, frame.indexOf('\n', nl + 1));
          if (type === 'node.finished') {
            const seq = Number(frame.slice(4, nl));
            if (c.arrivals.has(seq)) c.duplicates++;
            c.arrivals.set(seq, at);
          }
          else if (type === 'hitl.requested') c.replayed = true;
        }
      }
    });
    res.on('end', () => ended());
    res.on('error', () => ended());
  });
  req.on('error', () => {
    opened(0);
    ended();
  });
  return c;
}

async function level(proc: ChildProcess, base: string, token: string, n: number) {
  proc.send({ type: 'prepare' } satisfies ToChild);
  const { executionId } = await nextMessage<FromChild, 'prepared'>(proc, 'prepared');
  const url = `${base}/api/streaming/executions/${executionId}/stream/`;
  const clients: LeanClient[] = [];
  // Connect in batches so the handshakes do not all queue at once behind the server's accept loop.
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => leanClient(url, token));
    const statuses = await Promise.all(batch.map((c) => c.opened));
    if (statuses.some((st) => st !== 200)) throw new Error(`a stream was refused: ${statuses.find((st) => st !== 200)}`);
    clients.push(...batch);
  }
  const deadline = Date.now() + 60_000;
  while (!clients.every((c) => c.replayed)) {
    if (Date.now() > deadline) throw new Error('clients did not replay the approval request');
    await new Promise((r) => setTimeout(r, 10));
  }
  proc.send({ type: 'go' } satisfies ToChild);
  await Promise.all(clients.map((c) => c.ended));
  proc.send({ type: 'stamps' } satisfies ToChild);
  const reply = await nextMessage<FromChild, 'stamps'>(proc, 'stamps');
  const stamps = new Map(reply.stamps);
  const written = new Map(reply.written);
  if (stamps.size !== NODES) throw new Error(`expected ${NODES} node.finished events, saw ${stamps.size}`);
  const latencies: number[] = [];
  for (const c of clients) {
    if (c.duplicates > 0) throw new Error(`a client got ${c.duplicates} events twice`);
    for (const [seq, at] of stamps) {
      const got = c.arrivals.get(seq);
      if (got === undefined) throw new Error(`a client missed event ${seq}`);
      latencies.push(got - at);
    }
  }
  latencies.sort((a, b) => a - b);
  const server = [...stamps].map(([seq, at]) => written.get(seq)! - at).sort((a, b) => a - b);
  return { n, samples: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), serverP50: percentile(server, 50), serverMax: server.at(-1)! };
}

async function main(): Promise<void> {
  const proc = forkChild(import.meta.url, ['serve']);
  try {
    const ready = await nextMessage<FromChild, 'ready'>(proc, 'ready');
    // Sanity: the stream is the real, access-checked route (no credentials → 401).
    await expectResponse(`${ready.base}/api/streaming/executions/00000000-0000-4000-8000-000000000000/stream/`, {}, 401, 'no credentials');
    const results = [];
    for (const n of LEVELS) {
      const r = await level(proc, ready.base, ready.token, n);
      results.push(r);
      console.log(
        `stream-fanout clients=${r.n} samples=${r.samples} p50=${r.p50.toFixed(2)}ms p99=${r.p99.toFixed(2)}ms ` +
          `(server: every write issued after p50=${r.serverP50.toFixed(2)}ms max=${r.serverMax.toFixed(2)}ms)`,
      );
    }
    const base = results[0]!;
    console.log(`ratios vs 1 client: ${results.map((r) => `${r.n}: p50 x${(r.p50 / base.p50).toFixed(1)} p99 x${(r.p99 / base.p99).toFixed(1)}`).join(' · ')}`);
  } finally {
    await stopChild(proc);
  }
}

if (process.argv[2] === 'serve') await child();
else await main();
