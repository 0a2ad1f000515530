/**
 * Node runtime pieces of the executions module: what runs user-controlled work on the server.
 *
 *   egress.ts, egress-policy.ts  the one way out to the network. An undici Agent resolves each host itself,
 *                                refuses loopback, private (RFC 1918), link-local (incl. 169.254.169.254), CGNAT,
 *                                unique-local, multicast, unspecified and reserved addresses (and IPv4-mapped/NAT64
 *                                forms of them) unless EGRESS_ALLOW lists the host or range, and dials the checked
 *                                IP. Redirects are followed by hand (max 5, each hop re-checked, credentials dropped
 *                                across origins); http(s) only; connect/header/body/overall timeouts; bodies capped
 *                                (5 MiB default) with truncation or an error.
 *   http-request.ts              the `http.request` node on top of it.
 *   sandbox.ts, sandbox-core.ts  QuickJS (WebAssembly) in worker threads: fresh context per run, CPU deadline,
 *                                heap cap (hard, on the WebAssembly memory), stack, input/output/log caps, no
 *                                host access; a stuck or stopped guest is killed with its thread.
 *   code-js.ts                   the `code.js` node on top of it ($input, $json, $node, $execution, console).
 *   expressions.ts, templates.ts JSONata `{{ … }}` evaluation with time, depth, size limits and interruptible regexes
 *                                (expression-regex.ts); resolveTemplates for whole configs.
 *   server-nodes.ts              builds all of the above from config for the container.
 *
 * Errors are NodeFailure(code, message) from @gatehouse/engine; codes: EGRESS_*, HTTP_*, SANDBOX_*, EXPRESSION_*,
 * INVALID_CONFIG, CONFIG_TOO_DEEP.
 */
export { createAddressPolicy, normaliseHost, rangeOf, type AddressPolicy, type EgressVerdict } from './egress-policy.ts';
export {
  createEgress,
  guardedConnector,
  systemResolver,
  EGRESS_DEFAULTS,
  type Connector,
  type Egress,
  type EgressOptions,
  type EgressRequest,
  type EgressResponse,
  type Resolver,
  type ResolvedAddress,
} from './egress.ts';
export { createHttpRequestHandler, httpRequestConfigSchema, type HttpRequestHandlerOptions, type HttpRequestOutput } from './http-request.ts';
export {
  createSandbox,
  SANDBOX_DEFAULT_LIMITS,
  type Sandbox,
  type SandboxLimits,
  type SandboxLogEntry,
  type SandboxOptions,
  type SandboxResult,
  type SandboxRunRequest,
} from './sandbox.ts';
export { createCodeJsHandler, codeJsConfigSchema, CODE_JS_RAW_KEYS, type CodeJsHandlerOptions } from './code-js.ts';
export { createExpressionEvaluator, resolveTemplates, findTemplate, type ExpressionOptions } from './expressions.ts';
export type { TemplateOptions } from './templates.ts';
export { createRegexSandbox, type RegexSandbox } from './expression-regex.ts';
export { createServerNodes, type ServerNodes, type ServerNodesOptions } from './server-nodes.ts';
