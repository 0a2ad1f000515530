import { Type } from 'typebox';
import { authenticated, owner } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { dataOf } from '../../http/pagination.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import type { CompilerService } from './compiler.service.ts';
import { DefinitionBody, MAX_DEFINITION_BYTES, PlanView, ProblemView, VersionNumber } from './format.schemas.ts';

// The spec's compiler table has no sub-heading; "Compiler" is the group the generated doc prints for it.
const docs = (notes: string) => ({ section: '⚙️ Compiler APIs (`/api/compile/`)', group: 'Compiler', notes });
const strict = { additionalProperties: false } as const;
const Body = Type.Object({ definition: DefinitionBody }, strict);
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const VersionQuery = Type.Object({ version: Type.Optional(VersionNumber()) }, strict);
const Compiled = Type.Object({ valid: Type.Literal(true), problems: Type.Array(ProblemView), plan: PlanView });
const Validated = Type.Object({ valid: Type.Literal(true), problems: Type.Array(ProblemView) });
const StoredCompiled = Type.Object({ version: Type.Integer(), ...Compiled.properties });
const StoredValidated = Type.Object({ version: Type.Integer(), ...Validated.properties });
const INVALID = ' (invalid: 422 with every problem)';

/** `workflowOwner` is the workflows module's loader for the `owner` rule (trashed workflows are not found). */
export function compilerRoutes(compiler: CompilerService, workflowOwner: (id: string) => Promise<{ ownerId: string } | null>): RouteSpec[] {
  const ownWorkflow = owner(({ params }: LoaderInput) => workflowOwner(params.id!));
  const base = { method: 'POST', rateCategory: 'compile', mode: 'async', bodyLimit: MAX_DEFINITION_BYTES } as const;
  return [
    defineRoute({
      ...base,
      url: '/api/compile/',
      access: authenticated,
      docs: docs(`Compile workflow: problems and plan${INVALID}`),
      schema: { body: Body, response: { 200: dataOf(Compiled) } },
      handler: async (req) => ({ data: await compiler.compileDefinition(requirePrincipal(req.ctx), req.body.definition, 'compile') }),
    }),
    defineRoute({
      ...base,
      url: '/api/compile/validate/',
      access: authenticated,
      docs: docs(`Validate only${INVALID}`),
      schema: { body: Body, response: { 200: dataOf(Validated) } },
      handler: async (req) => ({ data: await compiler.compileDefinition(requirePrincipal(req.ctx), req.body.definition, 'validate') }),
    }),
    defineRoute({
      ...base,
      url: '/api/workflows/:id/compile/',
      access: ownWorkflow,
      docs: docs(`Compile specific workflow (latest version, or ?version=)${INVALID}`),
      schema: { params: Id, querystring: VersionQuery, response: { 200: dataOf(StoredCompiled) } },
      handler: async (req) => ({ data: await compiler.compileStored(requirePrincipal(req.ctx), req.params.id, req.query.version, 'compile') }),
    }),
    defineRoute({
      ...base,
      url: '/api/workflows/:id/validate/',
      access: ownWorkflow,
      docs: docs(`Validate specific workflow (latest version, or ?version=)${INVALID}`),
      schema: { params: Id, querystring: VersionQuery, response: { 200: dataOf(StoredValidated) } },
      handler: async (req) => ({ data: await compiler.compileStored(requirePrincipal(req.ctx), req.params.id, req.query.version, 'validate') }),
    }),
  ];
}
