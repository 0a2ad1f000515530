/**
 * `{{ … }}` templates in node configs, resolved with an ExpressionEvaluator. The grammar is the one definition.ts
 * documents and the compiler checks (compiler/expressions.ts `findTemplates`): a template starts at `{{`, has at
 * least one character inside, and ends at the first `}}` after that; an unclosed `{{` is plain text.
 *
 * - A string that is exactly one template (surrounding whitespace allowed) becomes the expression's value, of any
 *   type: `"{{ $input.count }}"` → 3.
 * - Otherwise each template is replaced by its value as text (strings as they are, undefined as nothing, anything
 *   else as JSON): `"Hello {{ $input.name }}!"` → "Hello Ada!".
 *
 * The walk builds new objects with own properties only, so a config key named `__proto__` stays a key.
 */
import { NodeFailure } from './failure.ts';
import type { ExpressionEvaluator } from './ports.ts';

export interface TemplateOptions {
  /** Top-level config keys left as they are (evaluated later by the handler, e.g. per item, or raw code). */
  readonly lazy?: readonly string[];
  readonly maxDepth?: number;
}

/** The first template at or after `from`: its span and the expression inside. */
export function findTemplate(s: string, from = 0): { start: number; end: number; source: string } | undefined {
  const start = s.indexOf('{{', from);
  if (start < 0) return undefined;
  const close = s.indexOf('}}', start + 3);
  if (close < 0) return undefined;
  return { start, end: close + 2, source: s.slice(start + 2, close) };
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export async function resolveTemplates(
  config: unknown,
  evaluate: ExpressionEvaluator,
  scope: Readonly<Record<string, unknown>>,
  options: TemplateOptions = {},
): Promise<unknown> {
  const maxDepth = options.maxDepth ?? 32;
  const lazy = new Set(options.lazy ?? []);

  const evalAt = async (source: string, path: string): Promise<unknown> => {
    try {
      return await evaluate(source, scope);
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown };
      const code = typeof err.code === 'string' ? err.code : 'EXPRESSION_FAILED';
      throw new NodeFailure(code, `${typeof err.message === 'string' ? err.message : String(e)} (config${path})`);
    }
  };

  const walk = async (value: unknown, path: string, depth: number): Promise<unknown> => {
    if (depth > maxDepth) throw new NodeFailure('CONFIG_TOO_DEEP', 'config is nested too deeply');
    if (typeof value === 'string') {
      const first = findTemplate(value);
      if (!first) return value;
      if (value.slice(0, first.start).trim() === '' && value.slice(first.end).trim() === '') return evalAt(first.source, path);
      let out = '';
      let last = 0;
      for (let t: typeof first | undefined = first; t; t = findTemplate(value, t.end)) {
        out += value.slice(last, t.start) + asText(await evalAt(t.source, path));
        last = t.end;
      }
      return out + value.slice(last);
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) out.push(await walk(value[i], `${path}[${i}]`, depth + 1));
      return out;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        define(out, k, depth === 0 && lazy.has(k) ? v : await walk(v, `${path}.${k}`, depth + 1));
      }
      return out;
    }
    return value;
  };

  return walk(config, '', 0);
}
