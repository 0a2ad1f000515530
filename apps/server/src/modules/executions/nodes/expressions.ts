/**
 * The expression evaluator: one `{{ … }}` body, written in JSONata, against a scope (`$input`, `$node`,
 * `$execution`, and whatever else the engine binds, e.g. `$item`). Expressions are code a user wrote, so:
 *
 * - they see only the scope: each `$name` key is a JSONata variable and `$input` is also the context (`$`);
 *   JSONata itself offers no way out (no globals, no host functions; property lookups are own-property only);
 * - time and nesting are bounded per evaluation with JSONata's own guardrails (`timeout`, `stack`, `sequence`
 *   options, which keep their counters per evaluation, unlike the older evaluate-hook timebox that is per compiled
 *   expression and so breaks under concurrent evaluations);
 * - sizes are bounded: every intermediate string or array is checked on the way out of each step (the
 *   `__evaluate_exit` hook), `$pad` refuses widths past that bound, and the result is measured;
 * - regular expressions run in QuickJS (expression-regex.ts), where catastrophic backtracking is interruptible;
 * - results are plain JSON data: functions are refused, and objects whose prototype JSONata set from a
 *   `__proto__` key (its transform operator does) are copied into plain objects, so nothing inherited leaks out.
 *
 * Compiled expressions are cached (compiling costs ~100 µs), and plain `$var.a.b` paths skip JSONata entirely.
 */
import { NodeFailure, type ExpressionEvaluator } from '@gatehouse/engine';
import jsonata from 'jsonata';
import { createRegexSandbox, regexDeadline, type RegexSandbox } from './expression-regex.ts';
import { MIB } from './node-config.ts';

export { resolveTemplates, findTemplate } from './templates.ts';

export interface ExpressionOptions {
  /** Per evaluation (default 1 s). */
  readonly timeoutMs?: number;
  /** Nesting of JSONata evaluation steps, i.e. recursion depth (default 250). */
  readonly maxDepth?: number;
  /** Longest sequence (array) an expression may build (default 1,000,000). */
  readonly maxSequence?: number;
  /** Longest string any step may produce (default 8 Mi characters). */
  readonly maxStringLength?: number;
  /** Size of a result, counted as JSON (default 16 MiB). */
  readonly maxResultBytes?: number;
  readonly maxExpressionLength?: number;
  /** Compiled expressions kept (default 2,000). */
  readonly cacheSize?: number;
  /** Shared regex engine (default: one created for this evaluator, loaded on first use). */
  readonly regex?: RegexSandbox;
}

type Compiled = { readonly expr: jsonata.Expression; readonly needsRegex: boolean };
type Scope = Readonly<Record<string, unknown>>;

const SIMPLE_PATH = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`))*)$/;
const STEP = /\.(?:([A-Za-z_][A-Za-z0-9_]*)|`([^`]+)`)/y;
/** Words JSONata reads as literals or operators where a step name could stand. */
const RESERVED = new Set(['true', 'false', 'null', 'and', 'or', 'in', 'function']);
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `$var.a.b` over plain objects, resolved without JSONata; `miss` when JSONata's own semantics are needed. */
const MISS = Symbol('miss');
function simplePath(source: string, scope: Scope): unknown {
  const m = SIMPLE_PATH.exec(source);
  if (!m || !hasOwn(scope, `$${m[1]}`)) return MISS;
  let value: unknown = scope[`$${m[1]}`];
  const rest = m[2]!;
  STEP.lastIndex = 0;
  while (STEP.lastIndex < rest.length) {
    const s = STEP.exec(rest)!;
    if (s[1] !== undefined && RESERVED.has(s[1])) return MISS;
    // Paths over arrays map and flatten in JSONata: leave those to it.
    if (Array.isArray(value)) return MISS;
    const name = s[1] ?? s[2]!;
    value = isPlainObject(value) && hasOwn(value, name) ? value[name] : undefined;
  }
  return value;
}

function containsRegex(ast: unknown): boolean {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const n = stack.pop();
    if (typeof n !== 'object' || n === null) continue;
    const node = n as { type?: unknown; value?: unknown };
    if (node.type === 'regex' || (node.type === 'variable' && node.value === 'eval')) return true;
    for (const v of Object.values(n)) if (typeof v === 'object' && v !== null) stack.push(v);
  }
  return false;
}

export function createExpressionEvaluator(options: ExpressionOptions = {}): ExpressionEvaluator {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const maxDepth = options.maxDepth ?? 250;
  const maxSequence = options.maxSequence ?? 1_000_000;
  const maxStringLength = options.maxStringLength ?? 8 * 1024 * 1024;
  const maxResultBytes = options.maxResultBytes ?? 16 * MIB;
  const maxExpressionLength = options.maxExpressionLength ?? 10_000;
  const cacheSize = options.cacheSize ?? 2_000;
  const regex = options.regex ?? createRegexSandbox();
  const cache = new Map<string, Compiled>();
  let builtinPad: Promise<(str: string, width: number, char?: string) => string> | undefined;

  const tooLarge = (what: string) => new NodeFailure('EXPRESSION_TOO_LARGE', `the expression built ${what}`);
  // Runs as each evaluation step returns: stops a runaway string or array while it is still small enough to hold.
  const onStepExit = (_expr: unknown, _input: unknown, _env: unknown, result: unknown) => {
    if (typeof result === 'string' && result.length > maxStringLength) throw tooLarge(`a string longer than ${maxStringLength} characters`);
    if (Array.isArray(result) && result.length > maxSequence) throw tooLarge(`an array longer than ${maxSequence} items`);
  };

  async function compile(source: string): Promise<Compiled> {
    const hit = cache.get(source);
    if (hit) {
      cache.delete(source); // re-inserted below: the Map's order is the LRU order
      cache.set(source, hit);
      return hit;
    }
    let expr: jsonata.Expression;
    try {
      expr = jsonata(source, { timeout: timeoutMs, stack: maxDepth, sequence: maxSequence, RegexEngine: regex.Engine } as jsonata.JsonataOptions);
    } catch (e) {
      throw failure(e, source);
    }
    const pad = await (builtinPad ??= jsonata('$pad')
      .evaluate(undefined)
      .then((f: { implementation: (str: string, width: number, char?: string) => string }) => f.implementation));
    // $pad allocates its whole padding before any step returns: bound the width up front.
    expr.registerFunction(
      'pad',
      (str: string, width: number, char?: string) => {
        if (Math.abs(width) > maxStringLength) throw tooLarge(`a string longer than ${maxStringLength} characters`);
        return pad(str, width, char);
      },
      '<s-ns?:s>',
    );
    // JSONata looks its evaluation hooks up by these symbols in the expression's environment.
    (expr as unknown as { assign(name: symbol, value: unknown): void }).assign(Symbol.for('jsonata.__evaluate_exit'), onStepExit);
    const compiled = { expr, needsRegex: containsRegex(expr.ast()) };
    cache.set(source, compiled);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return compiled;
  }

  function failure(e: unknown, source: string): NodeFailure {
    if (e instanceof NodeFailure) return e;
    const where = ` in {{ ${source.length > 120 ? `${source.slice(0, 117)}...` : source} }}`;
    const err = e as { code?: unknown; message?: unknown; position?: unknown };
    const message = typeof err.message === 'string' ? err.message : String(e);
    if (e instanceof RangeError) {
      return /call stack/i.test(message)
        ? new NodeFailure('EXPRESSION_TOO_DEEP', `the expression nests too deeply${where}`)
        : new NodeFailure('EXPRESSION_TOO_LARGE', `the expression built a value too large to hold${where}`);
    }
    const code = typeof err.code === 'string' ? err.code : '';
    if (code === 'D1012') return new NodeFailure('EXPRESSION_TIMEOUT', `the expression ran longer than ${timeoutMs} ms${where}`);
    if (code === 'D1011') return new NodeFailure('EXPRESSION_TOO_DEEP', `the expression recursed deeper than ${maxDepth} levels${where}`);
    if (code === 'D2014' || code === 'D2015') return new NodeFailure('EXPRESSION_TOO_LARGE', `${message}${where}`);
    if (code.startsWith('S')) {
      const at = typeof err.position === 'number' ? ` at position ${err.position}` : '';
      return new NodeFailure('EXPRESSION_INVALID', `invalid expression: ${message}${at}${where}`);
    }
    return new NodeFailure('EXPRESSION_FAILED', `${message}${where}`);
  }

  /** The result as plain JSON data, measured; the same object when it already is. */
  function toJson(value: unknown, source: string): unknown {
    let budget = maxResultBytes;
    const spend = (n: number) => {
      if ((budget -= n) < 0) throw new NodeFailure('EXPRESSION_TOO_LARGE', `the result of {{ ${source.slice(0, 120)} }} is larger than ${maxResultBytes} bytes`);
    };
    const walk = (v: unknown, depth: number): unknown => {
      if (depth > 512) throw new NodeFailure('EXPRESSION_TOO_DEEP', 'the result nests too deeply');
      if (v === null || v === undefined) return spend(4), v;
      switch (typeof v) {
        case 'string':
          return spend(v.length + 2), v;
        case 'number':
        case 'boolean':
          return spend(8), v;
        case 'object':
          break;
        default:
          throw new NodeFailure('EXPRESSION_FAILED', `{{ ${source.slice(0, 120)} }} returned a ${typeof v}, not data`);
      }
      const o = v as Record<string, unknown> & { sequence?: unknown; _jsonata_lambda?: unknown; _jsonata_function?: unknown };
      if (o._jsonata_lambda || o._jsonata_function) {
        throw new NodeFailure('EXPRESSION_FAILED', `{{ ${source.slice(0, 120)} }} returned a function, not data`);
      }
      if (Array.isArray(o)) {
        // JSONata's sequences are arrays with bookkeeping properties: hand out plain ones.
        let out: unknown[] | undefined = o.sequence === true || Object.getPrototypeOf(o) !== Array.prototype ? o.slice(0, 0) : undefined;
        for (let i = 0; i < o.length; i++) {
          const w = walk(o[i], depth + 1);
          if (!out && w !== o[i]) out = o.slice(0, i);
          out?.push(w);
        }
        return out ?? o;
      }
      // Anything but a plain object (JSONata builds some with a null prototype, or one taken from a __proto__ key)
      // is copied into a plain one.
      let out: Record<string, unknown> | undefined = Object.getPrototypeOf(o) === Object.prototype ? undefined : {};
      const keys = Object.keys(o);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        spend(k.length + 3);
        const w = walk(o[k], depth + 1);
        if (!out && w !== o[k]) {
          out = {};
          for (let j = 0; j < i; j++) Object.defineProperty(out, keys[j]!, { value: o[keys[j]!], enumerable: true, writable: true, configurable: true });
        }
        // defineProperty: a key named __proto__ stays a key instead of replacing the new object's prototype.
        if (out) Object.defineProperty(out, k, { value: w, enumerable: true, writable: true, configurable: true });
      }
      return out ?? o;
    };
    return walk(value, 0);
  }

  return async (expression, scope) => {
    const source = expression.trim();
    if (source === '') throw new NodeFailure('EXPRESSION_INVALID', 'empty expression: write something between {{ and }}');
    if (source.length > maxExpressionLength) {
      throw new NodeFailure('EXPRESSION_INVALID', `expressions are limited to ${maxExpressionLength} characters`);
    }
    const fast = simplePath(source, scope);
    if (fast !== MISS) return toJson(fast, source);

    const compiled = await compile(source);
    if (compiled.needsRegex && !regex.isReady) await regex.ready();
    const bindings: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(scope)) if (k.length > 1 && k.startsWith('$')) bindings[k.slice(1)] = v;
    let result: unknown;
    try {
      const evaluate = () => compiled.expr.evaluate(scope.$input, bindings) as Promise<unknown>;
      result = compiled.needsRegex ? await regexDeadline.run({ deadline: Date.now() + timeoutMs }, evaluate) : await evaluate();
    } catch (e) {
      throw failure(e, source);
    }
    return toJson(result, source);
  };
}
