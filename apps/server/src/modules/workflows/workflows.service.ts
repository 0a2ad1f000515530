/**
 * Workflow use cases: create, read, list, update (auto-versioning, optimistic concurrency), clone, and the read
 * the execution engine needs. Versions and the trash have their own services (versions.service.ts, trash.service.ts).
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowDefinition, WorkflowSettings } from '@gatehouse/engine';
import type { Db } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import type { AuditService } from '../audit/index.ts';
import { checkContent, contentHash } from './content.ts';
import { appendVersion, baseVersionOf, checkBase } from './versioning.ts';
import { summaryView, trashCutoff, workflowView, type WorkflowView } from './views.ts';
import { workflowsErrors } from './workflows.errors.ts';
import {
  countOwnWorkflows,
  findOwnVersion,
  findLiveWorkflow,
  findOwnWorkflow,
  findWorkflowOwner,
  insertVersion,
  insertWorkflow,
  listOwnWorkflows,
  lockOwnWorkflow,
  type WorkflowRow,
} from './workflows.repo.ts';

export interface WorkflowsDeps {
  readonly db: Db;
  readonly audit: AuditService;
  /** The clock that decides which trashed workflows are past their retention (and so no longer listed). */
  readonly now?: () => Date;
}

export interface CreateInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly tags?: string[] | undefined;
  readonly definition: WorkflowDefinition;
  readonly settings?: WorkflowSettings | undefined;
}

export interface UpdateInput {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly tags?: string[] | undefined;
  readonly definition?: WorkflowDefinition | undefined;
  readonly settings?: WorkflowSettings | undefined;
  readonly baseVersion?: number | undefined;
}

/** What the execution engine runs: one version's content. */
export interface WorkflowSnapshot {
  readonly workflowId: string;
  readonly version: number;
  readonly definition: WorkflowDefinition;
  readonly settings: WorkflowSettings;
}

const uniqueTags = (tags: readonly string[] | undefined) => (tags ? [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))] : undefined);

/** Names are trimmed; one of only spaces is as good as none. */
function nameOf(raw: string): string {
  const name = raw.trim();
  if (name === '') throw workflowsErrors.blankName('body.name');
  return name;
}

/** Inserts a workflow at version 1 with its first version row. Shared by create and clone. */
export async function insertNewWorkflow(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  ctx: AuthedContext,
  w: { name: string; description: string; tags: string[]; definition: WorkflowDefinition; settings: WorkflowSettings; clonedFrom?: string },
  kind: 'create' | 'clone',
): Promise<WorkflowRow> {
  const hash = contentHash(w.definition, w.settings);
  const row = await insertWorkflow(tx, {
    id: randomUUID(),
    ownerId: ctx.principal.userId,
    name: w.name,
    description: w.description,
    tags: w.tags,
    definition: w.definition,
    settings: w.settings,
    version: 1,
    contentVersion: 1,
    contentHash: hash,
    clonedFrom: w.clonedFrom ?? null,
  });
  await insertVersion(tx, {
    id: randomUUID(),
    workflowId: row.id,
    version: 1,
    kind,
    definition: w.definition,
    settings: w.settings,
    contentHash: hash,
    authorId: ctx.principal.userId,
  });
  return row;
}

/** The name, description and tags the input sets to something other than what they are. */
function changedMeta(head: WorkflowRow, input: UpdateInput): Partial<Pick<WorkflowRow, 'name' | 'description' | 'tags'>> {
  const name = input.name !== undefined ? nameOf(input.name) : undefined;
  const tags = uniqueTags(input.tags);
  const sameTags = tags !== undefined && tags.length === head.tags.length && tags.every((t, i) => t === head.tags[i]);
  return {
    ...(name !== undefined && name !== head.name ? { name } : {}),
    ...(input.description !== undefined && input.description !== head.description ? { description: input.description } : {}),
    ...(tags !== undefined && !sameTags ? { tags } : {}),
  };
}

export function createWorkflowsService(d: WorkflowsDeps) {
  async function getVersionForRun(ownerId: string, workflowId: string, version?: number): Promise<WorkflowSnapshot | null> {
    if (version === undefined) {
      const w = await findOwnWorkflow(d.db, ownerId, workflowId);
      return w ? { workflowId, version: w.version, definition: w.definition, settings: w.settings } : null;
    }
    const v = await findOwnVersion(d.db, ownerId, workflowId, version);
    return v ? { workflowId, version: v.version, definition: v.definition, settings: v.settings } : null;
  }

  return {
    getVersionForRun,

    /** For the compiler: distinguishes "no such workflow" from "no such version" so each gets its own 404. */
    async loadVersion(ownerId: string, workflowId: string, version?: number) {
      const found = await getVersionForRun(ownerId, workflowId, version);
      if (found) return found;
      if (version !== undefined && (await findOwnWorkflow(d.db, ownerId, workflowId))) return 'no-such-version' as const;
      return null;
    },

    /** For the `owner` access rule: workflows in the trash are not found, except by the trash's own routes. */
    async ownerOf(id: string, where: 'live' | 'any' = 'live'): Promise<{ ownerId: string } | null> {
      const ownerId = await findWorkflowOwner(d.db, id, where);
      return ownerId ? { ownerId } : null;
    },

    /**
     * For the `owner` rule of the routes that run a workflow: its owner and its latest version, read in one query,
     * so starting a run does not read the workflow twice.
     */
    async liveForRun(id: string): Promise<{ ownerId: string; snapshot: WorkflowSnapshot } | null> {
      const w = await findLiveWorkflow(d.db, id);
      return w ? { ownerId: w.ownerId, snapshot: { workflowId: w.id, version: w.version, definition: w.definition, settings: w.settings } } : null;
    },

    async exists(ownerId: string, id: string): Promise<boolean> {
      return (await findOwnWorkflow(d.db, ownerId, id)) !== null;
    },

    async create(ctx: AuthedContext, input: CreateInput): Promise<WorkflowView> {
      checkContent(input.definition, input.settings);
      const row = await d.db.transaction(async (tx) => {
        const w = await insertNewWorkflow(
          tx,
          ctx,
          { name: nameOf(input.name), description: input.description ?? '', tags: uniqueTags(input.tags) ?? [], definition: input.definition, settings: input.settings ?? {} },
          'create',
        );
        await d.audit.record(tx, ctx, { action: 'workflow.create', outcome: 'success', targetType: 'workflow', targetId: w.id, details: { version: 1 } });
        return w;
      });
      return workflowView(row);
    },

    async get(ctx: AuthedContext, id: string, version?: number): Promise<WorkflowView> {
      const w = await findOwnWorkflow(d.db, ctx.principal.userId, id);
      if (!w) throw workflowsErrors.notFound();
      if (version === undefined || version === w.version) return workflowView(w);
      const v = await findOwnVersion(d.db, ctx.principal.userId, id, version);
      if (!v) throw workflowsErrors.versionNotFound(version);
      return workflowView(w, v);
    },

    async list(ctx: AuthedContext, f: { tag?: string | undefined; q?: string | undefined; trash: boolean }, page: { page: number; perPage: number }) {
      const ownerId = ctx.principal.userId;
      // The trash lists only what can still be restored: past the retention, an item merely awaits the purge.
      const filter = f.trash ? { ...f, trashedSince: trashCutoff(d.now?.() ?? new Date()) } : f;
      const [rows, total] = await Promise.all([
        listOwnWorkflows(d.db, ownerId, filter, { limit: page.perPage, offset: (page.page - 1) * page.perPage }),
        countOwnWorkflows(d.db, ownerId, filter),
      ]);
      return { data: rows.map(summaryView), meta: { ...page, total } };
    },

    /**
     * PUT: any change (definition, settings, name, description or tags) appends a version, so the ETag moves and a
     * save based on the version before it gets 409 instead of silently overwriting it; a PUT that changes nothing
     * appends none. The base version is required and checked under the row lock, so of two saves based on the same
     * version exactly one wins and the other gets 409.
     */
    async update(ctx: AuthedContext, id: string, input: UpdateInput, ifMatch?: string): Promise<{ view: WorkflowView; versionCreated: boolean }> {
      const base = baseVersionOf(ifMatch, input.baseVersion, true);
      checkContent(input.definition, input.settings);
      const ownerId = ctx.principal.userId;
      return d.db.transaction(async (tx) => {
        const head = await lockOwnWorkflow(tx, ownerId, id);
        if (!head) throw workflowsErrors.notFound();
        checkBase(head, base);
        const meta = changedMeta(head, input);
        const definition = input.definition ?? head.definition;
        const settings = input.settings ?? head.settings;
        const hash = contentHash(definition, settings);
        const versionCreated = hash !== head.contentHash || Object.keys(meta).length > 0;
        const row = versionCreated ? (await appendVersion(tx, ctx, head, { definition, settings, hash }, { kind: 'update', meta })).head : head;
        await d.audit.record(tx, ctx, { action: 'workflow.update', outcome: 'success', targetType: 'workflow', targetId: id, details: { version: row.version, versionCreated } });
        return { view: workflowView(row), versionCreated };
      });
    },

    /** A new workflow owned by the caller with the source's current definition and settings, at version 1. */
    async clone(ctx: AuthedContext, id: string, input: { name?: string | undefined }): Promise<WorkflowView> {
      const src = await findOwnWorkflow(d.db, ctx.principal.userId, id);
      if (!src) throw workflowsErrors.notFound();
      const row = await d.db.transaction(async (tx) => {
        const w = await insertNewWorkflow(
          tx,
          ctx,
          {
            name: input.name !== undefined ? nameOf(input.name) : `${src.name} (copy)`.slice(0, 200),
            description: src.description,
            tags: src.tags,
            definition: src.definition,
            settings: src.settings,
            clonedFrom: src.id,
          },
          'clone',
        );
        await d.audit.record(tx, ctx, { action: 'workflow.clone', outcome: 'success', targetType: 'workflow', targetId: w.id, details: { from: src.id, fromVersion: src.version } });
        return w;
      });
      return workflowView(row);
    },
  };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;
