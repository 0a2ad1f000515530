/**
 * Handlers of the built-in node types that need nothing from the outside world. Nodes that do (http.request,
 * code.js, sub-workflows, AI providers) are provided by the server.
 */
import type { ExpressionEvaluator, NodeHandler, NodeRunContext } from './ports.ts';
import { NodeFailure } from './failure.ts';

type Handler = NodeHandler & { readonly lazyConfig?: readonly string[] };

const out = (data: unknown, ports?: readonly string[]) => ({ kind: 'output' as const, data, ...(ports ? { ports } : {}) });

const passThrough: Handler = { run: async (ctx) => out(ctx.input ?? ctx.executionInput) };

/** Marks handlers pure (see NodeHandler.pure). */
const pure = (handlers: Record<string, Handler>): Record<string, Handler> =>
  Object.fromEntries(Object.entries(handlers).map(([type, h]) => [type, { ...h, pure: true }]));

const truthy = (v: unknown) => Boolean(v) && !(Array.isArray(v) && v.length === 0);

export function builtinHandlers(evaluate: ExpressionEvaluator): Record<string, Handler> {
  return {
    // Triggers, logic and data nodes compute from their input and config alone (expressions run in the evaluator's
    // bounds, with no way out).
    ...pure({
      'trigger.manual': { run: async (ctx) => out(ctx.executionInput ?? {}) },
      'trigger.webhook': { run: async (ctx) => out(ctx.executionInput ?? {}) },

      'logic.if': {
        run: async (ctx) => out(ctx.input, [truthy(ctx.config.condition) ? 'true' : 'false']),
      },
      'logic.switch': {
        run: async (ctx) => {
          const cases = Array.isArray(ctx.config.cases) ? ctx.config.cases : [];
          const i = cases.findIndex((c) => JSON.stringify(c) === JSON.stringify(ctx.config.value));
          return out(ctx.input, [i >= 0 ? `case${i}` : 'default']);
        },
      },
      'logic.merge': {
        run: async (ctx) => {
          const mode = ctx.config.mode ?? 'object';
          const input = ctx.input;
          if (mode === 'array') return out(input && typeof input === 'object' ? Object.values(input as object) : [input]);
          return out(input);
        },
      },

      'data.set': {
        run: async (ctx) => {
          const values = (ctx.config.values ?? {}) as Record<string, unknown>;
          const base = ctx.config.keepInput === true && ctx.input && typeof ctx.input === 'object' ? (ctx.input as object) : {};
          return out({ ...base, ...values });
        },
      },
      'data.transform': { run: async (ctx) => out(ctx.config.output ?? null) },
      'data.filter': {
        // The condition is evaluated per item, so the engine leaves it unresolved.
        lazyConfig: ['condition'],
        run: async (ctx) => {
          const items = ctx.config.items ?? ctx.input;
          if (!Array.isArray(items)) throw new NodeFailure('FILTER_ITEMS_NOT_ARRAY', 'data.filter items must be an array');
          const cond = String(ctx.config.condition ?? 'true').replace(/^\s*\{\{([\s\S]*)\}\}\s*$/, '$1');
          const kept: unknown[] = [];
          for (const [index, item] of items.entries()) {
            if (ctx.signal.aborted) throw new NodeFailure('ABORTED', 'aborted');
            if (truthy(await evaluate(cond, { $item: item, $index: index, $input: ctx.input, $node: ctx.upstream }))) kept.push(item);
          }
          return out(kept);
        },
      },

    }),
    // Not pure: without input, its output is the time it ran.
    'trigger.schedule': { run: async (ctx) => out(ctx.executionInput ?? { firedAt: new Date().toISOString() }) },

    'flow.wait': {
      run: async (ctx) => {
        if (ctx.resume) return out(ctx.input);
        const seconds = Number(ctx.config.seconds ?? 0);
        const until = typeof ctx.config.until === 'string' ? ctx.config.until : new Date(Date.now() + seconds * 1000).toISOString();
        if (Number.isNaN(Date.parse(until))) throw new NodeFailure('INVALID_WAIT', 'flow.wait needs seconds or an ISO date');
        return { kind: 'wait', wait: { kind: 'timer', until } };
      },
    },
    'flow.approval': {
      run: async (ctx) => {
        if (ctx.resume) {
          const r = (ctx.resume.data ?? {}) as { decision?: string; data?: unknown; timedOut?: boolean };
          const decision = r.timedOut ? String(ctx.config.timeoutDecision ?? 'rejected') : (r.decision ?? 'rejected');
          return out({ decision, data: r.data ?? null, timedOut: r.timedOut === true, input: ctx.input }, [decision === 'approved' ? 'approved' : 'rejected']);
        }
        const timeout = Number(ctx.config.timeoutSeconds ?? 0);
        return {
          kind: 'wait',
          wait: {
            kind: 'approval',
            prompt: String(ctx.config.prompt ?? 'Approve?'),
            ...(ctx.config.formSchema ? { formSchema: ctx.config.formSchema as Record<string, unknown> } : {}),
            ...(timeout > 0
              ? { timeoutAt: new Date(Date.now() + timeout * 1000).toISOString(), timeoutDecision: String(ctx.config.timeoutDecision ?? 'rejected') }
              : {}),
          },
        };
      },
    },
  };
}

/**
 * A deterministic stand-in for model-backed nodes until model providers arrive: it reasons in recorded thoughts
 * (thought → action → observation) and answers from its input, so the thought path is exercised end to end.
 */
export function testAgentHandler(type: string): Handler {
  return {
    async run(ctx: NodeRunContext) {
      const prompt = String(ctx.config.prompt ?? ctx.config.question ?? JSON.stringify(ctx.input ?? null)).slice(0, 2000);
      ctx.emitThought('thought', `Considering: ${prompt.slice(0, 200)}`);
      ctx.emitThought('action', `${type}: answering deterministically (test agent)`);
      const labels = Array.isArray(ctx.config.labels) ? (ctx.config.labels as unknown[]).map(String) : [];
      const answer =
        type === 'ai.classify' && labels.length > 0
          ? { label: labels[prompt.length % labels.length] }
          : type === 'ai.extract'
            ? { fields: ctx.input ?? {} }
            : { text: `echo: ${prompt}` };
      ctx.emitThought('observation', JSON.stringify(answer).slice(0, 500));
      return out(answer);
    },
  };
}

export const TEST_AGENT_TYPES = ['ai.llm', 'ai.agent', 'ai.classify', 'ai.extract', 'rag.query'] as const;

export { passThrough };
