import type { WorkflowDefinition, WorkflowSettings } from '@gatehouse/engine';
import type { VersionRow, WorkflowRow, listOwnVersions, listOwnWorkflows } from './workflows.repo.ts';

/** How long a deleted workflow stays restorable before it is purged. */
export const TRASH_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export interface WorkflowView {
  id: string;
  name: string;
  description: string;
  tags: string[];
  definition: WorkflowDefinition;
  settings: WorkflowSettings;
  /** The version whose content is shown (the latest, unless `?version=` asked for another). */
  version: number;
  latestVersion: number;
  clonedFrom: string | null;
  createdAt: string;
  updatedAt: string;
}

export function workflowView(w: WorkflowRow, shown?: VersionRow): WorkflowView {
  return {
    id: w.id,
    name: w.name,
    description: w.description,
    tags: w.tags,
    definition: shown?.definition ?? w.definition,
    settings: shown?.settings ?? w.settings,
    version: shown?.version ?? w.version,
    latestVersion: w.version,
    clonedFrom: w.clonedFrom,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}

type SummaryRow = Awaited<ReturnType<typeof listOwnWorkflows>>[number];

export const summaryView = (r: SummaryRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  tags: r.tags,
  version: r.version,
  nodeCount: r.nodeCount,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  deletedAt: r.deletedAt?.toISOString() ?? null,
  purgeAt: r.deletedAt ? new Date(r.deletedAt.getTime() + TRASH_RETENTION_DAYS * DAY_MS).toISOString() : null,
});

type VersionSummary = Awaited<ReturnType<typeof listOwnVersions>>[number];

export const versionView = (v: VersionSummary) => ({
  version: v.version,
  kind: v.kind,
  label: v.label,
  restoredFrom: v.restoredFrom,
  authorId: v.authorId,
  createdAt: v.createdAt.toISOString(),
});

export const trashCutoff = (now: Date) => new Date(now.getTime() - TRASH_RETENTION_DAYS * DAY_MS);
