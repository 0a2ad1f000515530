/**
 * The workflow format on the wire (TypeBox): what saving a workflow and compiling one both accept. Structure and
 * sizes are checked here (400); the rules of the format itself (id syntax, types, edges, ports, cycles,
 * expressions) are the compiler's, so a draft with mistakes can still be saved and every mistake gets reported.
 */
import { Type } from 'typebox';
import { DEFAULT_LIMITS, type CompileLimits } from '@gatehouse/engine';

const strict = { additionalProperties: false } as const;

/**
 * Caps on one workflow. Past them, saving and compiling answer 422 (413 past the byte cap) with a clear message.
 * The expression caps bound a compile's parse work: the costliest definition they admit compiles in well under
 * 200 ms (compiler.test.ts builds it), where 10,000 expressions for jsonata's full parser took 2-4 s.
 */
export const WORKFLOW_LIMITS: CompileLimits = DEFAULT_LIMITS;

/**
 * The largest version number any request may name. Versions are stored in 32-bit integer columns: a larger number
 * must be a 400 at the door, not a 500 from the database.
 */
export const MAX_VERSION = 1_000_000_000;
/** A version number in a query, path or body. */
export const VersionNumber = (description?: string) => Type.Integer({ minimum: 1, maximum: MAX_VERSION, ...(description ? { description } : {}) });
/** Largest request body that carries a definition. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

/** No control characters: names end up in logs, lists and HTTP headers of future exports. */
export const Line = (maxLength: number, minLength = 0) => Type.String({ minLength, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
/** Free text; only NUL is refused (PostgreSQL cannot store it). */
export const Prose = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000]*$' });

const Handle = Type.String({ minLength: 1, maxLength: 64 });
const Ref = Type.String({ maxLength: 128, description: 'a node id' });

export const WorkflowNodeBody = Type.Object(
  {
    id: Type.String({ maxLength: 128, description: '1-64 letters, digits, "_" or "-" (checked by the compiler)' }),
    type: Type.String({ minLength: 1, maxLength: 128 }),
    name: Type.Optional(Line(200)),
    config: Type.Record(Type.String(), Type.Unknown()),
    position: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number() }, strict)),
    retry: Type.Optional(Type.Object({ maxAttempts: Type.Integer({ minimum: 1, maximum: 10 }), backoffMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }) }, strict)),
  },
  strict,
);

export const WorkflowEdgeBody = Type.Object(
  { id: Type.String({ maxLength: 128 }), source: Ref, target: Ref, sourceHandle: Type.Optional(Handle), targetHandle: Type.Optional(Handle) },
  strict,
);

// No maxItems here: the node and edge caps are reported by the compiler's size check (422, with the numbers),
// and the body limit already bounds how many items can arrive at all.
export const DefinitionBody = Type.Object({ nodes: Type.Array(WorkflowNodeBody), edges: Type.Array(WorkflowEdgeBody) }, strict);

export const SettingsBody = Type.Object(
  {
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86400 })),
    errorPolicy: Type.Optional(Type.Union([Type.Literal('fail'), Type.Literal('continue')])),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  strict,
);

export const ProblemView = Type.Object({
  code: Type.String(),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
  message: Type.String(),
  nodeId: Type.Optional(Type.String()),
  edgeId: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
});

export const PlanView = Type.Object({
  entryNodes: Type.Array(Type.String()),
  order: Type.Array(Type.String()),
  levels: Type.Array(Type.Array(Type.String())),
  backEdges: Type.Array(Type.String()),
});
