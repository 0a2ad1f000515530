export * from './definition.ts';
export * from './compiler/index.ts';
