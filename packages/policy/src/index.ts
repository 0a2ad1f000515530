export * from './rules.ts';
export * from './rbac.ts';
