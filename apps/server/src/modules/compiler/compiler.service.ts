/**
 * Compiling workflows for a user: the pure compiler from packages/engine, bound to the node types that user may
 * see (built-ins and their own custom nodes) and to ajv for config schemas. Nothing is executed or evaluated.
 */
import { compile, type CompileResult, type ExecutionPlan, type Problem, type WorkflowDefinition } from '@gatehouse/engine';
import type { AuthedContext } from '../../http/context.ts';
import { BUILT_IN_BY_TYPE, type NodesService } from '../nodes/index.ts';
import { compilerErrors } from './compiler.errors.ts';
import { WORKFLOW_LIMITS } from './format.schemas.ts';

/** Loads a stored workflow's definition for its owner (the latest version when `version` is absent). */
export type LoadWorkflowVersion = (
  ownerId: string,
  workflowId: string,
  version?: number,
) => Promise<{ readonly version: number; readonly definition: WorkflowDefinition } | null | 'no-such-version'>;

export interface CompilerServiceDeps {
  readonly nodes: Pick<NodesService, 'lookupFor' | 'validateConfig'>;
  readonly loadVersion: LoadWorkflowVersion;
}

export type Mode = 'compile' | 'validate';

const problemsView = (ps: readonly Problem[]): Problem[] => ps.map((p) => ({ ...p }));
const planView = (p: ExecutionPlan) => ({ entryNodes: [...p.entryNodes], order: [...p.order], levels: p.levels.map((l) => [...l]), backEdges: [...p.backEdges] });

export interface Validated {
  valid: true;
  problems: Problem[];
}
export interface Compiled extends Validated {
  plan: ReturnType<typeof planView>;
}
type Answer<M extends Mode> = M extends 'compile' ? Compiled : Validated;

function answer<M extends Mode>(result: CompileResult, mode: M): Answer<M> {
  if (!result.valid) throw compilerErrors.invalid(result.problems);
  const base: Validated = { valid: true, problems: problemsView(result.problems) };
  return (mode === 'compile' ? { ...base, plan: planView(result.plan!) } : base) as Answer<M>;
}

/** Results kept, and the longest definition (as JSON) whose result is kept. */
const CACHE_ENTRIES = 500;
const CACHE_MAX_CHARS = 64 * 1024;

export function createCompilerService(d: CompilerServiceDeps) {
  /**
   * Results for definitions made of built-in node types only, by their JSON text: the same text always compiles the
   * same way, whoever asks (custom types depend on their owner's current definitions, so those are never kept).
   * Every execution start compiles its workflow; this spares the same workflow's starts the compile (~45 µs).
   * Kept results are shared: callers read them, and the API answers copy them (problemsView, planView).
   */
  const cache = new Map<string, CompileResult>();

  /** Compiles a definition as `ownerId` sees the node registry. Never throws for a bad workflow: it reports. */
  async function compileAs(ownerId: string, definition: WorkflowDefinition): Promise<CompileResult> {
    // Past the node cap the compiler looks at nothing else, so neither do we (no custom-node query for 50k types).
    const types = definition.nodes.length <= WORKFLOW_LIMITS.maxNodes ? definition.nodes.map((n) => n.type) : [];
    const key = types.length > 0 && types.every((t) => BUILT_IN_BY_TYPE.has(t)) ? JSON.stringify(definition) : undefined;
    const cacheable = key !== undefined && key.length <= CACHE_MAX_CHARS;
    const hit = cacheable ? cache.get(key) : undefined;
    if (hit) {
      // Most recently used last: the first key is the one to drop.
      cache.delete(key!);
      cache.set(key!, hit);
      return hit;
    }
    const lookup = await d.nodes.lookupFor(ownerId, types);
    const result = compile(definition, lookup, { validateConfig: d.nodes.validateConfig, limits: WORKFLOW_LIMITS });
    if (cacheable) {
      cache.set(key, result);
      if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    }
    return result;
  }

  return {
    compileAs,

    /** `POST /api/compile/` and `/api/compile/validate/`. */
    async compileDefinition<M extends Mode>(ctx: AuthedContext, definition: WorkflowDefinition, mode: M): Promise<Answer<M>> {
      return answer(await compileAs(ctx.principal.userId, definition), mode);
    },

    /** `POST /api/workflows/{id}/compile/` and `/validate/`: the latest version, or `?version=`. */
    async compileStored<M extends Mode>(ctx: AuthedContext, workflowId: string, version: number | undefined, mode: M): Promise<Answer<M> & { version: number }> {
      const found = await d.loadVersion(ctx.principal.userId, workflowId, version);
      if (found === null) throw compilerErrors.workflowNotFound();
      if (found === 'no-such-version') throw compilerErrors.versionNotFound(version!);
      return { version: found.version, ...answer(await compileAs(ctx.principal.userId, found.definition), mode) };
    },
  };
}

export type CompilerService = ReturnType<typeof createCompilerService>;
