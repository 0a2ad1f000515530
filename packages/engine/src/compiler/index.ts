export { compile } from './compile.ts';
export { checkLimits, nestedDeeperThan } from './limits.ts';
export { findTemplates, parseJsonata, parseSimplePath, referencesOf } from './expressions.ts';
export { CODES, type ProblemCode } from './problems.ts';
export { ID_PATTERN } from './model.ts';
export * from './types.ts';
