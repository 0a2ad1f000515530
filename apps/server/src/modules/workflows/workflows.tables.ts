import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { WorkflowDefinition, WorkflowSettings } from '@gatehouse/engine';
import { users } from '../identity/identity.tables.ts';

/**
 * A workflow's head: its metadata and current content. The content of every version is also in workflow_versions;
 * the head carries the numbers a save needs (`version`, `contentVersion`, `contentHash`) so that saving never reads
 * the version history, however long it is.
 */
export const workflows = pgTable(
  'workflows',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    definition: jsonb('definition').$type<WorkflowDefinition>().notNull(),
    settings: jsonb('settings').$type<WorkflowSettings>().notNull(),
    /** The latest version number. */
    version: integer('version').notNull(),
    /**
     * The latest version that changed anything (content, name, description or tags) from the one before it. A save
     * based on any version from here on is not stale: versions after it (snapshots) only named the same workflow.
     */
    contentVersion: integer('content_version').notNull(),
    /** SHA-256 of the canonical JSON of definition and settings: a save with the same content (and metadata) makes no version. */
    contentHash: text('content_hash').notNull(),
    /** The workflow this one was cloned from (no foreign key: the original may be purged). */
    clonedFrom: uuid('cloned_from'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set while in the trash; purged 30 days later. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('workflows_owner_updated_idx').on(t.ownerId, t.updatedAt),
    index('workflows_tags_idx').using('gin', t.tags),
    index('workflows_deleted_idx').on(t.deletedAt).where(sql`${t.deletedAt} is not null`),
  ],
);

export const WORKFLOW_VERSION_KINDS = ['create', 'update', 'snapshot', 'restore', 'clone'] as const;

/** Immutable: rows are only ever inserted (and removed with their workflow when it is purged). */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    id: uuid('id').primaryKey(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    kind: text('kind', { enum: WORKFLOW_VERSION_KINDS }).notNull(),
    label: text('label'),
    /** For `restore`: the version whose content this one repeats. */
    restoredFrom: integer('restored_from'),
    definition: jsonb('definition').$type<WorkflowDefinition>().notNull(),
    settings: jsonb('settings').$type<WorkflowSettings>().notNull(),
    contentHash: text('content_hash').notNull(),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // One row per number: two saves racing for the same number cannot both commit.
  (t) => [uniqueIndex('workflow_versions_number_uq').on(t.workflowId, t.version)],
);
