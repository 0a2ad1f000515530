/**
 * Access rules as composable values.
 *
 * A rule is data (a `kind`, a docs `label`, its children) plus a synchronous `check` over facts the server has
 * already gathered: the principal, the loaded resource for object-level rules, whether the request only reads, and
 * the caller's granted permissions in the request's scope. Checks never do I/O, so they cost nanoseconds and run the
 * same in the browser (the console hides what the API would refuse).
 */

export type Tier = 'free' | 'pro' | 'enterprise';
export type Via = 'jwt' | 'apiKey' | 'ticket';

export interface Principal {
  readonly userId: string;
  readonly tier: Tier;
  readonly isStaff: boolean;
  readonly credits: number;
  readonly via: Via;
  /** The sign-in session behind a JWT principal (logout and password change act on it). */
  readonly sessionId?: string;
  /** The API key behind an API-key principal. */
  readonly apiKeyId?: string;
}

/** Anything an object-level rule can judge: it must say who owns it. */
export interface Owned {
  readonly ownerId: string;
}

/** Permissions granted to the caller in the scope of this request (see rbac.ts). */
export interface Grants {
  has(permission: string): boolean;
}

export interface Facts {
  readonly principal: Principal | null;
  /** The loaded object, for rules that need one. `null` means "looked for, not found". */
  readonly resource?: Owned | null;
  /** True for GET/HEAD/OPTIONS: `ownerOrReadOnly` lets non-owners read. */
  readonly readOnly?: boolean;
  readonly grants?: Grants;
}

export type DenyStatus = 401 | 403 | 404;

export interface DenyReason {
  /** The rule that refused, e.g. `owner`, `proTier`, `permission`. */
  readonly rule: string;
  /** What would have been needed, in words a log reader understands. */
  readonly required: string;
  /** The message for the caller. */
  readonly message: string;
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly status: DenyStatus; readonly reason: DenyReason };

/** Loads the object an object-level rule judges. Its input is whatever the server passes (request, params). */
export type ResourceLoader = (input: never) => Promise<Owned | null>;

export interface AccessRule {
  readonly kind: string;
  /** As written in the spec's Permission column: `Public`, `Authenticated`, `Owner`, `Admin` … */
  readonly label: string;
  readonly children: readonly AccessRule[];
  /** Set when the rule (or a child) needs a resource loaded before it can decide. */
  readonly load?: ResourceLoader;
  /** Whether a principal is needed at all: false only for rules that `allowAny` can satisfy. */
  readonly needsPrincipal: boolean;
  check(facts: Facts): Decision;
}

export const ALLOW: Decision = Object.freeze({ allowed: true });

export const UNAUTHORIZED = 'Unauthorized';

export function deny(status: DenyStatus, rule: string, required: string, message: string): Decision {
  return { allowed: false, status, reason: { rule, required, message } };
}

const unauthenticated = (rule: string): Decision => deny(401, rule, 'an authenticated principal', UNAUTHORIZED);

function leaf(
  kind: string,
  label: string,
  check: (principal: Principal, facts: Facts) => Decision,
): AccessRule {
  return {
    kind,
    label,
    children: [],
    needsPrincipal: true,
    check(facts) {
      const p = facts.principal;
      return p === null ? unauthenticated(kind) : check(p, facts);
    },
  };
}

export const allowAny: AccessRule = {
  kind: 'allowAny',
  label: 'Public',
  children: [],
  needsPrincipal: false,
  check: () => ALLOW,
};

export const authenticated: AccessRule = leaf('authenticated', 'Authenticated', () => ALLOW);

export const admin: AccessRule = leaf('admin', 'Admin', (p) =>
  p.isStaff ? ALLOW : deny(403, 'admin', 'staff user', 'Admin access required.'),
);

export const proTier: AccessRule = leaf('proTier', 'Pro Tier', (p) =>
  p.tier === 'pro' || p.tier === 'enterprise'
    ? ALLOW
    : deny(403, 'proTier', 'tier pro or enterprise', 'A Pro subscription is required.'),
);

export const enterpriseTier: AccessRule = leaf('enterpriseTier', 'Enterprise', (p) =>
  p.tier === 'enterprise'
    ? ALLOW
    : deny(403, 'enterpriseTier', 'tier enterprise', 'An Enterprise subscription is required.'),
);

export const apiKey: AccessRule = leaf('apiKey', 'API Key', (p) =>
  p.via === 'apiKey' ? ALLOW : deny(403, 'apiKey', 'an X-API-Key credential', 'This endpoint requires an API key.'),
);

export const hasCredits: AccessRule = leaf('hasCredits', 'Has Credits', (p) =>
  p.credits > 0 ? ALLOW : deny(403, 'hasCredits', 'credits > 0', 'No credits left.'),
);

const NOT_FOUND = 'Not found';

function ownerCheck(kind: string, p: Principal, facts: Facts): Decision {
  const r = facts.resource;
  if (r === undefined) {
    // A route declared an object-level rule but the server did not load the object: a wiring bug, never a deny.
    throw new Error(`rule ${kind} needs a loaded resource`);
  }
  // Not found and not yours look the same from outside: no existence oracle.
  if (r === null || r.ownerId !== p.userId) return deny(404, kind, 'resource owner', NOT_FOUND);
  return ALLOW;
}

/** Object-level: the caller must own the resource that `load` finds. Misses and foreign objects answer 404. */
export function owner<I>(load: (input: I) => Promise<Owned | null>): AccessRule {
  return {
    ...leaf('owner', 'Owner', (p, f) => ownerCheck('owner', p, f)),
    load: load as ResourceLoader,
  };
}

/** Owner, or a staff user (who may read and change any such object). */
export function ownerOrAdmin<I>(load: (input: I) => Promise<Owned | null>): AccessRule {
  return {
    ...leaf('ownerOrAdmin', 'Owner or Admin', (p, f) => {
      if (f.resource === null) return deny(404, 'ownerOrAdmin', 'resource owner or staff', NOT_FOUND);
      return p.isStaff && f.resource !== undefined ? ALLOW : ownerCheck('ownerOrAdmin', p, f);
    }),
    load: load as ResourceLoader,
  };
}

/** The owner may change the object; any authenticated caller may read it. */
export function ownerOrReadOnly<I>(load: (input: I) => Promise<Owned | null>): AccessRule {
  return {
    ...leaf('ownerOrReadOnly', 'Owner (others read-only)', (p, f) => {
      if (f.resource === null) return deny(404, 'ownerOrReadOnly', 'an existing resource', NOT_FOUND);
      if (f.readOnly === true && f.resource !== undefined) return ALLOW;
      const d = ownerCheck('ownerOrReadOnly', p, f);
      // The object is visible to this caller (it may read it), so a refused write is a 403, not a 404.
      return d.allowed ? d : deny(403, 'ownerOrReadOnly', 'resource owner to modify', 'Only the owner may modify this.');
    }),
    load: load as ResourceLoader,
  };
}

/** `resource:action`, checked against the grants the server resolved for the request's scope. */
export function permission(required: string): AccessRule {
  const colon = required.indexOf(':');
  const resource = colon > 0 ? required.slice(0, colon) : required;
  const action = colon > 0 ? required.slice(colon + 1) : '*';
  const message = `Permission denied. You do not have permission to ${action} ${resource}.`;
  return leaf('permission', `\`${required}\``, (_p, f) =>
    f.grants?.has(required) === true ? ALLOW : deny(403, 'permission', required, message),
  );
}

function firstLoader(rules: readonly AccessRule[]): ResourceLoader | undefined {
  for (const r of rules) if (r.load) return r.load;
  return undefined;
}

function withLoad(rule: Omit<AccessRule, 'load'>, rules: readonly AccessRule[]): AccessRule {
  const load = firstLoader(rules);
  return load ? { ...rule, load } : rule;
}

/** All must allow; the first refusal is the answer (order children cheap-first). */
export function and(...rules: AccessRule[]): AccessRule {
  if (rules.length === 0) throw new Error('and() needs at least one rule');
  return withLoad(
    {
      kind: 'and',
      label: rules.map((r) => r.label).join(' + '),
      children: rules,
      needsPrincipal: rules.some((r) => r.needsPrincipal),
      check(facts) {
        for (const r of rules) {
          const d = r.check(facts);
          if (!d.allowed) return d;
        }
        return ALLOW;
      },
    },
    rules,
  );
}

/**
 * Any may allow. When all refuse, the answer is the most telling refusal: 403 (you are known, not allowed) beats
 * 404 beats 401, so a signed-in caller is never told to sign in because one branch needed no principal.
 */
export function or(...rules: AccessRule[]): AccessRule {
  if (rules.length === 0) throw new Error('or() needs at least one rule');
  const rank: Record<DenyStatus, number> = { 403: 3, 404: 2, 401: 1 };
  return withLoad(
    {
      kind: 'or',
      label: rules.map((r) => r.label).join(' or '),
      children: rules,
      needsPrincipal: rules.every((r) => r.needsPrincipal),
      check(facts) {
        let worst: Decision | undefined;
        for (const r of rules) {
          const d = r.check(facts);
          if (d.allowed) return d;
          if (worst === undefined || (!worst.allowed && rank[d.status] > rank[worst.status])) worst = d;
        }
        return worst as Decision;
      },
    },
    rules,
  );
}

export function not(rule: AccessRule): AccessRule {
  return withLoad(
    {
      kind: 'not',
      label: `not ${rule.label}`,
      children: [rule],
      needsPrincipal: rule.needsPrincipal,
      check(facts) {
        // Before inverting: a rule that needs a principal refuses an anonymous caller with 401, and inverting that
        // refusal would let anonymous callers through `not(proTier)`, `not(admin)` … (fail-open).
        if (facts.principal === null && rule.needsPrincipal) return unauthenticated('not');
        const d = rule.check(facts);
        if (!d.allowed) return ALLOW;
        return deny(403, 'not', `not ${rule.label}`, 'Forbidden');
      },
    },
    [rule],
  );
}

export interface Explanation {
  readonly kind: string;
  readonly label: string;
  readonly allowed: boolean;
  readonly status?: DenyStatus;
  readonly reason?: DenyReason;
  readonly children: readonly Explanation[];
}

/** Evaluates every node of the rule tree (no short-circuit) so a log or a console can show why. */
export function explain(rule: AccessRule, facts: Facts): Explanation {
  const d = rule.check(facts);
  return {
    kind: rule.kind,
    label: rule.label,
    allowed: d.allowed,
    ...(d.allowed ? {} : { status: d.status, reason: d.reason }),
    children: rule.children.map((c) => explain(c, facts)),
  };
}

export function isAccessRule(value: unknown): value is AccessRule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AccessRule).check === 'function' &&
    typeof (value as AccessRule).kind === 'string'
  );
}
