import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** One run of one workflow version. `state` is the engine's run state, saved after every node. */
export const executions = pgTable(
  'executions',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    version: integer('version').notNull(),
    mode: text('mode', { enum: ['normal', 'test', 'partial'] }).notNull(),
    status: text('status').notNull(),
    input: jsonb('input'),
    state: jsonb('state').notNull(),
    output: jsonb('output'),
    error: jsonb('error'),
    pauseRequested: boolean('pause_requested').notNull().default(false),
    /** The last event sequence number written for this execution. */
    eventSeq: integer('event_seq').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: bigint('lease_until', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('executions_owner_created_idx').on(t.ownerId, t.createdAt),
    index('executions_status_idx').on(t.status),
    index('executions_workflow_idx').on(t.workflowId, t.createdAt),
  ],
);

/** Every activation of every node (a node in a loop has one per iteration). */
export const executionSteps = pgTable(
  'execution_steps',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    stepId: text('step_id').notNull(),
    nodeId: text('node_id').notNull(),
    status: text('status').notNull(),
    attempt: integer('attempt').notNull().default(0),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.stepId] })],
);

/** The event log of a run: what streams replay (SSE ids are `seq`). */
export const executionEvents = pgTable(
  'execution_events',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.seq] }), index('execution_events_type_idx').on(t.executionId, t.type)],
);

/** Human-in-the-loop requests. `status` moves open → answered | expired | cancelled exactly once. */
export const hitlRequests = pgTable(
  'hitl_requests',
  {
    id: uuid('id').primaryKey(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id').notNull(),
    nodeId: text('node_id').notNull(),
    stepId: text('step_id').notNull(),
    prompt: text('prompt').notNull(),
    formSchema: jsonb('form_schema'),
    status: text('status', { enum: ['open', 'answered', 'expired', 'cancelled'] }).notNull().default('open'),
    decision: text('decision'),
    data: jsonb('data'),
    timeoutAt: timestamp('timeout_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
  },
  (t) => [index('hitl_owner_status_idx').on(t.ownerId, t.status), index('hitl_execution_idx').on(t.executionId)],
);
