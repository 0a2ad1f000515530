/**
 * The spec's "Rate Limits by Tier" table, as data. Docs, enforcement and `GET /api/usage/` all read this.
 *
 * `null` means unlimited. `default` is ours (the spec leaves routes outside its table unlimited; we do not): its
 * numbers come from the config. `none` is for probes and docs that must never be limited (health checks).
 */
import type { Tier } from '@gatehouse/policy';

export type Window = 'minute' | 'day' | 'concurrent';

export interface CategorySpec {
  readonly label: string;
  readonly window: Window;
  readonly limits: Readonly<Record<Tier, number | null>>;
}

export const SPEC_CATEGORIES = {
  auth: { label: 'Auth endpoints', window: 'minute', limits: { free: 10, pro: 50, enterprise: 200 } },
  workflowCrud: { label: 'Workflow CRUD', window: 'minute', limits: { free: 20, pro: 100, enterprise: 500 } },
  compile: { label: 'Compile', window: 'minute', limits: { free: 10, pro: 100, enterprise: null } },
  execute: { label: 'Execute', window: 'minute', limits: { free: 5, pro: 50, enterprise: 200 } },
  aiGeneration: { label: 'AI Generation', window: 'day', limits: { free: 10, pro: 100, enterprise: null } },
  documentUpload: { label: 'Document upload', window: 'day', limits: { free: 10, pro: 100, enterprise: null } },
  aiChat: { label: 'AI Chat messages', window: 'day', limits: { free: 50, pro: 500, enterprise: null } },
  stream: { label: 'Stream connections', window: 'concurrent', limits: { free: 5, pro: 20, enterprise: 100 } },
} as const satisfies Record<string, CategorySpec>;

export type SpecCategory = keyof typeof SPEC_CATEGORIES;
export type RateCategory = SpecCategory | 'default' | 'none';

export const WINDOW_SECONDS: Readonly<Record<Exclude<Window, 'concurrent'>, number>> = { minute: 60, day: 86400 };

export function isSpecCategory(c: RateCategory): c is SpecCategory {
  return c in SPEC_CATEGORIES;
}

/** Formats a limit for docs: `10/min`, `100/day`, `5`, `Unlimited`. */
export function formatLimit(limit: number | null, window: Window): string {
  if (limit === null) return 'Unlimited';
  if (window === 'concurrent') return String(limit);
  return `${limit}/${window === 'minute' ? 'min' : 'day'}`;
}
