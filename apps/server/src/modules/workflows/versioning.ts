/**
 * Appending a version: the one write path for every change of content (update, snapshot, restore). It runs inside
 * the caller's transaction, on a head row the caller locked, so the number it takes (head + 1) cannot be taken
 * twice; the unique (workflow_id, version) index would refuse it anyway.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowDefinition, WorkflowSettings } from '@gatehouse/engine';
import type { Tx } from '../../db/database.ts';
import type { AuthedContext } from '../../http/context.ts';
import { workflowsErrors } from './workflows.errors.ts';
import { insertVersion, updateOwnWorkflow, type VersionRow, type WorkflowRow } from './workflows.repo.ts';
import type { WORKFLOW_VERSION_KINDS } from './workflows.tables.ts';

export interface Content {
  readonly definition: WorkflowDefinition;
  readonly settings: WorkflowSettings;
  readonly hash: string;
}

export interface AppendOptions {
  readonly kind: (typeof WORKFLOW_VERSION_KINDS)[number];
  readonly label?: string;
  readonly restoredFrom?: number;
  /** Metadata to change in the same write (name, description, tags): only fields whose value changes. */
  readonly meta?: Partial<Pick<WorkflowRow, 'name' | 'description' | 'tags'>>;
}

export async function appendVersion(tx: Tx, ctx: AuthedContext, head: WorkflowRow, next: Content, o: AppendOptions): Promise<{ head: WorkflowRow; version: VersionRow }> {
  const version = head.version + 1;
  const added = await insertVersion(tx, {
    id: randomUUID(),
    workflowId: head.id,
    version,
    kind: o.kind,
    label: o.label ?? null,
    restoredFrom: o.restoredFrom ?? null,
    definition: next.definition,
    settings: next.settings,
    contentHash: next.hash,
    authorId: ctx.principal.userId,
  });
  const row = await updateOwnWorkflow(tx, head.ownerId, head.id, {
    ...o.meta,
    definition: next.definition,
    settings: next.settings,
    contentHash: next.hash,
    version,
    // A version that changes nothing (a snapshot, a restore of what is already there) keeps older bases valid; one
    // that changes the content or the metadata makes every base before it stale.
    contentVersion: next.hash === head.contentHash && Object.keys(o.meta ?? {}).length === 0 ? head.contentVersion : version,
    updatedAt: new Date(),
  });
  return { head: row!, version: added };
}

/**
 * The version a change is based on, from `If-Match: "<n>"` (also `W/"<n>"` or a bare number) or a `baseVersion`
 * field. Both may be given if they agree; `*` is refused, since it would be exactly the blind overwrite this
 * guards against.
 */
export function baseVersionOf(ifMatch: string | undefined, bodyBase: number | undefined, required: boolean): number | undefined {
  let header: number | undefined;
  if (ifMatch !== undefined) {
    const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch);
    if (!m) throw workflowsErrors.baseVersionInvalid('If-Match must name one version, like If-Match: "3"');
    header = Number(m[1]);
  }
  if (header !== undefined && bodyBase !== undefined && header !== bodyBase) {
    throw workflowsErrors.baseVersionInvalid(`If-Match says version ${header} but baseVersion says ${bodyBase}`);
  }
  const base = header ?? bodyBase;
  if (base === undefined && required) throw workflowsErrors.baseVersionRequired();
  return base;
}

/** Stale when anything changed after the base; an error of its own when the base is a version that does not exist. */
export function checkBase(head: WorkflowRow, base: number | undefined): void {
  if (base === undefined) return;
  if (base > head.version) throw workflowsErrors.baseVersionNotFound(base, head.version);
  if (base < head.contentVersion) throw workflowsErrors.stale(base, head.version);
}
