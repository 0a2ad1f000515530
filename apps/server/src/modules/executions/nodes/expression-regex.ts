/**
 * Regular expressions for JSONata, run inside QuickJS so that they can be interrupted.
 *
 * JSONata hands `/…/` literals to the host's RegExp. V8's backtracking engine cannot be stopped once it runs, so
 * `$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)` would hold the server's event loop for minutes (ReDoS), far
 * past any expression time limit. QuickJS's regex engine polls the interrupt handler while it backtracks, so the
 * same match is cut off at its deadline. JSONata lets the host supply the engine (its `RegexEngine` option): a
 * class with `lastIndex` and `exec(str)`, which is all it uses.
 *
 * One small QuickJS instance serves every regex of the process, one call at a time (calls are synchronous).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { NodeFailure } from '@gatehouse/engine';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import { MIB } from './node-config.ts';
import { loadQuickJS } from './sandbox-core.ts';

/** The evaluation a regex runs for: its deadline (the expression's own time limit). */
export const regexDeadline = new AsyncLocalStorage<{ readonly deadline: number }>();

export interface RegexOptions {
  /** Longest a single regex call may run when no expression deadline applies. */
  readonly callTimeoutMs?: number;
  /** Longest string a regex may run on. */
  readonly maxInputLength?: number;
}

export type RegexEngineClass = new (re: RegExp) => { lastIndex: number; exec(str: string): RegExpExecArray | null };

export interface RegexSandbox {
  /** Loads the QuickJS instance (once); the engine class throws until this has resolved. */
  ready(): Promise<void>;
  readonly isReady: boolean;
  readonly Engine: RegexEngineClass;
}

// Compiled patterns are cached inside the guest; the result crosses as JSON: [index, lastIndex, match, ...groups].
const PRELUDE = `(function () {
  const cache = new Map();
  return function exec(source, flags, str, lastIndex) {
    const key = flags + '/' + source;
    let re = cache.get(key);
    if (!re) {
      if (cache.size >= 200) cache.clear();
      re = new RegExp(source, flags);
      cache.set(key, re);
    }
    re.lastIndex = lastIndex;
    const m = re.exec(str);
    return m === null ? 'null' : JSON.stringify([m.index, re.lastIndex, ...m]);
  };
})()`;

export function createRegexSandbox(options: RegexOptions = {}): RegexSandbox {
  const callTimeoutMs = options.callTimeoutMs ?? 1_000;
  const maxInputLength = options.maxInputLength ?? 1_000_000;
  let vm: { rt: QuickJSRuntime; ctx: QuickJSContext; exec: QuickJSHandle } | undefined;
  let loading: Promise<void> | undefined;
  let deadline = 0;
  // One string stays in the guest between calls: $replace and $split call exec once per match on the same string.
  let cached: { str: string; handle: QuickJSHandle } | undefined;

  const load = async () => {
    const instance = await loadQuickJS(4 * maxInputLength + 16 * MIB);
    const rt = instance.module.newRuntime();
    rt.setMemoryLimit(4 * maxInputLength + 8 * MIB);
    rt.setInterruptHandler(() => Date.now() > deadline);
    const ctx = rt.newContext();
    deadline = Date.now() + 10_000;
    vm = { rt, ctx, exec: ctx.unwrapResult(ctx.evalCode(PRELUDE, 'regex.js')) };
  };

  const reset = () => {
    // After an interrupted or failed call the guest is fine, but drop the cached string to free its memory early.
    cached?.handle.dispose();
    cached = undefined;
  };

  function run(source: string, flags: string, str: string, lastIndex: number): { match: RegExpExecArray; lastIndex: number } | null {
    if (!vm) throw new NodeFailure('EXPRESSION_FAILED', 'regular expressions are not ready yet');
    if (str.length > maxInputLength) {
      throw new NodeFailure('EXPRESSION_TOO_LARGE', `regular expressions run on strings of at most ${maxInputLength} characters`);
    }
    const { ctx } = vm;
    const store = regexDeadline.getStore();
    deadline = Math.min(store?.deadline ?? Infinity, Date.now() + callTimeoutMs);
    if (cached?.str !== str) {
      reset();
      cached = { str, handle: ctx.newString(str) };
    }
    const args = [ctx.newString(source), ctx.newString(flags), ctx.newNumber(lastIndex)] as const;
    const result = ctx.callFunction(vm.exec, ctx.undefined, args[0], args[1], cached.handle, args[2]);
    for (const h of args) h.dispose();
    if (result.error) {
      const err = ctx.dump(result.error) as { message?: string } | null;
      result.error.dispose();
      reset();
      if (Date.now() > deadline || err?.message === 'interrupted') {
        throw new NodeFailure('EXPRESSION_TIMEOUT', 'a regular expression ran too long (catastrophic backtracking?)');
      }
      throw new NodeFailure('EXPRESSION_FAILED', `regular expression failed: ${err?.message ?? 'unknown error'}`);
    }
    const json = ctx.getString(result.value);
    result.value.dispose();
    if (json === 'null') return null;
    const [index, last, ...groups] = JSON.parse(json) as [number, number, ...(string | null)[]];
    const match = groups.map((g) => g ?? undefined) as unknown as RegExpExecArray;
    match.index = index;
    match.input = str;
    return { match, lastIndex: last };
  }

  class QuickJSRegExp {
    lastIndex = 0;
    readonly source: string;
    readonly flags: string;
    constructor(re: RegExp) {
      this.source = re.source;
      this.flags = re.flags;
    }
    exec(str: string): RegExpExecArray | null {
      const found = run(this.source, this.flags, str, this.lastIndex);
      this.lastIndex = found?.lastIndex ?? 0;
      return found?.match ?? null;
    }
  }

  return {
    ready: () => (loading ??= load()),
    get isReady() {
      return vm !== undefined;
    },
    Engine: QuickJSRegExp,
  };
}
