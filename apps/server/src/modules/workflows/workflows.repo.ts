/**
 * Queries only. Every query of a user's workflows or versions carries the owner id in its WHERE clause, so a
 * mistake in a route cannot reach someone else's rows. Versions have no owner column: they are reached through
 * their workflow, joined on its owner.
 */
import { and, arrayContains, count, desc, eq, gte, ilike, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/database.ts';
import { preparedPerHandle } from '../../db/prepared.ts';
import { workflowVersions, workflows } from './workflows.tables.ts';

export type WorkflowRow = typeof workflows.$inferSelect;
export type VersionRow = typeof workflowVersions.$inferSelect;

const live = isNull(workflows.deletedAt);
const trashed = isNotNull(workflows.deletedAt);
const owned = (ownerId: string, id: string) => and(eq(workflows.id, id), eq(workflows.ownerId, ownerId));

export async function insertWorkflow(tx: Tx, row: typeof workflows.$inferInsert): Promise<WorkflowRow> {
  const [r] = await tx.insert(workflows).values(row).returning();
  return r!;
}

export async function insertVersion(tx: Tx, row: typeof workflowVersions.$inferInsert): Promise<VersionRow> {
  const [r] = await tx.insert(workflowVersions).values(row).returning();
  return r!;
}

export async function findOwnWorkflow(tx: Tx, ownerId: string, id: string, where: 'live' | 'trashed' = 'live'): Promise<WorkflowRow | null> {
  const [r] = await tx
    .select()
    .from(workflows)
    .where(and(owned(ownerId, id), where === 'live' ? live : trashed))
    .limit(1);
  return r ?? null;
}

/** The head row, locked until the transaction ends: saves of one workflow queue up here, one at a time. */
export async function lockOwnWorkflow(tx: Tx, ownerId: string, id: string): Promise<WorkflowRow | null> {
  const [r] = await tx.select().from(workflows).where(and(owned(ownerId, id), live)).limit(1).for('update');
  return r ?? null;
}

export async function updateOwnWorkflow(tx: Tx, ownerId: string, id: string, patch: Partial<typeof workflows.$inferInsert>): Promise<WorkflowRow | null> {
  const [r] = await tx.update(workflows).set(patch).where(owned(ownerId, id)).returning();
  return r ?? null;
}

/** A live workflow's head row, whoever owns it: for an `owner` rule that also hands its latest version on. */
// Prepared: every run of a workflow starts with this read (the `owner` check hands it on to execute).
const liveById = preparedPerHandle((tx) =>
  tx.select().from(workflows).where(and(eq(workflows.id, sql.placeholder('id')), live)).limit(1).prepare('workflows_live_by_id'),
);

export async function findLiveWorkflow(tx: Tx, id: string): Promise<WorkflowRow | null> {
  const [r] = await liveById(tx).execute({ id });
  return r ?? null;
}

/** For the `owner` access rule only: who owns the workflow (a live one, or one in any state). */
export async function findWorkflowOwner(tx: Tx, id: string, where: 'live' | 'any'): Promise<string | null> {
  const [r] = await tx
    .select({ ownerId: workflows.ownerId })
    .from(workflows)
    .where(where === 'live' ? and(eq(workflows.id, id), live) : eq(workflows.id, id))
    .limit(1);
  return r?.ownerId ?? null;
}

export interface WorkflowFilter {
  readonly tag?: string | undefined;
  readonly q?: string | undefined;
  readonly trash: boolean;
  /** With `trash`: only what was deleted at or after this instant (older items are past restoring, awaiting purge). */
  readonly trashedSince?: Date | undefined;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function listWhere(ownerId: string, f: WorkflowFilter): SQL {
  const parts: (SQL | undefined)[] = [eq(workflows.ownerId, ownerId), f.trash ? trashed : live];
  if (f.trash && f.trashedSince !== undefined) parts.push(gte(workflows.deletedAt, f.trashedSince));
  if (f.tag !== undefined) parts.push(arrayContains(workflows.tags, [f.tag]));
  if (f.q !== undefined) {
    const like = `%${escapeLike(f.q)}%`;
    parts.push(or(ilike(workflows.name, like), ilike(workflows.description, like)));
  }
  return and(...parts)!;
}

/** Summaries: the definition itself stays in the database; only its node count is read. */
export function listOwnWorkflows(tx: Tx, ownerId: string, f: WorkflowFilter, page: { limit: number; offset: number }) {
  return tx
    .select({
      id: workflows.id,
      name: workflows.name,
      description: workflows.description,
      tags: workflows.tags,
      version: workflows.version,
      nodeCount: sql<number>`jsonb_array_length(${workflows.definition}->'nodes')`.mapWith(Number),
      createdAt: workflows.createdAt,
      updatedAt: workflows.updatedAt,
      deletedAt: workflows.deletedAt,
    })
    .from(workflows)
    .where(listWhere(ownerId, f))
    .orderBy(desc(workflows.updatedAt), workflows.id)
    .limit(page.limit)
    .offset(page.offset);
}

export async function countOwnWorkflows(tx: Tx, ownerId: string, f: WorkflowFilter): Promise<number> {
  const [r] = await tx.select({ n: count() }).from(workflows).where(listWhere(ownerId, f));
  return r?.n ?? 0;
}

const versionOfOwner = (ownerId: string, workflowId: string) => and(eq(workflowVersions.workflowId, workflowId), eq(workflows.ownerId, ownerId), live);

export async function findOwnVersion(tx: Tx, ownerId: string, workflowId: string, version: number): Promise<VersionRow | null> {
  const [r] = await tx
    .select({ v: workflowVersions })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(and(versionOfOwner(ownerId, workflowId), eq(workflowVersions.version, version)))
    .limit(1);
  return r?.v ?? null;
}

/** Newest first, without their content (which can be a megabyte each). */
export function listOwnVersions(tx: Tx, ownerId: string, workflowId: string, page: { limit: number; offset: number }) {
  return tx
    .select({
      version: workflowVersions.version,
      kind: workflowVersions.kind,
      label: workflowVersions.label,
      restoredFrom: workflowVersions.restoredFrom,
      authorId: workflowVersions.authorId,
      createdAt: workflowVersions.createdAt,
    })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(versionOfOwner(ownerId, workflowId))
    .orderBy(desc(workflowVersions.version))
    .limit(page.limit)
    .offset(page.offset);
}

/** Purges workflows (and, by cascade, their versions) that have been in the trash since before `cutoff`. */
export function purgeTrashedBefore(tx: Tx, cutoff: Date) {
  return tx
    .delete(workflows)
    .where(and(trashed, lt(workflows.deletedAt, cutoff)))
    .returning({ id: workflows.id, ownerId: workflows.ownerId, deletedAt: workflows.deletedAt });
}
