/**
 * Display names that arrive from outside our validation (a Google ID token's `name` claim): control characters
 * become spaces (PostgreSQL cannot store NUL at all, and a newline has no business in a name), lone surrogates
 * become U+FFFD, runs of whitespace collapse, and the result is cut to the length our own Name schema allows,
 * counted in code points so no character is split.
 */
export const NAME_MAX = 120;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanDisplayName(raw: unknown, max = NAME_MAX): string {
  if (typeof raw !== 'string') return '';
  const cleaned = raw.replace(CONTROL, ' ').replace(LONE_SURROGATE, '\uFFFD').replace(/\s+/g, ' ').trim();
  return Array.from(cleaned).slice(0, max).join('').trim();
}
