/**
 * Config checks shared by the node handlers. The compiler validates a node's config against its type's schema when
 * the workflow is saved, but templates are resolved only at run time (`{{ $input.n }}` may turn into anything), so
 * handlers check again on what they actually receive.
 */
import { NodeFailure } from '@gatehouse/engine';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

export interface ConfigChecker<T extends TSchema> {
  readonly schema: T;
  /** The config typed by the schema, or a NodeFailure (`INVALID_CONFIG`) naming the first few problems. */
  parse(nodeType: string, config: unknown): Static<T>;
}

export function configChecker<T extends TSchema>(schema: T): ConfigChecker<T> {
  const compiled = Compile(schema);
  return {
    schema,
    parse(nodeType, config) {
      if (compiled.Check(config)) return config as Static<T>;
      const problems = [...compiled.Errors(config)]
        // `additionalProperties: false` reports twice (once per key as "schema is false"): keep the readable one.
        .filter((e) => e.keyword !== 'boolean')
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message}`);
      throw new NodeFailure('INVALID_CONFIG', `${nodeType} config is invalid: ${problems.join('; ')}`);
    },
  };
}

export const KIB = 1024;
export const MIB = 1024 * 1024;
