export * from './rules.ts';
export * from './rbac.ts';
export * from './conditions.ts';
export * from './commerce.ts';
export * from './commerce-access.ts';
