/** PostgreSQL stores neither NUL in text nor `\u0000` in jsonb: such input is refused up front (400), not at insert (500). */

/** The path of the first string or key holding NUL, or null. Iterative, so depth is no concern. */
export function findNul(value: unknown, base: string): string | null {
  const stack: [unknown, string][] = [[value, base]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return at;
    } else if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, `${at}.${i}`]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        if (k.includes('\u0000')) return at;
        stack.push([c, `${at}.${k}`]);
      }
    }
  }
  return null;
}
