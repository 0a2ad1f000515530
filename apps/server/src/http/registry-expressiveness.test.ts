import { afterAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { allowAny, and, apiKey, authenticated, admin, enterpriseTier, hasCredits, not, or, owner, ownerOrAdmin, ownerOrReadOnly, permission, proTier } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from './route.ts';
import { renderPermissionsDoc } from '../docs/permissions-doc.ts';
import { createTestApp, testConfig, type TestApp } from '../testing/app.ts';

const load = async () => null;
const noop = async () => ({ data: null });

// One row of each kind the two spec documents contain, declared the way modules declare them. The URLs live under
// /x so that the same rows can be registered next to the real routes.
const rows: RouteSpec[] = [
  defineRoute({ method: 'POST', url: '/x/api/auth/register', access: allowAny, rateCategory: 'auth', mode: 'sync', limits: [{ points: 5, durationSeconds: 3600, by: 'ip', label: '5/hour' }], docs: { section: 'Core', group: 'Authentication', notes: 'Register' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/x/api/users/:id', access: admin, rateCategory: 'default', mode: 'sync', docs: { section: 'Core', group: 'User Profile', notes: 'View any user' }, schema: { params: Type.Object({ id: Type.String() }) }, handler: noop }),
  defineRoute({ method: 'PUT', url: '/x/api/orchestrator/workflows/:id/', access: owner(load), rateCategory: 'workflowCrud', mode: 'sync', docs: { section: 'Orchestrator', group: 'Workflows CRUD', notes: 'Update workflow (Auto-versioning)' }, handler: noop }),
  defineRoute({ method: 'POST', url: '/x/api/orchestrator/workflows/:id/execute/', access: owner(load), rateCategory: 'execute', mode: 'async', docs: { section: 'Orchestrator', group: 'Execution Control', notes: 'Start execution' }, handler: noop }),
  defineRoute({ method: 'POST', url: '/x/api/orchestrator/ai/generate/', access: and(authenticated, hasCredits), rateCategory: 'aiGeneration', mode: 'async', docs: { section: 'Orchestrator', group: 'AI', notes: 'Generate' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/x/api/streaming/executions/:id/stream/', access: owner(load), rateCategory: 'stream', mode: 'sse', docs: { section: 'Streaming', group: 'SSE Endpoints', notes: 'SSE execution events' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/x/ws/hitl/', access: authenticated, rateCategory: 'stream', mode: 'ws', docs: { section: 'Streaming', group: 'WebSocket Endpoints', notes: 'Global HITL notifications' }, handler: noop, wsHandler: () => undefined }),
  defineRoute({ method: 'GET', url: '/x/api/insights/pro', access: and(authenticated, proTier), rateCategory: 'default', mode: 'sync', docs: { section: 'X', group: 'Tiers', notes: 'Pro only' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/x/api/insights/enterprise', access: and(authenticated, enterpriseTier), rateCategory: 'default', mode: 'sync', docs: { section: 'X', group: 'Tiers', notes: 'Enterprise only' }, handler: noop }),
  defineRoute({ method: 'POST', url: '/x/api/machine', access: apiKey, rateCategory: 'default', mode: 'sync', docs: { section: 'X', group: 'Keys', notes: 'X-API-Key only' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/x/api/documents/:id/', access: ownerOrAdmin(load), rateCategory: 'default', mode: 'async', docs: { section: 'Inference', group: 'Documents', notes: 'View document' }, handler: noop }),
  defineRoute({ method: 'PUT', url: '/x/api/shared/:id/', access: ownerOrReadOnly(load), rateCategory: 'default', mode: 'sync', docs: { section: 'X', group: 'Shared', notes: 'Owner writes, others read' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/x/api/mixed', access: or(admin, and(authenticated, not(proTier))), rateCategory: 'default', mode: 'sync', docs: { section: 'X', group: 'Mixed', notes: 'Composed' }, handler: noop }),
  defineRoute({ method: 'PATCH', url: '/x/api/products/:id', access: permission('products:update'), rateCategory: 'default', mode: 'sync', grants: async () => undefined, docs: { section: 'Commerce', group: 'Products', notes: 'Update product' }, handler: noop }),
];

let t: TestApp | undefined;
afterAll(async () => t?.close());

describe('the route registry', () => {
  it('expresses every kind of row of both specs and renders them in the spec layout', () => {
    const doc = renderPermissionsDoc(rows, testConfig());
    expect(doc).toContain('| `/x/api/auth/register` | POST | Sync | Public | Register · Rate limit: 5/hour per IP · Tier limit: Auth endpoints |');
    expect(doc).toContain('| `/x/api/users/{id}` | GET | Sync | Admin | View any user |');
    expect(doc).toContain('| `/x/api/orchestrator/workflows/{id}/execute/` | POST | **Async** | Owner | Start execution · Tier limit: Execute |');
    expect(doc).toContain('| `/x/api/orchestrator/ai/generate/` | POST | **Async** | Authenticated + Has Credits |');
    expect(doc).toContain('| `/x/api/streaming/executions/{id}/stream/` | GET | Sync/SSE | Owner |');
    expect(doc).toContain('| Endpoint | Type | Permission | Notes |\n|----------|------|------------|-------|\n| `/x/ws/hitl/` | **Async** | Authenticated |');
    expect(doc).toMatch(/\| `\/x\/api\/insights\/enterprise` \| GET \| Sync \| [^|]*Enterprise[^|]* \|/);
    expect(doc).toMatch(/\| `\/x\/api\/machine` \| POST \| Sync \| [^|]*API Key[^|]* \|/);
    expect(doc).toMatch(/\| `\/x\/api\/documents\/\{id\}\/` \| GET \| \*\*Async\*\* \| [^|]*Owner[^|]*Admin[^|]* \|/);
    expect(doc).toContain("| `/x/api/shared/{id}/` | PUT | Sync | Owner (others read-only) |");
    expect(doc).toContain('| `/x/api/products/{id}` | PATCH | Sync | `products:update` | Update product |');
    expect(doc).toContain('| Stream connections | 5 | 20 | 100 |');
  });

  it('registers every kind of row next to the real routes, and enforces them', async () => {
    t = await createTestApp({ overrides: { extraRoutes: rows } });
    // Without credentials every row is refused with 401 by its rule, except the public one: none is a 404.
    for (const r of rows) {
      const url = r.url.replace(':id', '00000000-0000-4000-8000-000000000000');
      const res = await t.app.inject({ method: r.method as 'GET', url });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(r.access === allowAny ? 200 : 401);
    }
  });
});
