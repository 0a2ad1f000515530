/**
 * `code.js`: runs the node's JavaScript in the sandbox (QuickJS in WebAssembly, in a worker thread).
 *
 * Config:
 *   source     the body of an async function; `return` the node's output (any JSON value). Templates are not
 *              resolved inside it (it is a raw key): read data through the globals below instead.
 *   timeoutMs  CPU time limit of this node (default: the handler's cpuTimeMs, 1 s; at most maxTimeoutMs, 5 s)
 *
 * Globals the code sees (copies made from JSON; changing them changes nothing outside):
 *   $input      the node's input: its one upstream output, or several keyed by upstream node id
 *   $json       the same value as $input (the name n8n users reach for)
 *   $node       outputs of the finished upstream nodes, by node id: $node['fetch-user'].body
 *   $execution  { id, input }: the run and what its trigger received
 *   console     log/info/warn/error/debug, captured into a bounded log (handed to `onLogs`), never printed
 *
 * Nothing else: no require or import, no fetch, timers, process, environment, file system or network. The result
 * must be JSON-serialisable; undefined (a missing `return`) is an error. Limits: CPU time, heap (64 MiB), stack,
 * input and output size (4 MiB each as JSON), log size; each overrun fails the node with its own SANDBOX_* code.
 *
 * Example:
 *   const items = $input.body.items;
 *   console.log(`got ${items.length} items`);
 *   return { total: items.reduce((sum, i) => sum + i.price * i.qty, 0) };
 */
import { NodeFailure, type NodeHandler, type NodeRunContext } from '@gatehouse/engine';
import { Type } from 'typebox';
import { configChecker } from './node-config.ts';
import type { Sandbox, SandboxLimits, SandboxLogEntry } from './sandbox.ts';

export const codeJsConfigSchema = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 100_000 }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export interface CodeJsHandlerOptions {
  readonly sandbox: Sandbox;
  /** Limits of every run (over the sandbox's defaults). */
  readonly limits?: Partial<SandboxLimits>;
  /** Ceiling of a node's `timeoutMs`. */
  readonly maxTimeoutMs?: number;
  /** Receives what the code logged (e.g. to record it on the step). */
  readonly onLogs?: (ctx: NodeRunContext, logs: readonly SandboxLogEntry[], truncated: boolean) => void;
}

const checker = configChecker(codeJsConfigSchema);

/** The config keys the engine must hand over unresolved: `{{ }}` inside JavaScript is JavaScript. */
export const CODE_JS_RAW_KEYS = ['source'] as const;

export function createCodeJsHandler(options: CodeJsHandlerOptions): NodeHandler & { readonly lazyConfig: readonly string[] } {
  const maxTimeout = options.maxTimeoutMs ?? 5_000;
  return {
    lazyConfig: CODE_JS_RAW_KEYS,
    async run(ctx) {
      const c = checker.parse('code.js', ctx.config);
      if (c.timeoutMs !== undefined && c.timeoutMs > maxTimeout) {
        throw new NodeFailure('INVALID_CONFIG', `code.js: timeoutMs may be at most ${maxTimeout}`);
      }
      const result = await options.sandbox.run({
        code: c.source,
        globals: {
          $input: ctx.input ?? null,
          $node: ctx.upstream,
          $execution: { id: ctx.executionId, input: ctx.executionInput ?? null },
        },
        aliases: { $json: '$input' },
        limits: { ...options.limits, ...(c.timeoutMs !== undefined ? { cpuTimeMs: c.timeoutMs } : {}) },
        signal: ctx.signal,
      });
      if (options.onLogs && (result.logs.length > 0 || result.logsTruncated)) options.onLogs(ctx, result.logs, result.logsTruncated);
      return { kind: 'output', data: result.value };
    },
  };
}
