/**
 * The one shape in which errors reach a log line: never the bound parameters of a query.
 *
 * Drizzle wraps driver errors in a DrizzleQueryError whose message is "Failed query: <sql>\nparams: <values>" and
 * which carries `params`; the driver's own error (its `cause`) carries them too, and PostgreSQL messages and details
 * quote values ("invalid input syntax for type integer: "<value>"", "Key (token_hash)=(<value>) already exists").
 * Those values are password hashes, refresh-token hashes, API-key hashes. pino's standard serializer logs every
 * enumerable property and the stack (whose first line is the message), so it would log them all.
 *
 * Kept: the class, the SQLSTATE and other classifying fields, the query text (placeholders only), messages with
 * every known parameter value cut out, and the stack frames. Dropped: `params`, `detail`, `where`, and any other
 * property.
 */

export interface SafeError {
  [key: string]: unknown;
  type: string;
  message: string;
  code?: string;
  query?: string;
  severity?: string;
  constraint?: string;
  table?: string;
  column?: string;
  routine?: string;
  statusCode?: number;
  /** The rebuilt first line and the original frames. */
  stack: string;
  cause?: SafeError;
}

/** Marks an already-safe shape, so the logger's serializer leaves it alone when a caller serialized first. */
const SAFE = Symbol('safe-error');
const MAX_DEPTH = 4;
/** Values shorter than this are ids of nothing (booleans, small numbers) and would garble messages if cut out. */
const MIN_SECRET_LENGTH = 4;
const REDACTED = '[param]';
/** Short classifying fields of PostgreSQL errors (pg and PGlite); none quotes a value. */
const PG_FIELDS = ['severity', 'constraint', 'table', 'column', 'routine'] as const;

type Loose = Record<string, unknown>;

function paramStrings(err: unknown, depth = 0, out = new Set<string>()): Set<string> {
  if (!err || typeof err !== 'object' || depth > MAX_DEPTH) return out;
  const params = (err as Loose).params;
  if (Array.isArray(params)) {
    for (const p of params) {
      const s = p === null || p === undefined ? '' : typeof p === 'object' ? safeJson(p) : String(p);
      if (s.length >= MIN_SECRET_LENGTH) out.add(s);
    }
  }
  return paramStrings((err as Loose).cause, depth + 1, out);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

function scrub(text: string, secrets: ReadonlySet<string>): string {
  // A message built from a Drizzle message by someone else still ends in "params: …": cut it whole.
  let out = text.replace(/\n?\s*params: [\s\S]*$/, '');
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out;
}

/** The stack's frames only: its first lines repeat the message, which is rebuilt safely. */
function frames(stack: unknown): string {
  if (typeof stack !== 'string') return '';
  const lines = stack.split('\n');
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  return first === -1 ? '' : lines.slice(first).join('\n');
}

function serialize(err: unknown, secrets: ReadonlySet<string>, depth: number): SafeError {
  if (err === null || typeof err !== 'object') {
    const message = scrub(String(err), secrets);
    return { type: typeof err, message, stack: `${typeof err}: ${message}` };
  }
  const e = err as Loose;
  const ctorName = (err as { constructor?: { name?: unknown } }).constructor?.name;
  const type = typeof ctorName === 'string' && ctorName !== 'Object' ? ctorName : typeof e.name === 'string' ? e.name : 'Error';
  const query = typeof e.query === 'string' ? e.query : undefined;
  // Drizzle's message is the query plus its params; say the query alone.
  const rawMessage = Array.isArray(e.params) && query !== undefined ? `Failed query: ${query}` : String(e.message ?? '');
  const message = scrub(rawMessage, secrets);
  const stack = frames(e.stack);
  const out: SafeError = { type, message, stack: stack ? `${type}: ${message}\n${stack}` : `${type}: ${message}` };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = String(e.code);
  if (query !== undefined) out.query = query;
  for (const f of PG_FIELDS) if (typeof e[f] === 'string') out[f] = scrub(e[f], secrets);
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  if (e.cause !== undefined && depth < MAX_DEPTH) out.cause = serialize(e.cause, secrets, depth + 1);
  Object.defineProperty(out, SAFE, { value: true, enumerable: false });
  return out;
}

/** pino serializer for `err` (and anything else that may hold an error). */
export function safeError(err: unknown): SafeError {
  if (err && typeof err === 'object' && (err as { [SAFE]?: boolean })[SAFE]) return err as SafeError;
  return serialize(err, paramStrings(err), 0);
}

/** Serializers every logger of the app uses (Fastify's own, or an injected instance). */
export const LOG_ERROR_SERIALIZERS = { err: safeError } as const;

/**
 * An Error that carries only the safe shape, for code that prints errors whole (`console.error(e)` in the CLI prints
 * every property, `params` included). The message names the driver's cause and SQLSTATE when there is one.
 */
export function redactedError(err: unknown): Error {
  const safe = safeError(err);
  const cause = safe.cause ? ` (${safe.cause.code ? `${safe.cause.code} ` : ''}${safe.cause.message})` : '';
  const out = new Error(`${safe.message}${cause}`);
  out.name = safe.type;
  out.stack = `${safe.type}: ${out.message}\n${safe.stack.split('\n').slice(1).join('\n')}`;
  return out;
}
