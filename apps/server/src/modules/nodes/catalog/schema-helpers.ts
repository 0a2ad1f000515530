/**
 * Building blocks of the built-in config schemas (TypeBox emits plain JSON Schema, which ajv checks and
 * `GET /api/nodes/{type}/schema/` serves as is).
 */
import { Type, type TSchema } from 'typebox';
import type { NodeTypeSpec, PortSpec } from '@gatehouse/engine';

export const strict = { additionalProperties: false } as const;

/** A whole-value template: the value is computed at run time, so its type is only known then. */
export const Template = Type.String({ pattern: '^\\s*\\{\\{[\\s\\S]*\\}\\}\\s*$', maxLength: 10_000, description: 'a {{ expression }}' });

/** A literal of `schema`, or a template that yields one at run time. */
export const orTemplate = (schema: TSchema) => Type.Union([schema, Template]);

/** The id of a credential in the vault (never the secret itself). */
export const CredentialId = Type.String({ format: 'uuid', description: 'credential id from the vault' });

export const port = (id: string, label?: string): PortSpec => (label ? { id, label } : { id });
export const MAIN = port('main');
/** Every node but a trigger can route its failure to an `error` output instead of failing the run. */
export const ERROR = port('error', 'On error');

type Spec = Omit<NodeTypeSpec, 'version' | 'credentialTypes' | 'canPause' | 'trigger' | 'inputs' | 'outputs' | 'configSchema'> &
  Partial<Pick<NodeTypeSpec, 'credentialTypes' | 'canPause' | 'trigger' | 'inputs' | 'outputs'>> & { readonly config: TSchema };

/** A built-in node type with the usual defaults: one `main` input, `main` and `error` outputs. */
export function node(s: Spec): NodeTypeSpec {
  const { config, ...rest } = s;
  return {
    version: 1,
    credentialTypes: [],
    canPause: false,
    trigger: false,
    inputs: [MAIN],
    outputs: [MAIN, ERROR],
    ...rest,
    configSchema: config as unknown as NodeTypeSpec['configSchema'],
  };
}
