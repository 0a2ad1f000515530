/**
 * JSON Schema validation of user-supplied schemas (trigger input schemas, HITL forms) with ajv. Compiled schemas
 * are cached by their text; a schema that does not compile is reported as a validation problem, never a 500.
 */
import { Ajv, type ValidateFunction } from 'ajv';

export interface SchemaValidator {
  /** Problems of `value`; each path starts with `root`, the name of the field the value came in (default `data`). */
  validate(schema: Readonly<Record<string, unknown>>, value: unknown, root?: string): Array<{ path: string; message: string }>;
}

export function createSchemaValidator(): SchemaValidator {
  // No $data, no remote refs, no coercion: user schemas describe data, they do not change it.
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, loadSchema: undefined });
  const cache = new Map<string, ValidateFunction | Error>();
  return {
    validate(schema, value, root = 'data') {
      const key = JSON.stringify(schema);
      let fn = cache.get(key);
      if (!fn) {
        try {
          fn = ajv.compile(schema);
        } catch (e) {
          fn = e as Error;
        }
        if (cache.size > 1000) cache.delete(cache.keys().next().value as string);
        cache.set(key, fn);
      }
      if (fn instanceof Error) return [{ path: 'schema', message: `the schema is invalid: ${fn.message.slice(0, 200)}` }];
      if (fn(value)) return [];
      return (fn.errors ?? []).map((e) => ({
        path: `${root}${e.instancePath.replace(/\//g, '.')}`,
        message: e.message ?? 'is invalid',
      }));
    },
  };
}
