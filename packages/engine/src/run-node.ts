/**
 * Runs one node: resolves its config templates, calls its handler with retries and backoff, enforces the output
 * cap, and turns every failure into a coded step error (never an exception that escapes the engine).
 */
import type { WorkflowNode } from './definition.ts';
import type { ExpressionEvaluator, NodeHandler, NodeResult, NodeRunContext, ThoughtKind } from './ports.ts';
import type { StepError } from './state.ts';
import { NodeFailure } from './failure.ts';
import { resolveTemplates } from './templates.ts';

export { NodeFailure, resolveTemplates };

export function jsonSize(v: unknown): number {
  return v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v) ?? '');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new NodeFailure('ABORTED', 'aborted'));
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new NodeFailure('ABORTED', 'aborted'));
    }, { once: true });
  });

export interface RunNodeInput {
  readonly node: WorkflowNode;
  readonly handler: NodeHandler & { readonly lazyConfig?: readonly string[] };
  readonly base: Omit<NodeRunContext, 'config' | 'attempt' | 'emitThought'>;
  readonly evaluate: ExpressionEvaluator;
  readonly maxOutputBytes: number;
  readonly onThought: (kind: ThoughtKind, content: string) => void;
  readonly onAttempt: (attempt: number) => void;
}

export async function runNode(i: RunNodeInput): Promise<{ result: NodeResult } | { error: StepError }> {
  const scope = { $input: i.base.input, $node: i.base.upstream, $execution: { id: i.base.executionId, input: i.base.executionInput } };
  const maxAttempts = Math.max(1, Math.min(10, i.node.retry?.maxAttempts ?? 1));
  let backoff = Math.max(0, Math.min(60_000, i.node.retry?.backoffMs ?? 0));
  let lastError: StepError = { code: 'NODE_FAILED', message: 'node failed' };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    i.onAttempt(attempt);
    try {
      const config = (await resolveTemplates(i.node.config, i.evaluate, scope, { lazy: i.handler.lazyConfig ?? [] })) as Record<string, unknown>;
      const result = await i.handler.run({ ...i.base, config, attempt, emitThought: i.onThought });
      if (result.kind === 'output' && jsonSize(result.data) > i.maxOutputBytes) {
        // Too big is not transient: retrying would produce the same output.
        return { error: { code: 'OUTPUT_TOO_LARGE', message: `node output exceeds ${i.maxOutputBytes} bytes` } };
      }
      return { result };
    } catch (e) {
      if (i.base.signal.aborted) return { error: { code: 'ABORTED', message: 'the execution was stopped' } };
      const err = e as { code?: unknown; message?: unknown };
      lastError = {
        code: typeof err.code === 'string' ? err.code : 'NODE_FAILED',
        message: typeof err.message === 'string' ? err.message.slice(0, 2000) : 'node failed',
      };
      if (attempt < maxAttempts) {
        try {
          await sleep(backoff, i.base.signal);
        } catch {
          return { error: { code: 'ABORTED', message: 'the execution was stopped' } };
        }
        backoff = Math.min(backoff * 2, 60_000);
      }
    }
  }
  return { error: lastError };
}
