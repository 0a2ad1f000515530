// Entry of a sandbox worker thread. Worker threads do not inherit the TypeScript loader that bin/gatehouse.mjs
// registers in-process, so the worker registers it itself before loading its TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./sandbox-worker.ts');
