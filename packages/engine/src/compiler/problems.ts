import type { Problem, ProblemSeverity } from '../definition.ts';

/** Every code the compiler reports. Clients may switch on these; messages are for people. */
export const CODES = {
  TOO_MANY_NODES: 'error',
  TOO_MANY_EDGES: 'error',
  CONFIG_TOO_DEEP: 'error',
  TOO_MANY_EXPRESSIONS: 'error',
  TOO_MANY_COMPLEX_EXPRESSIONS: 'error',
  INVALID_ID: 'error',
  DUPLICATE_NODE_ID: 'error',
  DUPLICATE_EDGE_ID: 'error',
  DUPLICATE_EDGE: 'warning',
  UNKNOWN_NODE_TYPE: 'error',
  DANGLING_EDGE: 'error',
  SELF_LOOP: 'error',
  UNKNOWN_PORT: 'error',
  CYCLE: 'error',
  LOOPS_TOO_DEEP: 'error',
  NO_TRIGGER: 'error',
  UNREACHABLE: 'warning',
  INVALID_CONFIG: 'error',
  EXPRESSION_SYNTAX: 'error',
  EXPRESSION_UNCLOSED: 'warning',
  EXPRESSION_UNKNOWN_NODE: 'error',
  EXPRESSION_NOT_UPSTREAM: 'error',
  EXPRESSION_DYNAMIC_NODE_ACCESS: 'warning',
  PROBLEMS_TRUNCATED: 'warning',
} as const satisfies Record<string, ProblemSeverity>;

export type ProblemCode = keyof typeof CODES;

export interface ProblemAt {
  readonly nodeId?: string;
  readonly edgeId?: string;
  readonly path?: string;
}

/** Collects problems up to a cap; `errors` counts every error, kept or not, so validity never depends on the cap. */
export class Problems {
  readonly list: Problem[] = [];
  errors = 0;
  private dropped = 0;

  constructor(private readonly max: number) {}

  add(code: ProblemCode, message: string, at: ProblemAt = {}): void {
    const severity = CODES[code];
    if (severity === 'error') this.errors++;
    if (this.list.length >= this.max) {
      this.dropped++;
      return;
    }
    const p: { -readonly [K in keyof Problem]: Problem[K] } = { code, severity, message };
    if (at.nodeId !== undefined) p.nodeId = at.nodeId;
    if (at.edgeId !== undefined) p.edgeId = at.edgeId;
    if (at.path !== undefined) p.path = at.path;
    this.list.push(p);
  }

  finish(): Problem[] {
    if (this.dropped > 0) {
      this.list.push({
        code: 'PROBLEMS_TRUNCATED',
        severity: 'warning',
        message: `${this.dropped} more problem(s) not listed; fix the ones above and validate again`,
      });
    }
    return this.list;
  }
}

/** Quotes an id for a message, cut short so a hostile id cannot blow up the answer. */
export function q(id: string): string {
  return JSON.stringify(id.length > 80 ? `${id.slice(0, 77)}...` : id);
}
