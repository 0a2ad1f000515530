/**
 * What the HTTP benchmarks share: talking to the server child they fork (each server runs in its own process so the
 * load generator never shares its event loop), CPU accounting, and the statistics they print.
 *
 * The protocol: the child sends typed messages (`{ type, … }`); the parent sends 'cpu' (answered with
 * `{ type: 'cpu', usage }`) and 'close', both handled on the child's side by `answerParent`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** Every message a server child sends has a `type`. */
export interface ChildMessage {
  readonly type: string;
}

/**
 * Forks the benchmark file `moduleUrl` (its `import.meta.url`) with `args` as a server child: this process's execArgv
 * (i.e. tsx's loader), stdout and stderr inherited, an IPC channel.
 */
export function forkChild(moduleUrl: string, args: readonly string[]): ChildProcess {
  return fork(fileURLToPath(moduleUrl), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The next message of `type` from the child; rejects if the child exits first. */
export function nextMessage<M extends ChildMessage, T extends M['type']>(proc: ChildProcess, type: T): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: M) => {
      if (m.type !== type) return;
      cleanup();
      resolve(m as Extract<M, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`server child exited (code ${code}) before sending '${type}'`));
    };
    const cleanup = () => {
      proc.off('message', onMessage);
      proc.off('exit', onExit);
    };
    proc.on('message', onMessage);
    proc.on('exit', onExit);
  });
}

/** Asks the child to close (message 'close'), and kills it if it has not exited after `graceMs`. */
export async function stopChild(proc: ChildProcess, graceMs = 5_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.send('close');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The child's side of the protocol: answers 'cpu' with this process's CPU usage, and on 'close' runs `close`, then
 * exits; exits as well when the parent goes away. The child's own messages are for its own listener.
 */
export function answerParent(close: () => Promise<void>): void {
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
    else if (msg === 'close') void close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

export const cpuOf = (u: NodeJS.CpuUsage): number => u.user + u.system;

/** The child's CPU usage so far (user and system, µs; see `answerParent`). */
export async function childCpuUsage(proc: ChildProcess): Promise<NodeJS.CpuUsage> {
  proc.send('cpu');
  return (await nextMessage<{ type: 'cpu'; usage: NodeJS.CpuUsage }, 'cpu'>(proc, 'cpu')).usage;
}

/** The child's CPU time so far, in µs. */
export async function childCpuUs(proc: ChildProcess): Promise<number> {
  return cpuOf(await childCpuUsage(proc));
}

/** Busy CPU time of the whole machine so far, in µs (all cores, all processes). */
export function machineBusyUs(): number {
  let busy = 0;
  for (const { times } of os.cpus()) busy += times.user + times.nice + times.sys + times.irq;
  return busy * 1_000;
}

/** CPU used during one measured run, in cores (CPU µs per wall-clock µs). */
export interface CpuShares {
  /** The server child (all its threads). */
  readonly serverCpu: number;
  /** This process: the load generator. */
  readonly loadCpu: number;
  /** What `measured`'s `extra` counted; 0 without it. */
  readonly extraCpu: number;
  /** Everything else on the machine: other processes. */
  readonly otherCpu: number;
}

/**
 * Runs `fn` and measures meanwhile the CPU of the server child `proc`, of this process and of the whole machine.
 * `extra`, if given, starts counting one more group of processes (e.g. database backends) and returns a function
 * that gives the µs they have used since; that share is taken out of `otherCpu`.
 */
export async function measured<T>(
  proc: ChildProcess,
  fn: () => Promise<T>,
  extra?: () => () => number,
): Promise<{ value: T; wallUs: number } & CpuShares> {
  const server0 = await childCpuUs(proc);
  const extraSince = extra?.();
  const self0 = process.cpuUsage();
  const busy0 = machineBusyUs();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wallUs = Number(process.hrtime.bigint() - t0) / 1_000;
  const busy = machineBusyUs() - busy0;
  const self = cpuOf(process.cpuUsage(self0));
  const more = extraSince?.() ?? 0;
  const server = (await childCpuUs(proc)) - server0;
  return {
    value,
    wallUs,
    serverCpu: server / wallUs,
    loadCpu: self / wallUs,
    extraCpu: more / wallUs,
    otherCpu: Math.max(0, (busy - server - self - more) / wallUs),
  };
}

/**
 * `concurrency` closed loops for `durationS`: each awaits `op()`, passes its result to `check`, and calls again (the
 * baselines the server children measure in process). Returns every call's latency in ms, ascending, and the
 * elapsed time. `op` should return the operation's own promise, so that nothing but a call is added to what is timed.
 */
export async function closedLoops<R>(
  concurrency: number,
  durationS: number,
  op: () => Promise<R>,
  check?: (result: R) => void,
): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const s = performance.now();
        const result = await op();
        check?.(result);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { latencies, elapsedMs };
}

/** The p-th percentile of an ascending array (nearest rank); NaN when empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** The median (the mean of the two middle values for an even count); NaN when empty. */
export const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A share of cores as a percentage, padded for tables (1.0 → ' 100%'). */
export const pct = (cores: number): string => `${(cores * 100).toFixed(0).padStart(3)}%`;

/** Prints a table: the first column left-aligned, the others right-aligned, each as wide as its widest cell. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
