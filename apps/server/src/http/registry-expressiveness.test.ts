import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { allowAny, and, authenticated, admin, hasCredits, owner, permission, proTier } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from './route.ts';
import { renderPermissionsDoc } from '../docs/permissions-doc.ts';
import { testConfig } from '../testing/app.ts';

const load = async () => null;
const noop = async () => undefined;

// One row of each kind the two spec documents contain, declared the way modules declare them.
const rows: RouteSpec[] = [
  defineRoute({ method: 'POST', url: '/api/auth/register', access: allowAny, rateCategory: 'auth', mode: 'sync', limits: [{ points: 5, durationSeconds: 3600, by: 'ip', label: '5/hour' }], docs: { section: 'Core', group: 'Authentication', notes: 'Register' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/api/users/:id', access: admin, rateCategory: 'default', mode: 'sync', docs: { section: 'Core', group: 'User Profile', notes: 'View any user' }, schema: { params: Type.Object({ id: Type.String() }) }, handler: noop }),
  defineRoute({ method: 'PUT', url: '/api/orchestrator/workflows/:id/', access: owner(load), rateCategory: 'workflowCrud', mode: 'sync', docs: { section: 'Orchestrator', group: 'Workflows CRUD', notes: 'Update workflow (Auto-versioning)' }, handler: noop }),
  defineRoute({ method: 'POST', url: '/api/orchestrator/workflows/:id/execute/', access: owner(load), rateCategory: 'execute', mode: 'async', docs: { section: 'Orchestrator', group: 'Execution Control', notes: 'Start execution' }, handler: noop }),
  defineRoute({ method: 'POST', url: '/api/orchestrator/ai/generate/', access: and(authenticated, hasCredits), rateCategory: 'aiGeneration', mode: 'async', docs: { section: 'Orchestrator', group: 'AI', notes: 'Generate' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/api/streaming/executions/:id/stream/', access: owner(load), rateCategory: 'stream', mode: 'sse', docs: { section: 'Streaming', group: 'SSE Endpoints', notes: 'SSE execution events' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/ws/hitl/', access: authenticated, rateCategory: 'stream', mode: 'ws', docs: { section: 'Streaming', group: 'WebSocket Endpoints', notes: 'Global HITL notifications' }, handler: noop }),
  defineRoute({ method: 'GET', url: '/api/insights/enterprise', access: and(authenticated, proTier), rateCategory: 'default', mode: 'sync', docs: { section: 'X', group: 'Tiers', notes: 'Pro only' }, handler: noop }),
  defineRoute({ method: 'PATCH', url: '/api/products/:id', access: permission('products:update'), rateCategory: 'default', mode: 'sync', grants: async () => undefined, docs: { section: 'Commerce', group: 'Products', notes: 'Update product' }, handler: noop }),
];

describe('the route registry', () => {
  it('expresses every kind of row of both specs and renders them in the spec layout', () => {
    const doc = renderPermissionsDoc(rows, testConfig());
    expect(doc).toContain('| `/api/auth/register` | POST | Sync | Public | Register · Rate limit: 5/hour per IP · Tier limit: Auth endpoints |');
    expect(doc).toContain('| `/api/users/:id` | GET | Sync | Admin | View any user |');
    expect(doc).toContain('| `/api/orchestrator/workflows/:id/execute/` | POST | **Async** | Owner | Start execution · Tier limit: Execute |');
    expect(doc).toContain('| `/api/orchestrator/ai/generate/` | POST | **Async** | Authenticated + Has Credits |');
    expect(doc).toContain('| `/api/streaming/executions/:id/stream/` | GET | Sync/SSE | Owner |');
    expect(doc).toContain('| Endpoint | Type | Permission | Notes |\n|----------|------|------------|-------|\n| `/ws/hitl/` | **Async** | Authenticated |');
    expect(doc).toContain('| `/api/products/:id` | PATCH | Sync | `products:update` | Update product |');
    expect(doc).toContain('| Stream connections | 5 | 20 | 100 |');
  });
});
