/**
 * One call that builds what the server needs from this folder: the egress guard, the sandbox pool, the
 * `http.request` and `code.js` handlers and the expression evaluator, plus one `close()` for shutdown.
 */
import type { ExpressionEvaluator, NodeHandler } from '@gatehouse/engine';
import { createCodeJsHandler, type CodeJsHandlerOptions } from './code-js.ts';
import { createEgress, type Egress, type EgressOptions } from './egress.ts';
import { createExpressionEvaluator, type ExpressionOptions } from './expressions.ts';
import { createHttpRequestHandler, type HttpRequestHandlerOptions } from './http-request.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from './sandbox.ts';

export interface ServerNodesOptions {
  /** config.egressAllow (EGRESS_ALLOW). */
  readonly egressAllow: readonly string[];
  readonly egress?: Omit<EgressOptions, 'allow'>;
  readonly sandbox?: SandboxOptions;
  readonly http?: Omit<HttpRequestHandlerOptions, 'egress'>;
  readonly codeJs?: Omit<CodeJsHandlerOptions, 'sandbox'>;
  readonly expressions?: ExpressionOptions;
}

export interface ServerNodes {
  /** By node type; `code.js` also carries `lazyConfig` (its source is not a template). */
  readonly handlers: Readonly<Record<'http.request' | 'code.js', NodeHandler & { readonly lazyConfig?: readonly string[] }>>;
  readonly evaluate: ExpressionEvaluator;
  readonly egress: Egress;
  readonly sandbox: Sandbox;
  close(): Promise<void>;
}

export function createServerNodes(options: ServerNodesOptions): ServerNodes {
  const egress = createEgress({ ...options.egress, allow: options.egressAllow });
  const sandbox = createSandbox(options.sandbox);
  return {
    handlers: {
      'http.request': createHttpRequestHandler({ ...options.http, egress }),
      'code.js': createCodeJsHandler({ ...options.codeJs, sandbox }),
    },
    evaluate: createExpressionEvaluator(options.expressions),
    egress,
    sandbox,
    close: async () => {
      await Promise.all([egress.close(), sandbox.close()]);
    },
  };
}
