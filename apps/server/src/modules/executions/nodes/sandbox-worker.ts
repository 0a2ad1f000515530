/**
 * Body of a sandbox worker thread: holds one QuickJS instance and runs one guest at a time on it. The pool in
 * sandbox.ts sends jobs and kills the thread when a guest outlives its deadline or its execution is stopped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadQuickJS, runInQuickJS, type QuickJSInstance, type SandboxJob, type SandboxOutcome } from './sandbox-core.ts';

export interface WorkerJobMessage {
  readonly id: number;
  readonly job: SandboxJob;
}
export type WorkerReply = { readonly type: 'ready' } | { readonly type: 'result'; readonly id: number; readonly outcome: SandboxOutcome };

const port = parentPort;
if (!port) throw new Error('sandbox-worker must run in a worker thread');

let instance: QuickJSInstance | undefined;
async function instanceFor(heapBytes: number): Promise<QuickJSInstance> {
  // The memory cap is fixed when the instance is created, so a job with another heap size gets a new instance.
  if (instance?.heapBytes !== heapBytes) instance = await loadQuickJS(heapBytes);
  return instance;
}

port.on('message', async ({ id, job }: WorkerJobMessage) => {
  const outcome = runInQuickJS(await instanceFor(job.limits.memoryBytes), job);
  port.postMessage({ type: 'result', id, outcome } satisfies WorkerReply);
  // A guest that filled the heap may leave it fragmented; one that faulted may leave QuickJS inconsistent.
  if (!outcome.ok && outcome.code === 'SANDBOX_MEMORY') instance = undefined;
  if (outcome.poisoned) process.exit(1);
});

await instanceFor((workerData as { heapBytes: number }).heapBytes);
port.postMessage({ type: 'ready' } satisfies WorkerReply);
