/**
 * The HTTP benchmarks' client side: the sanity checks they make before timing anything, and the autocannon load.
 */
import type { Options, Result } from 'autocannon';

/**
 * GETs `url` with `headers` and throws `sanity check failed: <what>: …` unless the answer has `status` (and, when
 * given, exactly `body`). Returns the response's headers and its body, read as text.
 */
export async function expectResponse(
  url: string,
  headers: Record<string, string>,
  status: number,
  what: string,
  body?: string,
): Promise<{ headers: Headers; text: string }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== status || (body !== undefined && text !== body)) {
    throw new Error(`sanity check failed: ${what}: expected ${status}${body ? ` ${body}` : ''}, got ${res.status} ${text.slice(0, 200)}`);
  }
  return { headers: res.headers, text };
}

let autocannon: ((options: Options) => Promise<Result>) | undefined;

/**
 * One autocannon run; throws (naming `label`) on any error, timeout or non-2xx response. autocannon is loaded on the
 * first call (a warm-up, in every benchmark), so server children never load it and timed runs never wait for it.
 */
export async function runAutocannon(label: string, options: Options): Promise<Result> {
  autocannon ??= (await import('autocannon')).default;
  const r = await autocannon(options);
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
    throw new Error(`${label}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx responses`);
  }
  return r;
}
