// The template grammar lives with the engine, which resolves configs before every node; re-exported for this folder.
export { resolveTemplates, findTemplate, type TemplateOptions } from '@gatehouse/engine';
