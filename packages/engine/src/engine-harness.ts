/**
 * Test wiring for the engine's own tests: an engine on the in-memory adapters with the built-in handlers, plus
 * helpers to build workflows and to hold a node until the test lets it go. Not exported from the package.
 */
import jsonata from 'jsonata';
import { createEngine } from './engine.ts';
import { builtinHandlers, testAgentHandler } from './builtins.ts';
import { createInProcessQueue } from './queue.ts';
import { createMemoryRunStore, createMemoryWorkflows, systemClock } from './testing.ts';
import type { NodeTypeSpec, WorkflowDefinition, WorkflowSettings } from './definition.ts';
import type { ExpressionEvaluator, NodeHandler } from './ports.ts';
import type { EngineDeps, EngineLimits, StoredEvent } from './engine-ports.ts';

export const evaluate: ExpressionEvaluator = async (e, scope) =>
  jsonata(e).evaluate({}, Object.fromEntries(Object.entries(scope).map(([k, v]) => [k.replace(/^\$/, ''), v])));

type Store = ReturnType<typeof createMemoryRunStore>;
type Rec = NonNullable<Awaited<ReturnType<Store['get']>>>;

export interface Harness {
  engine: ReturnType<typeof createEngine>;
  store: Store;
  run(def: WorkflowDefinition, input?: unknown, settings?: WorkflowSettings): Promise<string>;
  until(id: string, statuses: string[], timeoutMs?: number): Promise<Rec>;
  /** Polls the stored run until `test` holds. */
  when(id: string, test: (r: Rec) => boolean, what: string, timeoutMs?: number): Promise<Rec>;
  published: StoredEvent[];
}

export interface HarnessOptions {
  readonly nodeSpec?: EngineDeps['nodeSpec'];
  readonly concurrency?: number;
  readonly limits?: Partial<EngineLimits>;
}

export function harness(
  extra: Record<string, NodeHandler> = {},
  instanceId = 'test',
  store = createMemoryRunStore(),
  workflows = createMemoryWorkflows(),
  opts: HarnessOptions = {},
): Harness {
  const handlers: Record<string, NodeHandler> = { ...builtinHandlers(evaluate), 'ai.agent': testAgentHandler('ai.agent'), ...extra };
  const published: StoredEvent[] = [];
  const engine = createEngine({
    store,
    queue: createInProcessQueue(opts.concurrency ?? 8),
    workflows,
    handlers: (t) => handlers[t],
    evaluate,
    clock: systemClock,
    publish: (e) => published.push(...e),
    isTrigger: (t) => t.startsWith('trigger.'),
    instanceId,
    limits: { leaseMs: 60_000, maxNodeOutputBytes: 10_000, ...opts.limits },
    ...(opts.nodeSpec ? { nodeSpec: opts.nodeSpec } : {}),
  });
  engine.startWorkers();
  let count = 0;
  const when = async (id: string, test: (r: Rec) => boolean, what: string, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await store.get(id);
      if (r && test(r)) return r;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; status ${r?.status}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  };
  return {
    engine,
    store,
    published,
    when,
    async run(definition, input = {}, settings = {}) {
      const w = { workflowId: `wf-${instanceId}-${++count}`, version: 1, definition, settings };
      workflows.add(w);
      return (await engine.start({ ownerId: 'owner-1', workflow: w, input })).id;
    },
    until: (id, statuses, timeoutMs) => when(id, (r) => statuses.includes(r.status), statuses.join('|'), timeoutMs),
  };
}

export const n = (id: string, type: string, config: Record<string, unknown> = {}, extra: object = {}) => ({ id, type, config, ...extra });
export const e = (source: string, target: string, sourceHandle?: string) => ({ id: `${source}-${sourceHandle ?? 'main'}-${target}`, source, target, ...(sourceHandle ? { sourceHandle } : {}) });

/** A node that runs until the test opens its gate: `entered` resolves when it starts, `open()` lets it finish. */
export function gate(output: unknown = 'opened') {
  let enter!: () => void;
  let open!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const opened = new Promise<void>((r) => (open = r));
  const handler: NodeHandler = {
    run: async () => {
      enter();
      await opened;
      return { kind: 'output', data: output };
    },
  };
  return { handler, entered, open };
}

/** The catalog's ports for the built-in types these tests use (the server's catalog is the real source). */
export const SPECS: Record<string, Pick<NodeTypeSpec, 'outputs'> & Partial<NodeTypeSpec>> = {
  'logic.if': { outputs: [{ id: 'true' }, { id: 'false' }, { id: 'error' }] },
  'flow.approval': { outputs: [{ id: 'approved' }, { id: 'rejected' }, { id: 'error' }] },
  'logic.loop': { outputs: [{ id: 'loop' }, { id: 'done' }, { id: 'error' }] },
  'logic.switch': { outputs: [{ id: 'default' }, { id: 'error' }], dynamicOutputs: { configKey: 'cases', portPrefix: 'case' } },
};

export const nodeSpec: NonNullable<EngineDeps['nodeSpec']> = async (type) => {
  const s = SPECS[type];
  if (!s) return { type, displayName: type, category: 'test', description: '', version: 1, configSchema: {}, inputs: [{ id: 'main' }], outputs: [{ id: 'main' }, { id: 'error' }], credentialTypes: [], canPause: false, trigger: type.startsWith('trigger.') };
  return { type, displayName: type, category: 'test', description: '', version: 1, configSchema: {}, inputs: [{ id: 'main' }], credentialTypes: [], canPause: false, trigger: false, ...s };
};

/** A node that never ends by itself: it fails when the run's signal aborts (already aborted included). */
export function forever() {
  let enter!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  let aborted = false;
  const handler: NodeHandler = {
    run: (ctx) =>
      new Promise((_, reject) => {
        const stop = () => {
          aborted = true;
          reject(new Error('aborted'));
        };
        if (ctx.signal.aborted) stop();
        else ctx.signal.addEventListener('abort', stop, { once: true });
        enter();
      }),
  };
  return { handler, entered, aborted: () => aborted };
}
