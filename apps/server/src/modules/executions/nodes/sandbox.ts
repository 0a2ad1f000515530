/**
 * The JavaScript sandbox: QuickJS (WebAssembly) instances in a small pool of worker threads.
 *
 * Why threads as well as WebAssembly: QuickJS's interrupt handler stops guest code at its CPU deadline, but a few
 * native operations cannot be interrupted (a deeply nested JSON.stringify runs for seconds), and a guest running
 * on the server's own thread would stall every request meanwhile and could not be stopped from outside. In a
 * worker, the server's event loop stays free, a guest that outlives its deadline plus a grace period is killed with
 * its thread, and stopping an execution (ctx.signal) terminates the thread at once. Threads get an empty
 * environment and bounded V8 heaps; a killed or crashed one is replaced on the next run.
 *
 * Inputs and results cross the thread boundary as JSON text (bounded by maxInputBytes / maxOutputBytes).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { NodeFailure } from '@gatehouse/engine';
import { KIB, MIB } from './node-config.ts';
import type { SandboxJob, SandboxLimits, SandboxLogEntry, SandboxOutcome } from './sandbox-core.ts';
import type { WorkerJobMessage, WorkerReply } from './sandbox-worker.ts';

export type { SandboxLimits, SandboxLogEntry } from './sandbox-core.ts';

export const SANDBOX_DEFAULT_LIMITS: SandboxLimits = {
  cpuTimeMs: 1_000,
  memoryBytes: 64 * MIB,
  maxStackBytes: 256 * KIB,
  maxInputBytes: 4 * MIB,
  maxOutputBytes: 4 * MIB,
  maxLogEntries: 100,
  maxLogBytes: 16 * KIB,
};

export interface SandboxOptions {
  /** Worker threads (default: 2, or 1 on a single core). */
  readonly size?: number;
  /** Runs waiting for a thread beyond which new runs fail with SANDBOX_BUSY. */
  readonly maxQueue?: number;
  readonly limits?: Partial<SandboxLimits>;
  /** Wall time past `cpuTimeMs` after which a thread whose guest has not stopped is killed. */
  readonly graceMs?: number;
  /** Runs after which a thread is replaced (bounds slow leaks and heap fragmentation). */
  readonly maxRunsPerWorker?: number;
  /** V8 old-space limit of each thread (holds a job's JSON in and out, never guest objects). */
  readonly workerHeapMb?: number;
}

export interface SandboxRunRequest {
  readonly code: string;
  /** Each key becomes a global of the guest; the values must be JSON-serialisable. */
  readonly globals: Readonly<Record<string, unknown>>;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly limits?: Partial<SandboxLimits>;
  readonly signal?: AbortSignal;
}

export interface SandboxResult {
  readonly value: unknown;
  readonly logs: readonly SandboxLogEntry[];
  readonly logsTruncated: boolean;
  readonly durationMs: number;
}

export interface Sandbox {
  /** Runs the code; resolves with its JSON result, or rejects with a NodeFailure (`SANDBOX_*` code). */
  run(req: SandboxRunRequest): Promise<SandboxResult>;
  /** Starts every thread now instead of on first use. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

interface Slot {
  readonly worker: Worker;
  runs: number;
  job?: Pending;
}

interface Pending {
  readonly id: number;
  readonly job: SandboxJob;
  readonly signal?: AbortSignal;
  resolve(r: SandboxResult): void;
  reject(e: Error): void;
  settled: boolean;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

const WORKER_URL = new URL('./sandbox-worker.mjs', import.meta.url);

function toResult(o: SandboxOutcome): SandboxResult {
  if (!o.ok) throw new NodeFailure(o.code, o.message);
  return { value: JSON.parse(o.outputJson) as unknown, logs: o.logs, logsTruncated: o.logsTruncated, durationMs: o.durationMs };
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
  const maxQueue = options.maxQueue ?? 256;
  const defaults: SandboxLimits = { ...SANDBOX_DEFAULT_LIMITS, ...options.limits };
  const graceMs = options.graceMs ?? 1_000;
  const maxRuns = options.maxRunsPerWorker ?? 1_000;
  const idle: Slot[] = [];
  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let spawning = 0;
  let nextId = 1;
  let closed = false;

  function settle(p: Pending, outcome: { result: SandboxResult } | { error: Error }): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    if ('result' in outcome) p.resolve(outcome.result);
    else p.reject(outcome.error);
  }

  function retire(slot: Slot): void {
    slots.delete(slot);
    const i = idle.indexOf(slot);
    if (i >= 0) idle.splice(i, 1);
    void slot.worker.terminate();
  }

  function spawn(): Promise<Slot> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, {
        env: {}, // the guest cannot reach process.env anyway; the thread does not need the server's secrets either
        workerData: { heapBytes: defaults.memoryBytes },
        // QuickJS's C stack lives in WebAssembly memory, but each guest call nests host frames too: give the thread
        // enough native stack that QuickJS's own stack limit always trips first.
        resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb ?? 128, stackSizeMb: 16 },
      });
      const slot: Slot = { worker, runs: 0 };
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          slots.add(slot);
          resolve(slot);
          return;
        }
        const p = slot.job;
        if (!p || p.id !== msg.id) return;
        slot.job = undefined;
        try {
          settle(p, { result: toResult(msg.outcome) });
        } catch (e) {
          settle(p, { error: e as Error });
        }
        if (msg.outcome.poisoned || ++slot.runs >= maxRuns) retire(slot);
        else if (slots.has(slot)) release(slot);
      });
      worker.on('error', (err) => {
        reject(new NodeFailure('SANDBOX_UNAVAILABLE', `the sandbox could not start: ${err.message}`));
        const p = slot.job;
        slot.job = undefined;
        const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        if (p) settle(p, { error: new NodeFailure(oom ? 'SANDBOX_MEMORY' : 'SANDBOX_CRASHED', oom ? 'the sandbox ran out of memory' : `the sandbox crashed: ${err.message}`) });
      });
      worker.on('exit', () => {
        slots.delete(slot);
        const i = idle.indexOf(slot);
        if (i >= 0) idle.splice(i, 1);
        reject(new NodeFailure('SANDBOX_UNAVAILABLE', 'the sandbox could not start'));
        const p = slot.job;
        slot.job = undefined;
        if (p) settle(p, { error: new NodeFailure('SANDBOX_CRASHED', 'the sandbox stopped unexpectedly') });
        dispatch();
      });
    });
  }

  function release(slot: Slot): void {
    slot.worker.unref();
    idle.push(slot);
    dispatch();
  }

  function start(slot: Slot, p: Pending): void {
    slot.job = p;
    // Keep the process alive while a guest runs (an idle pool must not).
    slot.worker.ref();
    p.timer = setTimeout(() => {
      settle(p, { error: new NodeFailure('SANDBOX_TIMEOUT', `the code ran longer than its CPU time limit of ${p.job.limits.cpuTimeMs} ms and was stopped by force`) });
      slot.job = undefined;
      retire(slot);
      dispatch();
    }, p.job.limits.cpuTimeMs + graceMs);
    slot.worker.postMessage({ id: p.id, job: p.job } satisfies WorkerJobMessage);
  }

  function dispatch(): void {
    while (queue.length > 0 && !closed) {
      const slot = idle.pop();
      if (slot) {
        start(slot, queue.shift()!);
        continue;
      }
      if (slots.size + spawning < size) {
        spawning++;
        spawn().then(
          (s) => {
            spawning--;
            release(s);
          },
          (err: Error) => {
            spawning--;
            // A thread that cannot start fails the oldest waiting run rather than retrying forever.
            const p = queue.shift();
            if (p) settle(p, { error: err });
            dispatch();
          },
        );
      }
      return;
    }
  }

  function limitsOf(req: SandboxRunRequest): SandboxLimits {
    const l = { ...defaults, ...req.limits };
    for (const [k, v] of Object.entries(l)) {
      if (!Number.isInteger(v) || v < 1) throw new NodeFailure('INVALID_CONFIG', `sandbox limit ${k} must be a positive integer`);
    }
    return l;
  }

  return {
    run(req) {
      return new Promise<SandboxResult>((resolve, reject) => {
        if (closed) return reject(new NodeFailure('SANDBOX_UNAVAILABLE', 'the sandbox is shut down'));
        if (req.signal?.aborted) return reject(new NodeFailure('SANDBOX_ABORTED', 'the run was stopped'));
        const limits = limitsOf(req);
        let globalsJson: string | undefined;
        try {
          globalsJson = JSON.stringify(req.globals);
        } catch (e) {
          return reject(new NodeFailure('SANDBOX_INPUT_INVALID', `the input is not JSON-serialisable: ${(e as Error).message}`));
        }
        if (Buffer.byteLength(globalsJson) > limits.maxInputBytes) {
          return reject(new NodeFailure('SANDBOX_INPUT_TOO_LARGE', `the input is larger than ${limits.maxInputBytes} bytes as JSON`));
        }
        if (queue.length >= maxQueue) return reject(new NodeFailure('SANDBOX_BUSY', 'too many code runs are waiting; try again later'));
        const p: Pending = {
          id: nextId++,
          job: { code: req.code, globalsJson, ...(req.aliases ? { aliases: req.aliases } : {}), limits },
          ...(req.signal ? { signal: req.signal } : {}),
          resolve,
          reject,
          settled: false,
        };
        if (req.signal) {
          p.onAbort = () => {
            settle(p, { error: new NodeFailure('SANDBOX_ABORTED', 'the run was stopped') });
            const qi = queue.indexOf(p);
            if (qi >= 0) queue.splice(qi, 1);
            for (const slot of slots) {
              if (slot.job === p) {
                // The guest may be in a loop that never yields: only killing the thread stops it now.
                slot.job = undefined;
                retire(slot);
              }
            }
            dispatch();
          };
          req.signal.addEventListener('abort', p.onAbort, { once: true });
        }
        queue.push(p);
        dispatch();
      });
    },
    async warm() {
      const starting: Promise<Slot>[] = [];
      while (slots.size + spawning + starting.length < size) starting.push(spawn());
      spawning += starting.length;
      const started = await Promise.allSettled(starting);
      spawning -= starting.length;
      for (const s of started) if (s.status === 'fulfilled') release(s.value);
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason as Error;
    },
    async close() {
      closed = true;
      const shutDown = () => new NodeFailure('SANDBOX_UNAVAILABLE', 'the sandbox is shut down');
      for (const p of queue.splice(0)) settle(p, { error: shutDown() });
      for (const s of slots) if (s.job) settle(s.job, { error: shutDown() });
      await Promise.all([...slots].map((s) => s.worker.terminate()));
      slots.clear();
      idle.length = 0;
    },
  };
}
