import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';

// The spec's rows for Workflows CRUD, Version History, Node APIs and Compiler APIs
// (shared/spec/api-permissions-orchestrator.md), as written there: path, method, Type, Permission.
const SPEC: [path: string, method: string, type: 'Sync' | 'Async', permission: 'Authenticated' | 'Owner'][] = [
  ['/api/orchestrator/workflows/', 'GET', 'Sync', 'Authenticated'],
  ['/api/orchestrator/workflows/', 'POST', 'Sync', 'Authenticated'],
  ['/api/orchestrator/workflows/{id}/', 'GET', 'Sync', 'Owner'],
  ['/api/orchestrator/workflows/{id}/', 'PUT', 'Sync', 'Owner'],
  ['/api/orchestrator/workflows/{id}/', 'DELETE', 'Sync', 'Owner'],
  ['/api/orchestrator/workflows/{id}/clone/', 'POST', 'Sync', 'Owner'],
  ['/api/orchestrator/workflows/{id}/versions/', 'GET', 'Sync', 'Owner'],
  ['/api/orchestrator/workflows/{id}/versions/', 'POST', 'Sync', 'Owner'],
  ['/api/orchestrator/workflows/{id}/versions/{v}/restore/', 'POST', 'Sync', 'Owner'],
  ['/api/nodes/', 'GET', 'Sync', 'Authenticated'],
  ['/api/nodes/categories/', 'GET', 'Sync', 'Authenticated'],
  ['/api/nodes/{type}/schema/', 'GET', 'Sync', 'Authenticated'],
  ['/api/nodes/custom/', 'GET', 'Sync', 'Authenticated'],
  ['/api/nodes/custom/', 'POST', 'Sync', 'Authenticated'],
  ['/api/nodes/custom/{id}/', 'GET', 'Sync', 'Owner'],
  ['/api/nodes/custom/{id}/', 'DELETE', 'Sync', 'Owner'],
  ['/api/compile/', 'POST', 'Async', 'Authenticated'],
  ['/api/compile/validate/', 'POST', 'Async', 'Authenticated'],
  ['/api/workflows/{id}/compile/', 'POST', 'Async', 'Owner'],
  ['/api/workflows/{id}/validate/', 'POST', 'Async', 'Owner'],
];

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('the design-time endpoints against the spec', () => {
  it.each(SPEC)('%s %s is declared %s with %s', (path, method, type, permission) => {
    const url = path.replace(/\{(\w+)\}/g, ':$1');
    const route = t.container.routes.find((r) => r.url === url && r.method === method);
    expect(route, `${method} ${url}`).toBeDefined();
    expect(route!.access.label).toBe(permission);
    expect(route!.mode).toBe(type === 'Sync' ? 'sync' : 'async');
    expect(route!.rateCategory).toBe(url.startsWith('/api/nodes/') ? 'default' : url.includes('compile') || url.includes('validate') ? 'compile' : 'workflowCrud');
  });
});
