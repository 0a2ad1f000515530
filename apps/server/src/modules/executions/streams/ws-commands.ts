/**
 * Client messages on `/ws/execution/{id}/`: answer a HITL request, pause, resume or stop. Each is held to what its
 * REST twin is held to — the same access rule (`owner` of the request or the execution; a miss or a foreign id is a
 * 404), the same per-minute rate window, the same validation and the same service call — and answered with an `ack`
 * carrying the REST `data`, or an `error` carrying the REST error's status, code and message.
 */
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { owner, type AccessRule, type Decision, type Owned } from '@gatehouse/policy';
import type { AuthedContext } from '../../../http/context.ts';
import { AppError, toErrorBody } from '../../../http/errors.ts';
import { rateLimited } from '../../../http/pipeline.ts';
import type { StreamDeps } from './deps.ts';
import { streamErrors } from './streams.errors.ts';

const strict = { additionalProperties: false } as const;
/** A client's own correlation id, echoed in the answer. */
const CorrelationId = Type.Optional(Type.String({ maxLength: 64 }));

const RespondSchema = Type.Object(
  {
    type: Type.Literal('respond'),
    id: CorrelationId,
    hitlId: Type.String({ format: 'uuid' }),
    decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]),
    data: Type.Optional(Type.Unknown()),
  },
  strict,
);
const ControlSchema = Type.Object({ type: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('stop')]), id: CorrelationId }, strict);
const Respond = Compile(RespondSchema);
const Control = Compile(ControlSchema);

type RespondMessage = Static<typeof RespondSchema>;
type ControlMessage = Static<typeof ControlSchema>;
type Compiled = typeof Respond | typeof Control;

export interface Answer {
  readonly type: 'ack' | 'error';
  readonly [key: string]: unknown;
}

function problems(c: Compiled, value: unknown): Array<{ path: string; message: string }> {
  const byPath = new Map<string, string>();
  for (const e of c.Errors(value)) {
    // `additionalProperties: false` also reports each key as "schema is false": keep the readable one.
    if (e.keyword === 'boolean') continue;
    const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const params = e.params as { additionalProperties?: string[]; requiredProperties?: string[] };
    const at = (k: string) => `message.${base ? `${base}.` : ''}${k}`;
    if (params.additionalProperties) for (const k of params.additionalProperties) byPath.set(at(k), 'unknown field');
    else if (params.requiredProperties) for (const k of params.requiredProperties) byPath.set(at(k), 'is required');
    else byPath.set(base ? `message.${base}` : 'message', e.message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** The pipeline's mapping of a refusal, for a check made outside it. */
function denial(d: Extract<Decision, { allowed: false }>): AppError {
  if (d.status === 401) return new AppError('unauthenticated', 'UNAUTHORIZED', 'Unauthorized');
  if (d.status === 404) return new AppError('not_found', 'NOT_FOUND', 'Not found');
  return new AppError('forbidden', 'FORBIDDEN', d.reason.message, { required: d.reason.required });
}

function parseJson(raw: unknown, isBinary: boolean): unknown {
  try {
    if (!isBinary) return JSON.parse(String(raw));
  } catch {
    // answered below
  }
  throw streamErrors.malformedMessage();
}

/** The client's correlation id, echoed even when the rest of the message is refused. */
function correlationOf(msg: unknown): { id?: string } {
  const id = (msg as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length <= 64 ? { id } : {};
}

function check(msg: unknown): RespondMessage | ControlMessage {
  const type = (msg as { type?: unknown } | null)?.type;
  const c: Compiled | undefined = type === 'respond' ? Respond : type === 'pause' || type === 'resume' || type === 'stop' ? Control : undefined;
  if (!c) throw streamErrors.invalidMessage([{ path: 'message.type', message: 'must be respond, pause, resume or stop' }]);
  if (!c.Check(msg)) throw streamErrors.invalidMessage(problems(c, msg));
  return msg as RespondMessage | ControlMessage;
}

export function createWsCommands(d: StreamDeps) {
  const ownExecution = owner((id: string) => d.module.ownerOfExecution(id));
  const ownHitl = owner((id: string) => d.module.hitl.ownerOf(id));

  function authorize(rule: AccessRule, ctx: AuthedContext, resource: Owned | null): void {
    const decision = rule.check({ principal: ctx.principal, resource, readOnly: false });
    if (!decision.allowed) throw denial(decision);
  }

  async function run(ctx: AuthedContext, executionId: string, m: RespondMessage | ControlMessage): Promise<unknown> {
    // Counted in the caller's `default` window, like the REST calls: a socket is no way around the limit.
    const rc = await d.limiter.check({ rateCategory: 'default', id: 'ws:execution' }, ctx.principal, ctx.ip);
    if (!rc.allowed && rc.reported) throw rateLimited(rc.reported);
    if (m.type === 'respond') {
      authorize(ownHitl, ctx, await d.module.hitl.ownerOf(m.hitlId));
      return d.module.hitl.respond(ctx, m.hitlId, { decision: m.decision, ...(m.data !== undefined ? { data: m.data } : {}) });
    }
    authorize(ownExecution, ctx, await d.module.ownerOfExecution(executionId));
    return d.module.service.control(ctx, executionId, m.type);
  }

  return {
    /** Never throws: every outcome is an answer for the client. */
    async handle(base: AuthedContext, executionId: string, seq: number, raw: unknown, isBinary: boolean): Promise<Answer> {
      const ctx: AuthedContext = { ...base, requestId: `${base.requestId}:${seq}` };
      let msg: unknown;
      let m: RespondMessage | ControlMessage | undefined;
      try {
        msg = parseJson(raw, isBinary);
        m = check(msg);
        const data = await run(ctx, executionId, m);
        return { type: 'ack', ...correlationOf(m), action: m.type, data };
      } catch (e) {
        let err = e instanceof AppError ? e : undefined;
        if (!err) {
          ctx.log.error({ err: e, executionId }, 'stream command failed');
          err = new AppError('internal', 'INTERNAL', 'Internal server error');
        }
        return {
          type: 'error',
          ...correlationOf(msg),
          ...(m ? { action: m.type } : {}),
          status: err.status,
          ...toErrorBody(err, ctx.requestId),
        };
      }
    },
  };
}
