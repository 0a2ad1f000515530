/**
 * The node registry (built-ins plus the caller's own custom nodes) and custom node use cases.
 *
 * Custom nodes are per owner: every query takes the owner id, and a type lookup for one user never sees another
 * user's `custom.<slug>` — to the compiler it is an unknown type, to the schema endpoint a 404.
 */
import { randomUUID } from 'node:crypto';
import type { CustomNodeImplementation, LookupNodeType, NodeTypeSpec, PortSpec } from '@gatehouse/engine';
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { findNul } from '../compiler/index.ts';
import { BUILT_IN_BY_TYPE, BUILT_IN_NODES, CATEGORIES } from './catalog/index.ts';
import type { ConfigValidator } from './config-validator.ts';
import { nodesErrors } from './nodes.errors.ts';
import {
  countOwnCustomNodes,
  deleteOwnCustomNode,
  findCustomNodeOwner,
  findOwnCustomNode,
  findOwnCustomNodesBySlug,
  insertCustomNode,
  listOwnCustomNodes,
} from './nodes.repo.ts';
import { CUSTOM_PREFIX, customView, specOfCustom, viewOf, type CustomNodeView, type NodeTypeView } from './views.ts';

export const MAX_CUSTOM_NODES = 100;

export interface CustomNodeInput {
  readonly slug: string;
  readonly displayName: string;
  readonly category?: string | undefined;
  readonly description?: string | undefined;
  readonly configSchema: Record<string, unknown>;
  readonly inputs?: PortSpec[] | undefined;
  readonly outputs?: PortSpec[] | undefined;
  readonly credentialTypes?: string[] | undefined;
  readonly implementation: CustomNodeImplementation;
}

export interface NodesServiceDeps {
  readonly db: Db;
  readonly audit: AuditService;
  readonly validator: ConfigValidator;
  /** Whether `ownerId` has a workflow `workflowId` (not in the trash): for workflow-backed custom nodes. */
  readonly workflowExists: (ownerId: string, workflowId: string) => Promise<boolean>;
}

const isUniqueViolation = (e: unknown): boolean => {
  const err = e as { code?: string; cause?: { code?: string } };
  return err.code === '23505' || err.cause?.code === '23505';
};

function checkPorts(field: 'inputs' | 'outputs', ports: readonly PortSpec[]): void {
  const ids = new Set<string>();
  for (const p of ports) {
    if (ids.has(p.id)) throw nodesErrors.invalidPorts(field, `port ${JSON.stringify(p.id)} is listed twice`);
    ids.add(p.id);
  }
}

function checkUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw nodesErrors.invalidUrl('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw nodesErrors.invalidUrl('must be http or https');
  // Secrets belong in the credentials vault, where they are encrypted, not in a URL anyone reading the node sees.
  if (url.username || url.password) throw nodesErrors.invalidUrl('must not carry a user name or password; use a credential');
}

export function createNodesService(d: NodesServiceDeps) {
  const customSlug = (type: string) => (type.startsWith(CUSTOM_PREFIX) ? type.slice(CUSTOM_PREFIX.length) : undefined);

  async function ownSpecs(ownerId: string): Promise<NodeTypeSpec[]> {
    return (await listOwnCustomNodes(d.db, ownerId)).map(specOfCustom);
  }

  /** The node type as `ownerId` sees it: a built-in, or one of their own custom nodes. */
  async function nodeType(type: string, ownerId: string): Promise<NodeTypeSpec | null> {
    const builtin = BUILT_IN_BY_TYPE.get(type);
    if (builtin) return builtin;
    const slug = customSlug(type);
    if (slug === undefined) return null;
    const [row] = await findOwnCustomNodesBySlug(d.db, ownerId, [slug]);
    return row ? specOfCustom(row) : null;
  }

  /** A synchronous lookup for the compiler, with the owner's custom types among `types` loaded in one query. */
  async function lookupFor(ownerId: string, types: Iterable<string>): Promise<LookupNodeType> {
    const slugs = new Set<string>();
    for (const t of types) {
      const s = customSlug(t);
      if (s !== undefined) slugs.add(s);
    }
    const custom = new Map((await findOwnCustomNodesBySlug(d.db, ownerId, [...slugs])).map((r) => [`${CUSTOM_PREFIX}${r.slug}`, specOfCustom(r)]));
    return (type) => BUILT_IN_BY_TYPE.get(type) ?? custom.get(type);
  }

  return {
    nodeType,
    lookupFor,
    validateConfig: d.validator.validate,

    async list(ctx: AuthedContext, filter: { category?: string | undefined }): Promise<NodeTypeView[]> {
      const all = [...BUILT_IN_NODES, ...(await ownSpecs(ctx.principal.userId))];
      return all.filter((s) => filter.category === undefined || s.category === filter.category).map(viewOf);
    },

    async categories(ctx: AuthedContext) {
      const all = [...BUILT_IN_NODES, ...(await ownSpecs(ctx.principal.userId))];
      const known = new Set(CATEGORIES.map((c) => c.id));
      const extra = [...new Set(all.map((s) => s.category).filter((c) => !known.has(c)))].sort();
      return [...CATEGORIES, ...extra.map((id) => ({ id, label: id, description: 'Your own category' }))]
        .map((c) => ({ ...c, nodes: all.filter((s) => s.category === c.id).map(viewOf) }))
        .filter((c) => c.nodes.length > 0);
    },

    async schema(ctx: AuthedContext, type: string) {
      const spec = await nodeType(type, ctx.principal.userId);
      if (!spec) throw nodesErrors.typeNotFound(type);
      const v = viewOf(spec);
      return {
        type: v.type,
        version: v.version,
        configSchema: spec.configSchema as Record<string, unknown>,
        inputs: v.inputs,
        outputs: v.outputs,
        ...(v.dynamicOutputs ? { dynamicOutputs: v.dynamicOutputs } : {}),
        credentialTypes: v.credentialTypes,
      };
    },

    async listCustom(ctx: AuthedContext, page: { page: number; perPage: number }) {
      const ownerId = ctx.principal.userId;
      const [rows, total] = await Promise.all([
        listOwnCustomNodes(d.db, ownerId, { limit: page.perPage, offset: (page.page - 1) * page.perPage }),
        countOwnCustomNodes(d.db, ownerId),
      ]);
      return { data: rows.map(customView), meta: { ...page, total } };
    },

    async getCustom(ctx: AuthedContext, id: string): Promise<CustomNodeView> {
      const row = await findOwnCustomNode(d.db, ctx.principal.userId, id);
      if (!row) throw nodesErrors.customNotFound();
      return customView(row);
    },

    async createCustom(ctx: AuthedContext, input: CustomNodeInput): Promise<CustomNodeView> {
      const ownerId = ctx.principal.userId;
      const nul = findNul(input, 'body');
      if (nul) throw nodesErrors.badText(nul);
      if (input.displayName.trim() === '') throw nodesErrors.blankName();
      const inputs = input.inputs ?? [{ id: 'main' }];
      const outputs = input.outputs ?? [{ id: 'main' }];
      checkPorts('inputs', inputs);
      checkPorts('outputs', outputs);
      const problems = d.validator.schemaProblems(input.configSchema);
      if (problems.length > 0) throw nodesErrors.invalidSchema(problems);
      const impl = input.implementation;
      if (impl.kind === 'http') checkUrl(impl.url);
      if (impl.kind === 'workflow' && !(await d.workflowExists(ownerId, impl.workflowId))) throw nodesErrors.workflowNotFound();
      if ((await countOwnCustomNodes(d.db, ownerId)) >= MAX_CUSTOM_NODES) throw nodesErrors.tooMany(MAX_CUSTOM_NODES);
      try {
        const row = await d.db.transaction(async (tx) => {
          const r = await insertCustomNode(tx, {
            id: randomUUID(),
            ownerId,
            slug: input.slug,
            displayName: input.displayName.trim(),
            category: input.category ?? 'custom',
            description: input.description ?? '',
            configSchema: input.configSchema,
            inputs,
            outputs,
            credentialTypes: input.credentialTypes ?? [],
            implementation: impl,
          });
          await d.audit.record(tx, ctx, { action: 'custom_node.create', outcome: 'success', targetType: 'custom_node', targetId: r.id, details: { type: `${CUSTOM_PREFIX}${r.slug}`, kind: impl.kind } });
          return r;
        });
        return customView(row);
      } catch (e) {
        if (isUniqueViolation(e)) throw nodesErrors.slugTaken(input.slug);
        throw e;
      }
    },

    async removeCustom(ctx: AuthedContext, id: string): Promise<void> {
      const row = await d.db.transaction(async (tx) => {
        const r = await deleteOwnCustomNode(tx, ctx.principal.userId, id);
        if (r) await d.audit.record(tx, ctx, { action: 'custom_node.delete', outcome: 'success', targetType: 'custom_node', targetId: id, details: { type: `${CUSTOM_PREFIX}${r.slug}` } });
        return r;
      });
      if (!row) throw nodesErrors.customNotFound();
    },

    /** For the `owner` access rule. */
    async ownerOfCustom(id: string): Promise<{ ownerId: string } | null> {
      const ownerId = await findCustomNodeOwner(d.db, id);
      return ownerId ? { ownerId } : null;
    },
  };
}

export type NodesService = ReturnType<typeof createNodesService>;
