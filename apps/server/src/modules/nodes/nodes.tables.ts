import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { CustomNodeImplementation, PortSpec } from '@gatehouse/engine';
import { users } from '../identity/identity.tables.ts';

/** User-defined node types (`custom.<slug>`), visible and usable only by their owner. Immutable once created. */
export const customNodes = pgTable(
  'custom_nodes',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The type is `custom.<slug>`; slugs are unique per owner, so two users may both have `custom.notify`. */
    slug: text('slug').notNull(),
    displayName: text('display_name').notNull(),
    category: text('category').notNull(),
    description: text('description').notNull().default(''),
    configSchema: jsonb('config_schema').$type<Record<string, unknown>>().notNull(),
    inputs: jsonb('inputs').$type<PortSpec[]>().notNull(),
    outputs: jsonb('outputs').$type<PortSpec[]>().notNull(),
    credentialTypes: jsonb('credential_types').$type<string[]>().notNull(),
    implementation: jsonb('implementation').$type<CustomNodeImplementation>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('custom_nodes_owner_slug_uq').on(t.ownerId, t.slug)],
);
