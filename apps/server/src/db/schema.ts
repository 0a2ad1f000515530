// Every module's tables, for Drizzle's relational API and drizzle-kit. Modules own their tables; this only gathers.
export * from '../modules/identity/identity.tables.ts';
export * from '../modules/api-keys/api-keys.tables.ts';
export * from '../modules/audit/audit.tables.ts';
export * from '../modules/commerce/commerce.tables.ts';
export * from '../modules/executions/executions.tables.ts';
export * from '../modules/workflows/workflows.tables.ts';
export * from '../modules/nodes/nodes.tables.ts';
