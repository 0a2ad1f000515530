/**
 * JSON Schema for node configs, with ajv: validating a config for the compiler (injected into the pure compile)
 * and vetting a custom node's schema when it is created.
 *
 * Built-in schemas are compiled once. Custom schemas are compiled on first use and kept in a bounded cache keyed by
 * their text, so a user's schema can never be mistaken for another's. Custom schemas are untrusted input, so before
 * anything is compiled they must pass ajv's meta-schema, ajv's "secure" meta-schema (bounded strings for formats,
 * bounded arrays for uniqueItems) and our own rules: no regular expressions (a catastrophic pattern would stall the
 * whole server on one config), no `$id` (ajv registers ids instance-wide: one user's schema must not name or reach
 * another's) and only local `$ref`s (nothing is ever fetched).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import secureMetaSchema from 'ajv/lib/refs/json-schema-secure.json' with { type: 'json' };
import { nestedDeeperThan, type ConfigIssue, type NodeTypeSpec, type ValidateConfig } from '@gatehouse/engine';

const CUSTOM_CACHE_SIZE = 500;
export const MAX_CUSTOM_SCHEMA_BYTES = 64 * 1024;
const MAX_SCHEMA_DEPTH = 32;
const TEMPLATE_PATTERN = '^\\s*\\{\\{[\\s\\S]*\\}\\}\\s*$';

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** One ajv error as a pointer and a sentence; `required` and unknown keys point at the key itself. */
function issueOf(e: ErrorObject): ConfigIssue {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return { pointer: `${e.instancePath}/${escapePointer(String(p.missingProperty))}`, message: 'is required' };
  if (e.keyword === 'additionalProperties') {
    return { pointer: `${e.instancePath}/${escapePointer(String(p.additionalProperty))}`, message: 'is not a setting of this node type' };
  }
  if (e.keyword === 'pattern' && p.pattern === TEMPLATE_PATTERN) return { pointer: e.instancePath, message: 'must be a {{ expression }}' };
  if (e.keyword === 'const') return { pointer: e.instancePath, message: `must be ${JSON.stringify(p.allowedValue)}` };
  if (e.keyword === 'enum') return { pointer: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  return { pointer: e.instancePath, message: e.message ?? 'is invalid' };
}

/**
 * ajv reports an `anyOf` that fails as the failure of every branch plus the anyOf itself; that is one problem for
 * the user ("must be boolean or must be a {{ expression }}"), so the branches are folded into it.
 */
export function issuesOf(errors: readonly ErrorObject[]): ConfigIssue[] {
  const folded = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const out: ConfigIssue[] = [];
  for (const e of errors) {
    const parent = folded.find((f) => f !== e && e.schemaPath.startsWith(`${f.schemaPath}/`));
    if (parent) continue;
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const inner = errors.filter((b) => b.schemaPath.startsWith(`${e.schemaPath}/`));
      // A union of literals (how TypeBox writes an enum) reads best as the list of values.
      const literals = inner.filter((b) => b.keyword === 'const').map((b) => JSON.stringify((b.params as { allowedValue: unknown }).allowedValue));
      const messages = [...new Set(inner.filter((b) => b.keyword !== 'const' && b.keyword !== 'type').map(issueOf).map((b) => (b.pointer === e.instancePath ? b.message : `${b.pointer.slice(e.instancePath.length + 1)} ${b.message}`)))];
      if (literals.length > 0) messages.unshift(`must be one of ${literals.join(', ')}`);
      const types = [...new Set(inner.filter((b) => b.keyword === 'type').map((b) => String((b.params as { type: unknown }).type)))];
      if (types.length > 0 && literals.length === 0) messages.unshift(`must be ${types.join(' or ')}`);
      out.push({ pointer: e.instancePath, message: messages.length > 0 ? messages.join(', or ') : 'matches none of the allowed forms' });
    } else out.push(issueOf(e));
  }
  return out;
}

function forbidden(schema: unknown): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[schema, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      const here = `${at}/${escapePointer(k)}`;
      // Keys under `properties` are property names, not keywords: a property may well be called "pattern".
      const isKeyword = !/\/(properties|definitions|\$defs)$/.test(at);
      if (isKeyword) {
        if (k === 'pattern' || k === 'patternProperties') found.push(`${here}: regular expressions are not allowed in custom node schemas`);
        if (k === '$id' || (k === 'id' && typeof child === 'string')) found.push(`${here}: $id is not allowed in custom node schemas`);
        if (k === '$ref' && (typeof child !== 'string' || !child.startsWith('#'))) found.push(`${here}: only local references ("#/…") are allowed`);
      }
      stack.push([child, here]);
    }
  }
  return found.sort();
}

export function createConfigValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, loadSchema: undefined });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const isSecure = ajv.compile(secureMetaSchema);
  const builtins = new WeakMap<object, ValidateFunction>();
  const custom = new Map<string, ValidateFunction>();

  function compiled(spec: NodeTypeSpec): ValidateFunction {
    if (!spec.implementation) {
      let fn = builtins.get(spec.configSchema);
      if (!fn) {
        fn = ajv.compile(spec.configSchema);
        builtins.set(spec.configSchema, fn);
      }
      return fn;
    }
    const key = JSON.stringify(spec.configSchema);
    let fn = custom.get(key);
    if (fn) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      custom.delete(key);
    } else {
      fn = ajv.compile(spec.configSchema);
      // ajv also caches by schema object, forever; a custom spec's object lives for one request, so drop it there.
      ajv.removeSchema(spec.configSchema);
      if (custom.size >= CUSTOM_CACHE_SIZE) custom.delete(custom.keys().next().value!);
    }
    custom.set(key, fn);
    return fn;
  }

  const validate: ValidateConfig = (spec, config) => {
    let fn: ValidateFunction;
    try {
      fn = compiled(spec);
    } catch {
      return [{ pointer: '', message: `cannot be checked: the config schema of ${spec.type} does not compile` }];
    }
    return fn(config) ? [] : issuesOf(fn.errors ?? []);
  };

  /** Why a custom node's config schema is refused; empty when it is acceptable. */
  function schemaProblems(schema: Record<string, unknown>): string[] {
    if (Buffer.byteLength(JSON.stringify(schema)) > MAX_CUSTOM_SCHEMA_BYTES) return [`the schema is larger than ${MAX_CUSTOM_SCHEMA_BYTES} bytes`];
    if (nestedDeeperThan(schema, MAX_SCHEMA_DEPTH)) return [`the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`];
    if (schema.type !== 'object') return ['/type: a config schema must describe an object ("type": "object")'];
    const rules = forbidden(schema);
    if (rules.length > 0) return rules;
    if (!ajv.validateSchema(schema)) return issuesOf(ajv.errors ?? []).map((i) => `${i.pointer || '/'}: ${i.message}`);
    if (!isSecure(schema)) return (isSecure.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'is unsafe'} (bound strings with maxLength and object arrays with maxItems)`);
    try {
      ajv.compile(schema);
    } catch (e) {
      return [`the schema does not compile: ${(e as Error).message}`];
    } finally {
      // compile() caches by schema object; custom schemas are cached by text in `compiled` instead.
      ajv.removeSchema(schema);
    }
    return [];
  }

  return { validate, schemaProblems };
}

export type ConfigValidator = ReturnType<typeof createConfigValidator>;
