// Every module's tables, for Drizzle's relational API and drizzle-kit. Modules own their tables; this only gathers.
export * from '../modules/identity/identity.tables.ts';
export * from '../modules/api-keys/api-keys.tables.ts';
export * from '../modules/audit/audit.tables.ts';
