/**
 * Compiling workflows for a user: the pure compiler from packages/engine, bound to the node types that user may
 * see (built-ins and their own custom nodes) and to ajv for config schemas. Nothing is executed or evaluated.
 */
import { compile, type CompileResult, type ExecutionPlan, type Problem, type WorkflowDefinition } from '@gatehouse/engine';
import type { AuthedContext } from '../../http/context.ts';
import type { NodesService } from '../nodes/index.ts';
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

export function createCompilerService(d: CompilerServiceDeps) {
  /** Compiles a definition as `ownerId` sees the node registry. Never throws for a bad workflow: it reports. */
  async function compileAs(ownerId: string, definition: WorkflowDefinition): Promise<CompileResult> {
    // Past the node cap the compiler looks at nothing else, so neither do we (no custom-node query for 50k types).
    const types = definition.nodes.length <= WORKFLOW_LIMITS.maxNodes ? definition.nodes.map((n) => n.type) : [];
    const lookup = await d.nodes.lookupFor(ownerId, types);
    return compile(definition, lookup, { validateConfig: d.nodes.validateConfig, limits: WORKFLOW_LIMITS });
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
