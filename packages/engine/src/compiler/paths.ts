/** JSON paths for problems: `$.config.cases[0].port`, `$.config["odd key"]`. */

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Segment = string | number;

export function appendSegment(path: string, s: Segment): string {
  if (typeof s === 'number') return `${path}[${s}]`;
  return PLAIN_KEY.test(s) ? `${path}.${s}` : `${path}[${JSON.stringify(s)}]`;
}

export function formatPath(base: string, segments: readonly Segment[]): string {
  let out = base;
  for (const s of segments) out = appendSegment(out, s);
  return out;
}

/**
 * Turns an RFC 6901 pointer into segments, using the value it points into to tell array indexes from keys
 * (`/0` is an index in an array and a key in an object).
 */
export function pointerSegments(pointer: string, root: unknown): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^(0|[1-9]\d*)$/.test(key)) {
      out.push(Number(key));
      cur = cur[Number(key)];
    } else {
      out.push(key);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** A linked path that costs nothing until a problem needs it printed. */
export interface PathLink {
  readonly parent: PathLink | null;
  readonly segment: Segment;
}

export function linkToPath(base: string, link: PathLink | null): string {
  const segs: Segment[] = [];
  for (let l = link; l !== null; l = l.parent) segs.push(l.segment);
  return formatPath(base, segs.reverse());
}
