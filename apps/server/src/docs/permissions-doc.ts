/**
 * docs/API_PERMISSIONS.md, generated from the route declarations in the spec's own table layout. A test fails when
 * the committed file differs from what this produces, so the doc can never drift from enforcement.
 */
import type { RouteSpec } from '../http/route.ts';
import { SPEC_CATEGORIES, formatLimit, isSpecCategory, type SpecCategory } from '../rate-limit/categories.ts';
import type { Config } from '../config.ts';

const TYPE = { sync: 'Sync', async: '**Async**', sse: 'Sync/SSE', ws: '**Async**' } as const;

function notes(r: RouteSpec): string {
  const parts = [r.docs.notes];
  for (const l of r.limits ?? []) parts.push(`Rate limit: ${l.label} per ${l.by === 'ip' ? 'IP' : 'user'}`);
  if (r.bodyCaller) parts.push(`Counted per session at the caller's tier, and ${per(r.bodyCaller.ipCeiling)} per IP`);
  if (r.failureThrottle) parts.push(`After ${r.failureThrottle.points} failures in ${windowOf(r.failureThrottle.durationSeconds)} for one account: 429 from any IP`);
  if (isSpecCategory(r.rateCategory)) parts.push(`Tier limit: ${SPEC_CATEGORIES[r.rateCategory].label}`);
  return parts.join(' · ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** 60 → `min`, 900 → `15 min`. */
const windowOf = (d: number) =>
  d === 60 ? 'min' : d === 3600 ? 'hour' : d === 86400 ? 'day' : d % 3600 === 0 ? `${d / 3600} hours` : d % 60 === 0 ? `${d / 60} min` : `${d} s`;

/** `{ points: 60, durationSeconds: 60 }` → `60/min`. */
const per = (l: { readonly points: number; readonly durationSeconds: number }) => `${l.points}/${windowOf(l.durationSeconds)}`;

/** Fastify's `:id` as the spec writes it, `{id}`. */
const specPath = (url: string) => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

export function renderPermissionsDoc(routes: readonly RouteSpec[], config: Pick<Config, 'defaultRatePerMinute' | 'anonymousRatePerMinute'>): string {
  const sections = new Map<string, Map<string, RouteSpec[]>>();
  for (const r of routes) {
    const groups = sections.get(r.docs.section) ?? new Map<string, RouteSpec[]>();
    sections.set(r.docs.section, groups);
    const list = groups.get(r.docs.group) ?? [];
    groups.set(r.docs.group, list);
    list.push(r);
  }
  const out: string[] = [
    '# API Permissions',
    '',
    '> Generated from the route declarations by `npm run docs:gen`. Do not edit: CI fails when this file is stale.',
    '',
    '## Permission Levels',
    '',
    '| Level | Rule | Description |',
    '|-------|------|-------------|',
    '| **Public** | `allowAny` | No authentication required |',
    '| **Authenticated** | `authenticated` | Valid JWT (Bearer) or API key (X-API-Key) required |',
    '| **Owner** | `owner` | Must own the resource; other users get 404 (no existence oracle) |',
    '| **Admin** | `admin` | Staff users only |',
    '| **Pro Tier** | `proTier` | Pro or Enterprise tier required |',
    '| **Enterprise** | `enterpriseTier` | Enterprise tier required |',
    '| **Has Credits** | `hasCredits` | Credit balance above zero |',
    '| `resource:action` | `permission()` | Commerce role permission in the request\'s organization or store |',
    '',
  ];
  for (const [section, groups] of sections) {
    out.push('---', '', `## ${section}`, '');
    for (const [group, list] of groups) {
      out.push(`### ${group}`);
      const ws = list.filter((r) => r.mode === 'ws');
      const http = list.filter((r) => r.mode !== 'ws');
      if (http.length > 0) {
        out.push('| Endpoint | Method | Type | Permission | Notes |', '|----------|--------|------|------------|-------|');
        for (const r of http) {
          out.push(`| \`${specPath(r.url)}\` | ${r.method} | ${TYPE[r.mode]} | ${cell(r.docs.permission ?? r.access.label)} | ${cell(notes(r))} |`);
        }
      }
      if (ws.length > 0) {
        if (http.length > 0) out.push('');
        out.push('| Endpoint | Type | Permission | Notes |', '|----------|------|------------|-------|');
        for (const r of ws) out.push(`| \`${specPath(r.url)}\` | ${TYPE[r.mode]} | ${cell(r.docs.permission ?? r.access.label)} | ${cell(notes(r))} |`);
      }
      out.push('');
    }
  }
  out.push('---', '', '## 🔒 Rate Limits by Tier', '', '| Endpoint Category | Free | Pro | Enterprise |', '|-------------------|------|-----|------------|');
  for (const key of Object.keys(SPEC_CATEGORIES) as SpecCategory[]) {
    const c = SPEC_CATEGORIES[key];
    out.push(`| ${c.label} | ${formatLimit(c.limits.free, c.window)} | ${formatLimit(c.limits.pro, c.window)} | ${formatLimit(c.limits.enterprise, c.window)} |`);
  }
  const d = config.defaultRatePerMinute;
  out.push(
    `| Everything else (default) | ${d.free}/min | ${d.pro}/min | ${d.enterprise}/min |`,
    '',
    `Anonymous callers are counted per IP: the Free column for categorised routes, ${config.anonymousRatePerMinute}/min otherwise.`,
    'Limited responses carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`; 429 adds `Retry-After`.',
    '',
    '## 🛡️ Security Headers',
    '',
    'Every response, errors and 404s included, carries `X-Content-Type-Options`, `X-Frame-Options`, `X-XSS-Protection`,',
    '`Referrer-Policy`, `Content-Security-Policy`, `Permissions-Policy` (values as in the spec) and `X-Request-Id`.',
    '',
    '## 📝 Summary',
    '',
    '| Section | Endpoints |',
    '|---------|-----------|',
  );
  for (const [section, groups] of sections) {
    let n = 0;
    for (const list of groups.values()) n += list.length;
    out.push(`| ${section} | ${n} |`);
  }
  out.push('');
  return out.join('\n');
}
